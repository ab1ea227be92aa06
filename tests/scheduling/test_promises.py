"""Every promise of DESIGN.md's "Deterministic time", in one generated suite per configuration.

The suite runs in a fresh ``pytest`` process (the loop class is chosen when the
hub is made, and patching cannot be undone) for each combination of loop
(libev, libuv), patching (off, ``--gevent-patch``) and workers (serial,
``-n 2``). Its conftest makes the hub at import time, before any test, as a
conftest that spawns at import does. Virtual times are asserted exactly; real
time only with margins load cannot flip (a sleep took at least its duration).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Lab

CONFTEST = """
import gevent

# A greenlet at import: the hub exists before the plugin starts any test.
EARLY_HUB = gevent.get_hub()
gevent.spawn(lambda: None).join()
"""

SUITE = """
import datetime
import os
import time

import gevent
import gevent.event
import gevent.lock
import gevent.pool
import gevent.queue
import pytest
from gevent import socket as gsocket
from gevent.exceptions import LoopExit
from gevent.monkey import is_module_patched

import conftest

# Bound before any test: stays the real one (the README's caveat).
from time import monotonic as real_monotonic
from time import time as real_time

PATCHED = is_module_patched("threading")
virtual = pytest.mark.gevent_virtual_time


def test_the_run_is_configured_as_expected():
    assert gevent.get_hub() is conftest.EARLY_HUB
    assert type(gevent.get_hub().loop).__module__ == os.environ["EXPECT_LOOP_MODULE"]
    assert PATCHED == (os.environ["EXPECT_PATCHED"] == "1")


@virtual
def test_sleeps_and_the_clock_functions(gevent_clock):
    start, real_start = gevent_clock.time(), real_monotonic()
    mono, perf, wall = time.monotonic(), time.perf_counter(), time.time()
    mono_ns, now = time.monotonic_ns(), datetime.datetime.now()
    assert mono == start
    for _ in range(60):
        gevent.sleep(60)
    assert gevent_clock.time() - start == 3600
    assert gevent_clock.jumps == 60
    assert time.monotonic() - mono == 3600
    assert time.perf_counter() - perf == 3600
    assert time.time() - wall == 3600
    assert time.monotonic_ns() - mono_ns == 3600 * 10**9
    assert datetime.datetime.now() - now == datetime.timedelta(hours=1)
    assert datetime.datetime.now(datetime.timezone.utc).tzinfo is datetime.timezone.utc
    assert real_monotonic() - real_start < 3600  # a bound name: real time went on
    if PATCHED:  # time.sleep is gevent's, and so virtual
        time.sleep(5)
        assert gevent_clock.time() - start == 3605


@virtual
def test_timeouts_and_waits_end_at_their_virtual_deadline(gevent_clock):
    start = gevent_clock.time()
    with pytest.raises(gevent.Timeout):
        with gevent.Timeout(5):
            gevent.sleep(10)
    assert gevent_clock.time() - start == 5
    assert gevent.with_timeout(2, gevent.sleep, 10, timeout_value="late") == "late"
    assert gevent_clock.time() - start == 7
    assert gevent.event.Event().wait(timeout=3) is False
    assert gevent_clock.time() - start == 10
    with pytest.raises(gevent.queue.Empty):
        gevent.queue.Queue().get(timeout=4)
    assert gevent_clock.time() - start == 14
    with pytest.raises(gevent.Timeout):
        gevent.event.AsyncResult().get(timeout=1)
    assert gevent_clock.time() - start == 15
    sleeper = gevent.spawn(gevent.sleep, 100)
    assert sleeper.join(timeout=6) is None and not sleeper.dead
    assert gevent_clock.time() - start == 21
    sleeper.kill()
    assert gevent.lock.Semaphore(0).acquire(timeout=2) is False
    pool = gevent.pool.Pool(2)
    pool.spawn(gevent.sleep, 100)
    assert pool.join(timeout=3) is False
    pool.kill()
    assert len(gevent.wait([gevent.spawn(gevent.sleep, 4)], timeout=100)) == 1
    assert gevent_clock.time() - start == 30
    if PATCHED:  # the standard library's waits are gevent's, its deadline loops too
        import queue
        import threading

        with pytest.raises(queue.Empty):
            queue.Queue().get(timeout=4)
        assert threading.Event().wait(3) is False
        assert gevent_clock.time() - start == 37


@virtual
def test_wake_ups_in_deadline_order_then_in_start_order(gevent_clock):
    start, woke = gevent_clock.time(), []

    def sleeper(name, seconds):
        gevent.sleep(seconds)
        woke.append((name, gevent_clock.time() - start))

    later = gevent.spawn_later(2, lambda: woke.append(("spawn_later", gevent_clock.time() - start)))
    sleepers = [gevent.spawn(sleeper, *args) for args in [("c", 3), ("a", 1), ("b", 2), ("a2", 1)]]
    gevent.idle()  # what can run now runs before the clock moves
    assert woke == [] and gevent_clock.time() == start
    gevent.joinall([later, *sleepers], raise_error=True)
    # spawn_later's timer was started first, so it wakes before "b" at the same instant
    assert woke == [("a", 1), ("a2", 1), ("spawn_later", 2), ("b", 2), ("c", 3)]
    ticks, repeating = [], gevent.get_hub().loop.timer(1, 2)
    repeating.start(lambda: ticks.append(gevent_clock.time() - start))
    gevent.sleep(7.5)
    repeating.close()
    assert ticks == [4, 6, 8, 10]


