"""wsgi_server(app): a pywsgi server on 127.0.0.1, with and without --gevent-patch."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Lab

CLIENT = """
import urllib.request, pytest

def hello(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hello from " + environ["PATH_INFO"].encode()]

def test_serves(wsgi_server):
    url = wsgi_server(hello)
    assert url.startswith("http://127.0.0.1:")
    with urllib.request.urlopen(url + "/x", timeout=10) as response:  # a blocking client
        assert response.read() == b"hello from /x"

def test_two_servers(wsgi_server):
    first, second = wsgi_server(hello), wsgi_server(hello)
    assert first != second
    for url in (first, second):
        with urllib.request.urlopen(url + "/y", timeout=10) as response:
            assert response.read() == b"hello from /y"
"""


@pytest.mark.timeout(60)
def test_without_patching(lab: Lab) -> None:
    lab.write(CLIENT)
    lab.run().assert_outcomes(passed=2)


@pytest.mark.timeout(60)
def test_with_patching(lab: Lab) -> None:
    lab.write(CLIENT)
    result = lab.run_patched()
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*patching: on*"])


@pytest.mark.timeout(60)
def test_server_is_stopped_at_teardown(lab: Lab) -> None:
    lab.write(
        """
        import urllib.error, urllib.request, pytest

        urls = []

        def app(environ, start_response):
            start_response("204 No Content", [])
            return []

        def test_serve(wsgi_server):
            urls.append(wsgi_server(app))

        def test_gone():
            with pytest.raises(urllib.error.URLError):
                urllib.request.urlopen(urls[0], timeout=5)
        """
    )
    lab.run().assert_outcomes(passed=2)


@pytest.mark.timeout(60)
def test_app_errors_fail_the_test(lab: Lab) -> None:
    lab.write(
        """
        import urllib.error, urllib.request, pytest

        def broken(environ, start_response):
            raise ZeroDivisionError("in the app")

        def test_it(wsgi_server):
            with pytest.raises(urllib.error.HTTPError):
                urllib.request.urlopen(wsgi_server(broken), timeout=10)
        """
    )
    result = lab.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*ZeroDivisionError: in the app*"])


def test_non_callable_app_is_a_clear_error(lab: Lab) -> None:
    lab.write("def test_it(wsgi_server):\n    wsgi_server('app.py')\n")
    result = lab.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*wsgi_server: expected a WSGI application*got 'app.py'*"])
    result.stdout.no_fnmatch_line("*servers.py*")  # no plugin source in the report


SLOW_REPLY = """
import os, time
import gevent
from gevent import socket as gsocket

ended = []
threads = []

def os_threads():
    return len(os.listdir("/proc/self/task"))

def slow(environ, start_response):
    start_response("200 OK", [])
    try:
        gevent.sleep(60)  # in the server's thread: a real minute
        yield b"late"
    finally:
        ended.append(True)

def test_leaves_a_reply_unread(wsgi_server):
    threads.append(os_threads())
    host, port = wsgi_server(slow).rsplit("/", 1)[-1].split(":")
    conn = gsocket.socket()
    conn.connect((host, int(port)))  # an address, not a name: no resolver thread
    conn.sendall(b"GET / HTTP/1.0\\r\\nHost: x\\r\\n\\r\\n")
    gevent.sleep(0.1)
    conn.close()

def test_the_handler_and_the_thread_are_gone():
    assert ended == [True]
    deadline = time.monotonic() + 5  # the thread exits just after it says it is done
    while os_threads() > threads[0] and time.monotonic() < deadline:
        time.sleep(0.01)
    assert os_threads() == threads[0]
"""


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="counts threads in /proc")
@pytest.mark.parametrize("loop", ["libev", "libuv"])
def test_a_handler_still_running_at_teardown_is_ended(
    lab: Lab, monkeypatch: pytest.MonkeyPatch, loop: str
) -> None:
    # a live handler's timer kept a libuv loop from being destroyed: the thread stayed
    # (for the reply's minute), and teardown waited STOP_TIMEOUT for it in silence
    if loop == "libev":
        monkeypatch.delenv("GEVENT_LOOP", raising=False)
    else:
        monkeypatch.setenv("GEVENT_LOOP", loop)
    lab.write(SLOW_REPLY)
    lab.run_subprocess(timeout=60).assert_outcomes(passed=2)
