"""Beyond the article: testing code that waits, in virtual time.

The article's code waits a few hundredths of a second; real code waits hours:
a client that retries with exponential backoff, a job poller with a deadline.
Under ``@pytest.mark.gevent_virtual_time`` gevent's timers run on a virtual
clock that jumps to the next timer whenever nothing else can run, so an hour of
backoff takes milliseconds and every wake-up happens at an exact, repeatable
virtual time. Plain tests: these are the plugin's promises, not the article's
claims.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from time import monotonic as real_monotonic  # bound before the test: stays real

import gevent
import gevent.event
import pytest
from gevent import socket as gsocket

from pytest_gevent_lab import VirtualClock


class Unavailable(Exception):
    pass


def retry_with_backoff(
    call: Callable[[], str], attempts: int, first_delay: float = 60.0, cap: float = 1200.0
) -> str:
    """The code under test: retry ``call``, doubling the pause up to ``cap`` seconds."""
    delay = first_delay
    for attempt in range(attempts):
        try:
            return call()
        except Unavailable:
            if attempt == attempts - 1:
                raise
            gevent.sleep(delay)
            delay = min(delay * 2, cap)
    raise AssertionError("unreachable")


def wait_until(ready: Callable[[], bool], timeout: float, poll: float = 0.5) -> bool:
    """Code that reads the clock itself: a deadline loop on time.monotonic()."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():
            return True
        gevent.sleep(poll)
    return False


@pytest.mark.gevent_virtual_time
def test_an_hour_of_backoff_takes_milliseconds(gevent_clock: VirtualClock) -> None:
    start, real_start, tries = gevent_clock.time(), real_monotonic(), []

    def flaky() -> str:
        tries.append(gevent_clock.time() - start)
        if len(tries) < 6:
            raise Unavailable("try later")
        return "ok"

    assert retry_with_backoff(flaky, attempts=6) == "ok"
    # 60 + 120 + 240 + 480 + 960 s of pauses: each retry at its exact virtual time
    assert tries == [0, 60, 180, 420, 900, 1860]
    assert gevent_clock.jumps == 5
    assert real_monotonic() - real_start < 60  # in fact milliseconds


@pytest.mark.gevent_virtual_time
def test_giving_up_after_the_last_attempt(gevent_clock: VirtualClock) -> None:
    start = gevent_clock.time()

    def down() -> str:
        raise Unavailable("down")

    with pytest.raises(Unavailable):
        retry_with_backoff(down, attempts=8)
    assert gevent_clock.time() - start == 60 + 120 + 240 + 480 + 960 + 1200 + 1200


@pytest.mark.gevent_virtual_time
def test_a_timeout_fires_at_exactly_its_deadline(gevent_clock: VirtualClock) -> None:
    start = gevent_clock.time()
    with pytest.raises(gevent.Timeout), gevent.Timeout(30):
        gevent.event.Event().wait()  # a reply that never comes
    assert gevent_clock.time() - start == 30


@pytest.mark.gevent_virtual_time
def test_a_deadline_loop_on_time_monotonic_ends(gevent_clock: VirtualClock) -> None:
    start = gevent_clock.time()
    assert wait_until(lambda: False, timeout=3600) is False  # 7,200 polls, no real hour
    assert gevent_clock.time() - start == 3600


@pytest.fixture
def job_server(wsgi_server: Callable[[Callable[..., object]], str]) -> str:
    """A real server in its own thread (real time): 'pending' three times, then 'done'."""
    polls = []

    def app(environ: dict[str, object], start_response: Callable[..., object]) -> list[bytes]:
        polls.append(1)
        gevent.sleep(0.02)  # its latency, in real time: the server's hub is not virtual
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"done" if len(polls) > 3 else b"pending"]

    return wsgi_server(app)


def get(url: str) -> bytes:
    host, port = url.rsplit("/", 1)[-1].split(":")
    with gsocket.create_connection((host, int(port))) as conn:
        conn.sendall(b"GET / HTTP/1.0\r\nHost: job\r\n\r\n")
        reply = b""
        while chunk := conn.recv(4096):
            reply += chunk
    return reply.split(b"\r\n\r\n", 1)[1]


# The threshold is real seconds of quiet before the clock jumps: above the server's
# latency, no timer overtakes a reply in flight; the pauses between polls still jump.
@pytest.mark.gevent_virtual_time(autojump_threshold=1.0)
def test_polling_a_real_server_with_backoff(gevent_clock: VirtualClock, job_server: str) -> None:
    start = gevent_clock.time()

    def poll() -> str:
        with gevent.Timeout(10):  # virtual: never fires while a reply is on its way
            status = get(job_server).decode()
        if status != "done":
            raise Unavailable(status)
        return status

    assert retry_with_backoff(poll, attempts=5) == "done"
    assert gevent_clock.time() - start == 60 + 120 + 240
