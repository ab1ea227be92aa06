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
its turn never runs (gevent stops its start); one held when its spawner
returns still belongs to the spawner's turn. Greenlets started with
``start_later``/``spawn_later`` (a timer), raw greenlets (``spawn_raw``) and
the greenlets of patched ``threading.Thread`` objects (a thread to its user;
``Thread.start()`` waits for it to run) are neither held nor recorded.

:func:`spawn_gate` is the same with its options: ``root`` (only the work
that greenlet starts takes turns: ``concurrent_speedup`` gates the test body,
not a server a fixture started), ``serial=False`` (hold nothing, keep the
bookkeeping: the concurrent run pays what the sequential one pays) and
``clocks`` (each :class:`Turn`'s start and end, for the verdict).

Example::

    with one_greenlet_at_a_time() as record:
        gevent.joinall([gevent.spawn(work, n) for n in range(3)])  # one after another
    assert record.spawned == 3

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import contextlib
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

import gevent
from greenlet import getcurrent


@dataclass
class SerialRecord:
    """What :func:`one_greenlet_at_a_time` saw while it was active."""

    spawned: int = 0  # greenlets started on the hub meanwhile (held or not)
    greenlets: list[gevent.Greenlet] = field(default_factory=list)
    held: int = 0  # of which had to wait for an earlier turn
    nested: int = 0  # of which were started inside another's turn (by a greenlet it started)
    turns: list[Turn] = field(default_factory=list)  # one per greenlet, in the order started

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


class Turn:
    """One greenlet's turn among its spawner's: it and everything it spawns, until all end.

    ``key`` names it the same way in every run of the same code, whatever the
    interleaving: ``(i,)`` for the i-th greenlet the root started, the
    spawner's key plus ``(j,)`` for the j-th greenlet a turn's greenlet
    started. ``began`` and ``ended`` are readings of the gate's clocks (when
    its start was submitted; when its last member ended), None without clocks
    or until then. ``children``: how many greenlets its own greenlet started.
    """

    __slots__ = ("began", "children", "ended", "greenlet", "key", "members", "spawner", "started")

    def __init__(self, key: tuple[int, ...], greenlet: gevent.Greenlet, spawner: Any) -> None:
        self.key = key
        self.greenlet = greenlet
        self.spawner = spawner
        self.members = 0  # its greenlet and the greenlets started inside it, not yet dead
        self.children = 0
        self.started = False  # submitted to the loop: no longer held
        self.began: tuple[float, float] | None = None
        self.ended: tuple[float, float] | None = None


class _Clocks(Protocol):
    def start(self) -> tuple[float, float]: ...

    def end(self) -> tuple[float, float]: ...


class SpawnGate:
    """Holds greenlet starts while a sibling's turn runs; installed on a ``ControlledLoop``.

    ``serial=False`` holds nothing but keeps every other piece of bookkeeping
    (turns, their keys and clocks, the record): a run that lets greenlets run
    together then pays the same per greenlet as one that makes them take turns.
    ``root``: only the greenlets it starts, and those started inside their
    turns, take turns and are recorded; None: every greenlet started on the hub.
    """

    def __init__(
        self,
        submit: Callable[..., Any],
        *,
        serial: bool = True,
        root: Any = None,
        clocks: _Clocks | None = None,
    ) -> None:
        self.submit = submit  # the loop's run_callback underneath the gate
        self.record = SerialRecord()
        self.limit = 1 if serial else float("inf")  # running turns per spawner
        self.root = root
        self.clocks = clocks
        self.closed = False  # once closed, a turn that ends starts no held sibling
        self.running: dict[Any, int] = {}  # spawner -> how many of its children's turns run
        self.waiting: dict[Any, deque[tuple[_HeldStart, Turn]]] = {}  # spawner -> held children
        # greenlet -> the turns it counts in, its own first
        self.enclosing: dict[Any, list[Turn]] = {}
        self.root_children = 0

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
        if isinstance(getattr(glet.__dict__.get("_run"), "__self__", None), threading.Thread):
            # A patched threading.Thread: a thread to its user, it runs as it likes
            # (Thread.start() waits for it to run; a worker thread never ends).
            return self.submit(func)
        spawner = getcurrent()
        chain = self.enclosing.get(spawner)
        if chain is None:
            if self.root is not None and spawner is not self.root:
                return self.submit(func)  # not started inside the gated work
            key: tuple[int, ...] = (self.root_children,)
            self.root_children += 1
            chain = []
        else:
            self.record.nested += 1
            own = chain[0]
            key = (*own.key, own.children)
            own.children += 1
        record = self.record
        record.spawned += 1
        record.greenlets.append(glet)
        turn = Turn(key, glet, spawner)
        record.turns.append(turn)
        # Members from the start, held or not: a spawner's turn lasts until the
        # greenlets it started have run, even when it returns before they start.
        chain = [turn, *chain]
        for enclosing in chain:
            enclosing.members += 1
        self.enclosing[glet] = chain
        glet.rawlink(self._ended)  # also called for a greenlet killed while held
        if self.running.get(spawner, 0) < self.limit:
            self._begin(turn)
            return self.submit(func)
        record.held += 1
        held = _HeldStart(func, ())
        self.waiting.setdefault(spawner, deque()).append((held, turn))
        return held

    def _begin(self, turn: Turn) -> None:
        spawner = turn.spawner
        self.running[spawner] = self.running.get(spawner, 0) + 1
        turn.started = True
        if self.clocks is not None:
            turn.began = self.clocks.start()

    def _ended(self, glet: gevent.Greenlet) -> None:
        for turn in self.enclosing.pop(glet, ()):
            turn.members -= 1
            if turn.members:
                continue
            if not turn.started:
                continue  # killed while held: it never ran
            if self.clocks is not None:
                turn.ended = self.clocks.end()
            spawner = turn.spawner
            left = self.running.get(spawner, 1) - 1  # (release_all may have cleared it)
            if left:
                self.running[spawner] = left
            else:
                self.running.pop(spawner, None)
            self._next(spawner)

    def _next(self, spawner: Any) -> None:
        waiting = self.waiting.get(spawner)
        while waiting and not self.closed and self.running.get(spawner, 0) < self.limit:
            held, turn = waiting.popleft()
            func = held.callback
            if func is None:
                continue  # killed while it waited
            self._begin(turn)
            held.real = self.submit(func)
        if not waiting:
            self.waiting.pop(spawner, None)

    def holder(self) -> gevent.Greenlet | None:
        """A greenlet whose turn runs while a sibling started after it is held, if any."""
        for spawner, queue in self.waiting.items():
            if any(held.callback is not None for held, _ in queue):
                for turn in self.record.turns:
                    if turn.spawner is spawner and turn.started and turn.members:
                        return turn.greenlet
        return None

    def close(self) -> None:
        """Start no held greenlet any more (those still held can then be killed in peace)."""
        self.closed = True

    def release_all(self) -> None:
        """Submit every held start (the gate is being removed): nothing is left unstarted."""
        waiting, self.waiting = self.waiting, {}
        for queue in waiting.values():
            for held, _ in queue:
                if held.callback is not None:
                    held.real = self.submit(held.callback)
        self.running.clear()
        self.enclosing.clear()


@contextlib.contextmanager
def one_greenlet_at_a_time(hub: Any = None) -> Iterator[SerialRecord]:
    """While active, each greenlet started on ``hub`` (default: this thread's) runs to
    completion, with the greenlets it spawns, before the next one of the same spawner starts.

    Yields a :class:`SerialRecord` (``spawned``: how many greenlets were
    started meanwhile; ``greenlets``; ``held``; ``nested``; ``turns``;
    ``running``). On exit, starts still held are submitted (they run as
    usual); killing what is still running is the caller's choice. Not
    reentrant on one hub.
    """
    with spawn_gate(hub) as gate:
        yield gate.record


@contextlib.contextmanager
def spawn_gate(
    hub: Any = None,
    *,
    serial: bool = True,
    root: Any = None,
    clocks: _Clocks | None = None,
) -> Iterator[SpawnGate]:
    """:func:`one_greenlet_at_a_time` with the :class:`SpawnGate`'s options; yields the gate.

    To kill what a run left without starting what it held, ``close()`` the
    gate first. On exit, starts still held are submitted.
    """
    from .controlled_loop import controlled

    loop = controlled(hub if hub is not None else gevent.get_hub())
    gate = loop.install_spawn_gate(serial=serial, root=root, clocks=clocks)
    try:
        yield gate
    finally:
        loop.remove_spawn_gate(gate)
        gate.release_all()
