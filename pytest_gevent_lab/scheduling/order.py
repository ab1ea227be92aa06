"""The order in which a batch of ready work runs: the seam for exploring schedules.

The controlled loop asks an :class:`Order` whenever it runs a *batch*: work
that became ready together, where gevent itself promises no particular order.
Two kinds of batch go through it today:

- ``"timers"``: virtual timers due at the same instant (only under virtual
  time; ``Scheduler``);
- ``"callbacks"``: the ``run_callback`` work of one loop iteration (greenlet
  starts, ``sleep(0)``, event wake-ups, link notifications), when the order is
  not :data:`FIFO` (``OrderedCallbacks``; FIFO keeps gevent's own queue, which
  costs nothing extra).

A third, I/O callbacks ready in one poll, has its place marked in
``ControlledLoop.io``: the watchers gevent makes come from there. An order is
installed with ``controlled(hub).set_order(order)``; it may return the batch in
any permutation, and must return every element exactly once.

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
        """Return ``batch`` (at least two elements) in the order it should run."""
        ...


class _Fifo:
    """First in, first out: the order gevent gives (timers: the order they were started)."""

    fifo = True

    def arrange(self, kind: BatchKind, batch: Sequence[T]) -> Sequence[T]:
        return batch

    def __repr__(self) -> str:
        return "FIFO"


FIFO: Order = _Fifo()
