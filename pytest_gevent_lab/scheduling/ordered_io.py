"""``OrderedIO``: an I/O watcher whose callback joins the loop iteration's ordered batch.

libev (and libuv) call the watchers of every descriptor ready in one poll
one after another, in an order of their own. While an exploring
:class:`Order` is installed, the controlled loop makes its I/O watchers
through this wrapper: when the descriptor is ready, the callback is not run
but queued with the iteration's ``run_callback`` work (``OrderedCallbacks``),
so that I/O callbacks ready in the same poll, and the callbacks queued beside
them, run in the order's permutation. Under gevent's own order (FIFO) it
calls the callback at once, as the real watcher would.

A watcher stays ready while its descriptor is (level-triggered): it is
queued once until it has run, and stopping it drops the queued run (as
``ev_io_stop`` clears a pending watcher). Everything else (``fd``,
``events``, ``ref``, ``priority``, ``close``) is the real watcher's.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .steps import target

if TYPE_CHECKING:
    from .controlled_loop import ControlledLoop


class OrderedIO:
    """Wraps one real I/O watcher of a :class:`ControlledLoop`."""

    __slots__ = ("__weakref__", "_loop", "_queued", "args", "callback", "real")

    def __init__(self, loop: ControlledLoop, real: Any) -> None:
        self._loop = loop
        self.real = real
        self.callback: Callable[..., Any] | None = None
        self.args: tuple[Any, ...] | None = None
        self._queued: Any = None  # the queued run, until it ran or was dropped

    def start(self, callback: Callable[..., Any], *args: Any, pass_events: bool = False) -> None:
        if callback is None or not callable(callback):
            raise TypeError(f"Expected callable, not {callback!r}")
        self.callback, self.args = callback, args
        if pass_events:
            self.real.start(self._ready, *args, pass_events=True)
        else:
            self.real.start(self._ready, *args)

    def _ready(self, *fired: Any) -> None:
        callbacks = self._loop.callbacks
        if callbacks is None:  # gevent's own order: run now, as the real watcher would
            callback = self.callback
            if callback is not None:
                callback(*fired)
            return
        if self._queued is None:
            self._queued = callbacks.run_callback(self._run_ready, fired)

    def _run_ready(self, fired: tuple[Any, ...]) -> None:
        self._queued = None
        callback = self.callback
        if callback is not None:
            callback(*fired)

    def describe_step(self) -> tuple[Any, str]:
        """What the queued run wakes, for the schedule's timeline."""
        found, _ = target(self.callback, self.args)
        return found, "I/O ready"

    def _drop(self) -> None:
        queued, self._queued = self._queued, None
        if queued is not None:
            queued.stop()

    def stop(self) -> None:
        self._drop()
        self.callback = self.args = None
        self.real.stop()

    def close(self) -> None:
        self.stop()
        self.real.close()

    def __enter__(self) -> OrderedIO:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def feed(self, revents: int, callback: Callable[..., Any], *args: Any) -> None:
        self.real.feed(revents, callback, *args)

    @property
    def active(self) -> bool:
        return bool(self.real.active)

    @property
    def pending(self) -> bool:
        return self._queued is not None or bool(self.real.pending)

    @property
    def ref(self) -> bool:
        return bool(self.real.ref)

    @ref.setter
    def ref(self, value: bool) -> None:
        self.real.ref = value

    @property
    def priority(self) -> Any:
        return self.real.priority

    @priority.setter
    def priority(self, value: Any) -> None:
        self.real.priority = value

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def __repr__(self) -> str:
        return f"<OrderedIO over {self.real!r}>"
