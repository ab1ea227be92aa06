"""``VirtualTimer``: what ``loop.timer()`` returns while a virtual clock runs.

It has the interface gevent's primitives use on a timer watcher (``start``,
``again``, ``stop``, ``close``, ``active``, ``pending``, ``ref``, ``with``),
so ``gevent.sleep``, ``Timeout``, ``spawn_later`` and every ``wait(timeout=)``
work on it unchanged. While the clock runs, the timer lives in the controlled
loop's heap in virtual seconds; when the clock stops (the test ends), a timer
still active becomes a real loop timer for its remaining virtual seconds, so
the greenlets of a module- or session-scoped fixture keep working in real time.
A timer started again after that is real from the start.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .controlled_loop import ControlledLoop
    from .scheduler import Scheduler


class VirtualTimer:
    """One timer watcher on a :class:`ControlledLoop` (in virtual seconds while its clock runs)."""

    __slots__ = (
        "_after",
        "_core",
        "_ref",
        "_repeat",
        "args",
        "callback",
        "deadline",
        "firing",
        "loop",
        "passive",
        "priority",
        "real",
        "seq",
    )

    def __init__(
        self,
        loop: ControlledLoop,
        core: Scheduler,
        after: float,
        repeat: float = 0.0,
        ref: bool = True,
        priority: int | None = None,
        passive: bool = False,
    ) -> None:
        if repeat < 0.0:
            raise ValueError(f"repeat must be positive or zero: {repeat!r}")
        self.loop = loop  # what gevent's own watchers call .loop
        self._core = core
        self._after = float(after)
        self._repeat = float(repeat)
        self._ref = bool(ref)
        self.priority = priority
        self.passive = passive  # fires when the clock passes it, never makes it jump
        self.callback: Callable[..., Any] | None = None
        self.args: tuple[Any, ...] | None = None
        self.deadline = 0.0  # virtual seconds since the clock started
        self.seq: int | None = None  # set while scheduled in the loop's heap
        self.firing = False  # due and taken from the heap, its callback not run yet
        self.real: Any = None  # the real timer doing the waiting once the clock stopped

    # --- the watcher interface ---

    def start(self, callback: Callable[..., Any], *args: Any, update: object = None) -> None:
        if callback is None or not callable(callback):
            raise TypeError(f"Expected callable, not {callback!r}")
        self.callback, self.args = callback, args
        self._core._start_timer(self, self._after)

    def again(self, callback: Callable[..., Any], *args: Any, update: object = True) -> None:
        """libev's ``ev_timer_again``: restart ``repeat`` seconds from now, or stop if 0."""
        self.callback, self.args = callback, args
        if self.active:
            self.stop()
        if self._repeat:
            self._core._start_timer(self, self._repeat)

    def stop(self) -> None:
        self.firing = False  # as libev: stopping a pending timer cancels its callback
        if self.real is not None:
            self.real.stop()
        elif self.seq is not None:
            self._core._stop_timer(self)

    def close(self) -> None:
        self.stop()
        if self.real is not None:
            self.real.close()
            self.real = None
        self.callback = self.args = None

    def __enter__(self) -> VirtualTimer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def active(self) -> bool:
        if self.real is not None:
            return bool(self.real.active)
        return self.seq is not None

    @property
    def pending(self) -> bool:
        """Due but its callback not run yet (libev's meaning)."""
        if self.real is not None:
            return bool(self.real.pending)
        return self.firing or (self.seq is not None and self._core._is_due(self))

    @property
    def ref(self) -> bool:
        return self._ref

    @ref.setter
    def ref(self, value: bool) -> None:
        value = bool(value)
        if value != self._ref:
            self._ref = value
            if self.real is not None:
                self.real.ref = value
            elif self.seq is not None:
                self._core._ref_changed(self)

    @property
    def repeat(self) -> float:
        return self._repeat

    @property
    def at(self) -> float:
        """When it fires, on the loop's ``now()`` scale."""
        return self._core._at(self)

    # --- the controlled loop's side ---

    def run_real(self, real_loop: Any, after: float) -> None:
        """Wait ``after`` real seconds with a real timer (the clock has stopped)."""
        if self.real is None:
            self.real = real_loop.timer(max(after, 0.0), self._repeat, self._ref, self.priority)
        elif self.real.active:
            return  # like libev: starting an active timer keeps its deadline
        else:  # a fresh real timer: the old one's delay was a remaining time, not ours
            self.real.close()
            self.real = real_loop.timer(max(after, 0.0), self._repeat, self._ref, self.priority)
        assert self.callback is not None
        self.real.start(self.callback, *(self.args or ()))

    def __repr__(self) -> str:
        if self.real is not None:
            state = f"real {self.real!r}"
        elif self.seq is not None:
            state = f"active, due at virtual +{self.deadline:g} s"
        else:
            state = "inactive"
        return f"<VirtualTimer after={self._after:g} repeat={self._repeat:g} {state}>"
