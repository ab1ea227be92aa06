"""The order in which a batch of ready work runs: the seam for exploring schedules.

The controlled loop asks an :class:`Order` whenever it runs a *batch*: work
that became ready together, where gevent itself promises no particular order.
Two kinds of batch go through it:

- ``"timers"``: virtual timers due at the same instant (only under virtual
  time; ``Scheduler``);
- ``"callbacks"``: the ``run_callback`` work of one loop iteration (greenlet
  starts, ``sleep(0)``, event wake-ups, link notifications), when the order is
  not :data:`FIFO` (``OrderedCallbacks``; FIFO keeps gevent's own queue, which
  costs nothing extra), together with the callbacks of I/O watchers ready in
  the same poll (``OrderedIO``, the watchers ``ControlledLoop.io`` makes
  while the order is not FIFO).

An order is installed with ``controlled(hub).set_order(order)``; it may return
the batch in any permutation, and must return every element exactly once. A
FIFO order is asked about batches of two or more elements only; any other
order about every batch (an exploring order records each step it took).
``ExploringOrder`` (``gevent_schedules``) is the one the plugin installs.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol, TypeVar

BatchKind = Literal["timers", "callbacks"]
T = TypeVar("T")


class Order(Protocol):
    """Decides the order of one batch of ready work."""

    #: True only for gevent's own order, which lets the loop skip buffering callbacks.
    fifo: bool

    def arrange(self, kind: BatchKind, batch: Sequence[T]) -> Sequence[T]:
        """Return ``batch`` (one element or more) in the order it should run."""
        ...


class _Fifo:
    """First in, first out: the order gevent gives (timers: the order they were started)."""

    fifo = True

    def arrange(self, kind: BatchKind, batch: Sequence[T]) -> Sequence[T]:
        return batch

    def __repr__(self) -> str:
        return "FIFO"


FIFO: Order = _Fifo()
