"""What one element of a batch runs: its key (for the strategy) and its step (for the timeline).

Every element of a batch is a callback and its arguments: a ``run_callback``
entry, an I/O watcher's callback, a virtual timer's. Most of them switch to a
greenlet: ``Greenlet.switch`` starts one, ``Waiter.switch`` wakes the greenlet
waiting on it (``sleep``, ``join``, a socket's ``recv``), ``_kill`` throws into
its first argument. That greenlet is the element's key (so PCT's priority is a
greenlet's) and its column in the timeline. Work that is the hub's own (an
event's ``_notify_links``, which wakes its waiters) is keyed by the object it
belongs to and shown in the ``hub`` column as that object, numbered per run
(``AsyncResult#2``): gevent does not say which greenlets it will wake.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from greenlet import greenlet as raw_greenlet

HUB_COLUMN = "hub"


class Step(NamedTuple):
    """One element run: the greenlet it ran (its timeline column) and what it did."""

    greenlet: str
    what: str

    def __str__(self) -> str:
        return f"{self.greenlet}: {self.what}"


def target(callback: Callable[..., Any] | None, args: tuple[Any, ...] | None) -> tuple[Any, str]:
    """``(what the element wakes, what it does)``: a greenlet when one can be told."""
    owner = getattr(callback, "__self__", None)
    name = getattr(callback, "__name__", None) or type(callback).__name__
    if isinstance(owner, raw_greenlet):
        if name == "switch":
            return owner, ("resume" if owner.gr_frame is not None else "start")
        if name == "_notify_links":
            return owner, "ended"
        return owner, name.strip("_")
    waiting = getattr(owner, "greenlet", None)  # gevent's Waiter: the greenlet in get()
    if isinstance(waiting, raw_greenlet):
        return waiting, "wake"
    if args and isinstance(args[0], raw_greenlet):
        return args[0], name.strip("_")  # _kill(greenlet, exception, waiter)
    if owner is not None:  # the hub's own work; the timeline numbers the object
        return owner, "" if name == "_notify_links" else f".{name.strip('_')}"
    return callback, name
