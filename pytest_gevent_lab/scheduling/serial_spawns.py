"""Run every greenlet spawned on the hub one at a time: :func:`one_greenlet_at_a_time`.

For ``concurrent_speedup``'s sequential run (issue 13, item 4): not only the
greenlets spawned through the plugin's fixtures but every ``gevent.Greenlet``
started on the hub (``gevent.spawn``, a ``Pool`` or ``Group`` the code makes
itself, ``Greenlet(...).start()``) waits for the previous one to finish.
A greenlet starts through ``hub.loop.run_callback(greenlet.switch)``; while
the gate is installed on the controlled loop, such a start is *held* when
another greenlet's turn is running, and submitted when that turn ends.

Turns are taken among the greenlets of one spawner: the children of the test
body run one after another, and so do the children of each greenlet (a
``Pool.map`` spawns its workers from a greenlet of its own; a parent that
joins its child lets it run, since the child is its first). A turn ends when
its greenlet and everything spawned inside it have finished. Greenlets that
wait on a sibling queued behind them (a consumer and its producer) cannot run
one after another: the waiting one never ends. A held greenlet killed before
its turn never runs (gevent stops its start). Greenlets
started with ``start_later``/``spawn_later`` (a timer) and raw greenlets
(``spawn_raw``) are not held.

Example::

    with one_greenlet_at_a_time() as record:
        gevent.joinall([gevent.spawn(work, n) for n in range(3)])  # one after another
    assert record.spawned == 3

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import contextlib
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import gevent
from greenlet import getcurrent


@dataclass
class SerialRecord:
    """What :func:`one_greenlet_at_a_time` saw while it was active."""

    spawned: int = 0  # greenlets started on the hub meanwhile (held or not)
    greenlets: list[gevent.Greenlet] = field(default_factory=list)
    held: int = 0  # of which had to wait for an earlier turn

    @property
    def running(self) -> list[gevent.Greenlet]:
        """Those spawned meanwhile that have not finished."""
        return [glet for glet in self.greenlets if not glet.dead]


class _HeldStart:
    """What ``run_callback`` returned for a held start; gevent calls ``stop()`` on a kill."""

    __slots__ = ("args", "callback", "real")

    def __init__(self, callback: Callable[..., Any], args: tuple[Any, ...]) -> None:
        self.callback: Callable[..., Any] | None = callback
        self.args: tuple[Any, ...] | None = args
        self.real: Any = None  # the loop's callback once submitted

    def stop(self) -> None:
        self.callback = self.args = None
        if self.real is not None:
            self.real.stop()

    close = stop

    @property
    def pending(self) -> bool:
        if self.real is not None:
            return bool(self.real.pending)
        return self.callback is not None

    def __bool__(self) -> bool:
        return self.pending


class _Turn:
    """One greenlet's turn among its spawner's: it and everything it spawns, until all end."""

    __slots__ = ("members", "spawner")

    def __init__(self, spawner: Any) -> None:
        self.spawner = spawner
        self.members = 0


class SpawnGate:
    """Holds greenlet starts while a sibling's turn runs; installed on a ``ControlledLoop``."""

    def __init__(self, submit: Callable[..., Any]) -> None:
        self.submit = submit  # the loop's run_callback underneath the gate
        self.record = SerialRecord()
        self.turns: dict[Any, _Turn] = {}  # spawner -> the turn of its running child
        self.waiting: dict[Any, deque[_HeldStart]] = {}  # spawner -> its held children
        self.enclosing: dict[Any, list[_Turn]] = {}  # running greenlet -> turns it counts in

    def run_callback(self, func: Callable[..., Any], *args: Any) -> Any:
        glet = getattr(func, "__self__", None)
        if (
            args
            or getattr(func, "__name__", None) != "switch"
            or not isinstance(glet, gevent.Greenlet)
            or glet.gr_frame is not None
            or glet.dead
        ):
            return self.submit(func, *args)
        # A greenlet is being started: by the current greenlet, its spawner.
        spawner = getcurrent()
        self.record.spawned += 1
        self.record.greenlets.append(glet)
        if spawner not in self.turns:
            self._begin(glet, spawner)
            return self.submit(func)
        self.record.held += 1
        held = _HeldStart(func, ())
        self.waiting.setdefault(spawner, deque()).append(held)
        return held

    def _begin(self, glet: gevent.Greenlet, spawner: Any) -> None:
        turn = self.turns[spawner] = _Turn(spawner)
        chain = [turn, *self.enclosing.get(spawner, ())]
        for enclosing in chain:
            enclosing.members += 1
        self.enclosing[glet] = chain
        glet.rawlink(self._ended)

    def _ended(self, glet: gevent.Greenlet) -> None:
        for turn in self.enclosing.pop(glet, ()):
            turn.members -= 1
            if turn.members == 0 and self.turns.get(turn.spawner) is turn:
                del self.turns[turn.spawner]
                self._next(turn.spawner)

    def _next(self, spawner: Any) -> None:
        waiting = self.waiting.get(spawner)
        while waiting:
            held = waiting.popleft()
            func = held.callback
            if func is None:
                continue  # killed while it waited
            self._begin(func.__self__, spawner)  # type: ignore[attr-defined]
            held.real = self.submit(func)
            return
        self.waiting.pop(spawner, None)

    def release_all(self) -> None:
        """Submit every held start (the gate is being removed): nothing is left unstarted."""
        waiting, self.waiting = self.waiting, {}
        for queue in waiting.values():
            for held in queue:
                if held.callback is not None:
                    held.real = self.submit(held.callback)
        self.turns.clear()
        self.enclosing.clear()


@contextlib.contextmanager
def one_greenlet_at_a_time(hub: Any = None) -> Iterator[SerialRecord]:
    """While active, each greenlet started on ``hub`` (default: this thread's) runs to
    completion, with the greenlets it spawns, before the next one starts.

    Yields a :class:`SerialRecord` (``spawned``: how many greenlets were
    started meanwhile; ``greenlets``; ``held``; ``running``). On exit, starts
    still held are submitted (they run as usual); killing what is still
    running is the caller's choice. Not reentrant on one hub.
    """
    from .controlled_loop import controlled

    loop = controlled(hub if hub is not None else gevent.get_hub())
    gate = loop.install_spawn_gate()
    try:
        yield gate.record
    finally:
        loop.remove_spawn_gate(gate)
        gate.release_all()
