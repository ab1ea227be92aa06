"""``OrderedCallbacks``: the ``run_callback`` work of one loop iteration, run as one batch.

In use only while the order is not FIFO (for FIFO, ``hub.loop.run_callback``
is the real loop's, and costs nothing extra): callbacks are kept here, one
real callback runs them all, in the order the :class:`Order` gives. That
covers greenlet starts, ``sleep(0)``, event wake-ups, link notifications and
kills: all of them reach the loop through ``run_callback``; and the callbacks
of I/O watchers ready in the same poll, which ``OrderedIO`` queues here.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from .order import Order


class _Callback:
    """A ``run_callback`` entry while the order is not FIFO; gevent's callback interface."""

    __slots__ = ("args", "callback")

    def __init__(self, callback: Callable[..., Any], args: tuple[Any, ...]) -> None:
        self.callback: Callable[..., Any] | None = callback
        self.args: tuple[Any, ...] | None = args

    def stop(self) -> None:
        self.callback = self.args = None

    close = stop

    @property
    def pending(self) -> bool:
        return self.callback is not None

    def __bool__(self) -> bool:
        return self.args is not None

    def __repr__(self) -> str:
        return f"<ordered callback {self.callback!r}>"


class OrderedCallbacks:
    """Collects ``run_callback`` calls and runs each iteration's as one ordered batch."""

    def __init__(self, real_loop: Any, order: Order) -> None:
        self.real = real_loop
        self.order = order
        self.batch: list[_Callback] = []
        self.scheduled = False

    def run_callback(self, func: Callable[..., Any], *args: Any) -> _Callback:
        callback = _Callback(func, args)
        self.batch.append(callback)
        if not self.scheduled:
            self.scheduled = True
            self.real.run_callback(self._run_batch)
        return callback

    def _run_batch(self) -> None:
        # Callbacks added while this batch runs form the next one (run in the same pass of
        # gevent's callback queue, as gevent runs callbacks added while it runs them).
        batch, self.batch = self.batch, []
        self.scheduled = False
        ordered = self.order.arrange("callbacks", batch)
        for callback in ordered:
            func, args = callback.callback, callback.args
            if func is None or args is None:
                continue  # stopped
            callback.callback = None
            try:
                func(*args)
            except:  # noqa: E722 - as gevent's loop: the hub reports it
                self.real.handle_error(callback, *sys.exc_info())
            finally:
                callback.args = None
