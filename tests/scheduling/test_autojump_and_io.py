"""``autojump_threshold`` is a quiet period that any ready I/O restarts.

The server is the ``wsgi_server`` fixture: a real thread with its own hub,
which keeps real time, so its latencies are real. The margins are wide: a
reply due in 50 ms against a threshold of 5 s; chunks 50 ms apart against a
threshold of 1 s (a broken restart would fire the timeout after 1 s, with
chunks still coming for half a second more). The counter-case, threshold 0, lets
the virtual timeout overtake a reply that takes a real minute.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Lab

SUITE = """
import gevent
import pytest
from gevent import socket as gsocket
from time import monotonic as real_monotonic


def get(url):
    host, port = url.rsplit("/", 1)[-1].split(":")
    with gsocket.create_connection((host, int(port))) as conn:
        conn.sendall(b"GET / HTTP/1.0\\r\\nHost: x\\r\\n\\r\\n")
        reply = b""
        while chunk := conn.recv(4096):
            reply += chunk
    return reply.split(b"\\r\\n\\r\\n", 1)[1]


def replying_after(seconds, chunks=1):
    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        for _ in range(chunks):
            gevent.sleep(seconds)  # in the server's thread: real seconds
            yield b"x"
    return app


@pytest.mark.gevent_virtual_time(autojump_threshold=5)
def test_a_timer_does_not_fire_while_a_reply_is_in_flight(gevent_clock, wsgi_server):
    url = wsgi_server(replying_after(0.05))
    start = gevent_clock.time()
    with gevent.Timeout(5):
        assert get(url) == b"x"
    assert gevent_clock.time() == start and gevent_clock.jumps == 0


@pytest.mark.gevent_virtual_time(autojump_threshold=1)
def test_each_ready_chunk_restarts_the_quiet_period(gevent_clock, wsgi_server):
    url = wsgi_server(replying_after(0.05, chunks=30))
    real_start = real_monotonic()
    with gevent.Timeout(5):
        assert get(url) == b"x" * 30
    assert real_monotonic() - real_start >= 1.5 * 0.95  # longer than the threshold in all
    assert gevent_clock.jumps == 0


@pytest.mark.gevent_virtual_time(autojump_threshold=5)
def test_a_threadpool_job_is_real_work_too(gevent_clock):
    from gevent.monkey import get_original

    real_sleep = get_original("time", "sleep")
    with gevent.Timeout(5):
        gevent.get_hub().threadpool.apply(real_sleep, (0.05,))
    assert gevent_clock.jumps == 0


@pytest.mark.gevent_virtual_time(autojump_threshold=0)
def test_with_threshold_zero_the_timer_overtakes_the_reply(gevent_clock, wsgi_server):
    url = wsgi_server(replying_after(60))
    start = gevent_clock.time()
    with pytest.raises(gevent.Timeout):
        with gevent.Timeout(5):
            get(url)
    assert gevent_clock.time() - start == 5 and gevent_clock.jumps == 1


@pytest.mark.gevent_virtual_time(autojump_threshold=0)
def test_idle_runs_before_the_clock_moves(gevent_clock):
    woke = []
    gevent.spawn(lambda: gevent.sleep(1) or woke.append(gevent_clock.time()))
    start = gevent_clock.time()
    gevent.idle()
    assert woke == [] and gevent_clock.time() == start
    gevent.sleep(2)
    assert woke == [start + 1]


@pytest.mark.gevent_virtual_time(autojump_threshold=0)
def test_with_threshold_zero_and_no_timer_a_reply_is_awaited(gevent_clock, wsgi_server):
    url = wsgi_server(replying_after(0.05))
    assert get(url) == b"x"  # nothing to jump to: the bound does not pull the clock
    assert gevent_clock.jumps == 0
"""


@pytest.mark.timeout(120)
@pytest.mark.parametrize("loop", ["libev", "libev-cffi", "libuv"])
def test_the_quiet_period(lab: Lab, monkeypatch: pytest.MonkeyPatch, loop: str) -> None:
    # each backend sees a quiet loop through its own watchers (see quiet_period)
    if loop == "libev":
        monkeypatch.delenv("GEVENT_LOOP", raising=False)
    else:
        monkeypatch.setenv("GEVENT_LOOP", loop)
    lab.write(SUITE, name="test_suite")
    result = lab.run_subprocess(timeout=100)
    result.assert_outcomes(passed=6)
