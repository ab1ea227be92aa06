"""Old import path, kept for the 0.1 series: use ``pytest_gevent_lab.watch``.

The README of 0.1.0 documented ``pytest_gevent_lab.blocking.watch``; hub-blocking
detection now lives in ``greenlets/blocking.py``.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from .greenlets.blocking import BlockWatch, watch
from .greenlets.exceptions import HubBlockedError

__all__ = ["BlockWatch", "HubBlockedError", "watch"]