@virtual
def test_real_socket_io_inside_virtual_time(gevent_clock):
    left, right = gsocket.socketpair()

    def upper_after_ten_seconds():
        data = right.recv(5)
        gevent.sleep(10)
        right.sendall(data.upper())

    echo = gevent.spawn(upper_after_ten_seconds)
    start = gevent_clock.time()
    left.sendall(b"hello")
    with gevent.Timeout(60):
        assert left.recv(5) == b"HELLO"
    assert gevent_clock.time() - start == 10
    echo.join()
    # A reply at once, from a greenlet of this hub: ready at the next poll, so even
    # with threshold 0 the timeout does not overtake it.
    for _ in range(20):
        echo = gevent.spawn(lambda: right.sendall(right.recv(5)))
        left.sendall(b"again")
        with gevent.Timeout(60):
            assert left.recv(5) == b"again"
        echo.join()
    assert gevent_clock.time() - start == 10
    left.close()
    right.close()


@virtual
def test_other_threads_keep_real_time(gevent_clock, wsgi_server):
    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [repr(time.monotonic()).encode()]  # in the server's own thread and hub

    url = wsgi_server(app)
    gevent.sleep(36000)  # ten virtual hours ahead of the real clock
    gevent_clock.autojump_threshold = 30  # the reply is real I/O: let it arrive
    host, port = url.rsplit("/", 1)[-1].split(":")
    with gevent.Timeout(5), gsocket.create_connection((host, int(port))) as conn:
        conn.sendall(b"GET / HTTP/1.0\\r\\nHost: x\\r\\n\\r\\n")
        reply = b""
        while chunk := conn.recv(4096):
            reply += chunk
    server_time = float(reply.rsplit(b"\\r\\n", 1)[-1])
    assert abs(server_time - real_monotonic()) < 3600
    assert gevent_clock.time() - server_time > 30000
    pool_time = gevent.get_hub().threadpool.apply(time.monotonic)
    assert abs(pool_time - real_monotonic()) < 3600


def test_an_unmarked_test_keeps_real_time():
    assert time.monotonic is real_monotonic and time.time is real_time
    assert abs(datetime.datetime.now().timestamp() - real_time()) < 60
    start = time.monotonic()
    gevent.sleep(0.05)
    assert time.monotonic() - start >= 0.04  # at least the sleep: load only adds to it


@virtual
def test_nothing_left_to_run_is_still_loop_exit():
    with pytest.raises(LoopExit):
        gevent.event.Event().wait()


@virtual
def test_waits_forever_while_a_ticker_keeps_the_clock_moving():
    def ticker():
        while True:
            gevent.sleep(86400)

    gevent.spawn(ticker)
    gevent.event.Event().wait()


@virtual
@pytest.mark.gevent_timeout(5)
def test_gevent_timeout_counts_virtual_seconds():
    gevent.sleep(100)


@virtual
@pytest.mark.gevent_timeout(200000)
def test_a_gevent_timeout_longer_than_the_bound_extends_it(gevent_clock):
    start, wall = gevent_clock.time(), time.time()
    gevent.sleep(100000)
    assert gevent_clock.time() - start == 100000
    # date.today() goes through time.time(); fromtimestamp is the real conversion
    assert datetime.date.today() == datetime.date.fromtimestamp(wall + 100000)
"""

# test id -> (loop module, GEVENT_LOOP value)
LOOPS = {"libev": ("gevent.libev.corecext", None), "libuv": ("gevent.libuv.loop", "libuv")}


@pytest.mark.timeout(180)
@pytest.mark.parametrize("workers", ["serial", "n2"])
@pytest.mark.parametrize("patched", [False, True], ids=["unpatched", "patched"])
@pytest.mark.parametrize("loop", sorted(LOOPS))
def test_every_promise(
    lab: Lab,
    monkeypatch: pytest.MonkeyPatch,
    loop: str,
    patched: bool,
    workers: str,
) -> None:
    module, env = LOOPS[loop]
    if env is None:
        monkeypatch.delenv("GEVENT_LOOP", raising=False)
    else:
        monkeypatch.setenv("GEVENT_LOOP", env)
    monkeypatch.setenv("EXPECT_LOOP_MODULE", module)
    monkeypatch.setenv("EXPECT_PATCHED", "1" if patched else "0")
    lab.conftest(CONFTEST)
    lab.write(SUITE, name="test_suite")
    args = ["-p", "randomly"]  # after lab's -p no:randomly: turns it back on, in the workers too
    args += ["--gevent-patch"] if patched else []
    args += ["-n", "2"] if workers == "n2" else []
    result = lab.run_subprocess(*args, timeout=150)
    failed = [
        "test_waits_forever_while_a_ticker_keeps_the_clock_moving",
        "test_gevent_timeout_counts_virtual_seconds",
    ]
    result.assert_outcomes(passed=9, failed=len(failed))
    result.stdout.fnmatch_lines_random([f"FAILED test_suite.py::{name}*" for name in failed])
    result.stdout.fnmatch_lines_random(
        [
            "*virtual time bound: test_suite.py::test_waits_forever_while_a_ticker_* ran for "
            "86400 virtual seconds*",
            "*gevent timeout after 5 s in test_suite.py::test_gevent_timeout_counts_virtual*",
        ]
    )
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()
