"""The thread behind ``wsgi_server(app)``: a WSGI app served on 127.0.0.1 with gevent's pywsgi.

Imported at the fixture's first call (the fixture itself, in ``servers``, is
loaded at every run's start-up). The server runs in a real thread with its
own hub, patched run or not. In the test's own thread it would starve in an
unpatched run: the test blocks in a plain socket call waiting for the
answer, and the server greenlet, waiting for the hub, never runs. A thread
of its own serves either way. Stopping goes through the server hub's
thread-safe async watcher. Errors in the app reach that hub's
``handle_error``, which the plugin captures like any greenlet's.

The handlers run in an unbounded pool, so that stopping can end the ones still running
when the test is over (a reply the test no longer reads): left alive, their
timers keep a libuv loop from being destroyed, and the thread from ending.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

STOP_TIMEOUT = 5.0  # seconds to wait for the server thread to start or stop
HANDLER_GRACE = 0.1  # seconds a handler still running at teardown may take to finish


class Served:
    """A server thread's handles, filled in by the thread once it listens."""

    def __init__(self) -> None:
        from gevent.monkey import get_original

        lock_class = get_original("_thread", "allocate_lock")
        self.ready = lock_class()
        self.finished = lock_class()
        self.ready.acquire()
        self.finished.acquire()
        self.url = ""
        self.stop: Any = None  # the server hub's async watcher
        self.error: BaseException | None = None


def _serve(app: Callable[..., Any], served: Served) -> None:
    import gevent
    import gevent.event
    import gevent.pool

    hub = None
    try:
        from gevent.pywsgi import WSGIServer  # lazy: imports ssl/socket machinery

        hub = gevent.get_hub()
        server = WSGIServer(("127.0.0.1", 0), app, log=None, spawn=gevent.pool.Pool())
        server.start()
        stopped = gevent.event.Event()
        served.stop = hub.loop.async_()
        served.stop.start(stopped.set)
        served.url = f"http://127.0.0.1:{server.server_port}"
        served.ready.release()
        stopped.wait()
        server.stop(timeout=HANDLER_GRACE)  # then kills the handlers still running
        served.stop.close()
    except BaseException as error:  # reported to the test by start
        served.error = error
        if served.ready.locked():
            served.ready.release()
    finally:
        if hub is not None:
            hub.destroy(destroy_loop=True)
        served.finished.release()


def start(app: Callable[..., Any]) -> Served:
    __tracebackhide__ = True
    if not callable(app):
        raise TypeError(f"wsgi_server: expected a WSGI application (a callable), got {app!r}")
    import gevent.event  # noqa: F401  (the thread needs it; import once here, not racing)
    from gevent.monkey import get_original

    served = Served()
    get_original("_thread", "start_new_thread")(_serve, (app, served))
    if not served.ready.acquire(True, STOP_TIMEOUT):
        raise RuntimeError(f"wsgi_server: the server did not start within {STOP_TIMEOUT} s")
    if served.error is not None:
        raise RuntimeError(f"wsgi_server: the server failed to start: {served.error!r}")
    return served


def stop(served: Served) -> bool:
    """Stop one server; False if its thread did not end in time."""
    if served.stop is not None:
        served.stop.send()
    return bool(served.finished.acquire(True, STOP_TIMEOUT))
