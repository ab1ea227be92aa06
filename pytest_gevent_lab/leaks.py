"""Old import path, kept for the 0.1 series: use ``pytest_gevent_lab.GreenletLeakWarning``.

The README of 0.1.0 documented ``pytest_gevent_lab.leaks.GreenletLeakWarning``
(for ``filterwarnings``); the leak checks now live in ``greenlets/leaks.py``.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from .greenlets.exceptions import GreenletLeakWarning, LeakedGreenletError

__all__ = ["GreenletLeakWarning", "LeakedGreenletError"]
