"""Interleaving: asserting the order in which greenlets ran.

- ``log``: the ``interleaving`` order log you record labels to, and its assertions;
- ``switch_trace``: the greenlet switches that really happened;
- ``sequencer``: forcing an order between greenlets;
- ``timeline``: the text a failed order assertion shows.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from .log import Interleaving
from .sequencer import Sequencer
from .switch_trace import SwitchTrace

__all__ = ["Interleaving", "Sequencer", "SwitchTrace"]
