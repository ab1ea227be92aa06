"""``wsgi_server(app)``: serve a WSGI app on 127.0.0.1 with gevent's pywsgi, for one test.

The server runs in a real thread with its own hub, patched run or not
(``server_thread`` says why and how; it is imported at the fixture's first call).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest


@pytest.fixture
def wsgi_server() -> Iterator[Callable[[Callable[..., Any]], str]]:
    """``wsgi_server(app) -> "http://127.0.0.1:PORT"``: serve ``app`` until the test ends.

    Call it once per app; each call starts its own server. Works with and
    without ``--gevent-patch``::

        def test_hello(wsgi_server):
            url = wsgi_server(lambda env, start: start("200 OK", []) or [b"hi"])
            assert urllib.request.urlopen(url).read() == b"hi"
    """
    from . import server_thread

    running: list[server_thread.Served] = []

    def serve(app: Callable[..., Any]) -> str:
        __tracebackhide__ = True
        served = server_thread.start(app)
        running.append(served)
        return served.url

    yield serve
    stuck = [served.url for served in running if not server_thread.stop(served)]
    if stuck:
        raise RuntimeError(
            f"wsgi_server: not stopped within {server_thread.STOP_TIMEOUT} s: {', '.join(stuck)}"
        )
