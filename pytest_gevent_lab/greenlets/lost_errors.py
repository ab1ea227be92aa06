"""Exceptions that die in greenlets fail the test they happened in.

Modelled on pytest's ``_pytest/threadexception.py``. Every greenlet reports its
death by exception to its hub's ``handle_error``, tracked or not, so during a
test the plugin swaps :meth:`gevent.hub.Hub.handle_error` *on the class*: that
covers hubs created later in the test without creating one now (a run that
never uses gevent must not get a hub), and the original is put back after the
test. An exception counts as retrieved when someone re-raised it
(``g.get()``, ``joinall(raise_error=True)``, ``pool.join(raise_error=True)``):
re-raising always gives it a new ``__traceback__``, so comparing with the one
it had when the greenlet died tells, without wrapping any gevent method.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from gevent.hub import Hub

from ..failures import raise_together
from .exceptions import GreenletError
from .naming import describe


@dataclass
class Captured:
    context: object  # the greenlet (or callback) that raised
    error: BaseException
    traceback: TracebackType | None  # as the greenlet died; a re-raise replaces it

    def describe(self) -> str:
        """The greenlet and its function, found from the traceback (a dead greenlet forgets)."""
        return describe(self.context, traceback=self.traceback)


_original_handle_error = Hub.handle_error
_lock = threading.Lock()  # hubs of other threads (wsgi_server) report here too
_sink: list[Captured] | None = None


def _capture(hub: Hub, context: Any, type_: Any, value: Any, tb: Any) -> None:
    # Must not raise: gevent calls this from the hub. Errors outside a test,
    # without a context (the loop itself) or that stop the process go to gevent.
    sink = _sink
    if sink is not None and context is not None:
        type_, value, tb = hub._normalize_exception(type_, value, tb)
        # BaseException: a greenlet killed by an expired gevent.Timeout is an error too.
        if isinstance(value, BaseException) and not issubclass(
            type_, (*hub.NOT_ERROR, *hub.SYSTEM_ERROR)
        ):
            with _lock:
                sink.append(Captured(context, value, value.__traceback__))
            return
    _original_handle_error(hub, context, type_, value, tb)


def install(capture: bool) -> list[Captured] | None:
    """Start one test (capturing unless it opted out); returns what :func:`uninstall` needs.

    A test run by pytester inside another test nests: the inner test gets its
    own capture (or none, when it opted out) and the outer one gets its back.
    """
    global _sink
    previous, _sink = _sink, ([] if capture else None)
    Hub.handle_error = _capture if capture else _original_handle_error
    return previous


def uninstall(previous: list[Captured] | None) -> None:
    global _sink
    _sink = previous
    Hub.handle_error = _original_handle_error if previous is None else _capture


def raise_unretrieved(nodeid: str, phase: str) -> None:
    """Fail the current phase with the exceptions nobody retrieved, one group if several."""
    __tracebackhide__ = True
    sink = _sink
    if not sink:
        return
    with _lock:
        captured = [c for c in sink if c.error.__traceback__ is c.traceback]
        sink.clear()
    errors = []
    for item in captured:
        error = GreenletError(
            f"{item.describe()} died with {type(item.error).__name__}: {item.error} "
            f"during {phase} of {nodeid}, and nothing retrieved it.\n"
            "Retrieve it with g.get() (inside pytest.raises when it is expected), "
            "or mark the test @pytest.mark.gevent_allow_errors."
        )
        error.__cause__ = item.error
        errors.append(error)
    del captured
    raise_together(
        errors,
        f"{len(errors)} greenlets died with exceptions nobody retrieved during {phase} of {nodeid}",
    )
