"""What a schedule reorders, run after run: same-instant virtual timers and same-poll I/O.

Each body records the order its greenlets woke in; over the runs of one test
more than one order must appear, and without exploration (gevent's own order)
only one.
"""

from __future__ import annotations

import pytest

TIMERS = """
import gevent
import pytest

MARK

@pytest.mark.gevent_virtual_time
def test_timers_due_together(gevent_clock):
    woke = []
    for n in range(4):
        gevent.spawn_later(5, woke.append, n)
    gevent.sleep(10)
    assert sorted(woke) == [0, 1, 2, 3] and gevent_clock.jumps >= 1
    with open("orders.txt", "a") as orders:
        orders.write(" ".join(map(str, woke)) + "\\n")
"""

IO = """
import gevent
import pytest
from gevent import socket


@pytest.fixture
def pairs():
    made = [socket.socketpair() for _ in range(3)]
    yield made
    for left, right in made:
        left.close()
        right.close()

MARK
def test_replies_ready_in_one_poll(pairs):
    woke = []

    def reader(n, sock):
        assert sock.recv(1) == b"x"
        woke.append(n)

    readers = [gevent.spawn(reader, n, right) for n, (_, right) in enumerate(pairs)]
    gevent.sleep(0.001)  # every reader waits in recv
    for left, _ in pairs:
        left.sendall(b"x")
    # Real time: the three replies are readable before the hub polls again.
    gevent.joinall(readers, timeout=10, raise_error=True)
    with open("orders.txt", "a") as orders:
        orders.write(" ".join(map(str, woke)) + "\\n")
"""

EXPLORED = "@pytest.mark.gevent_schedules(runs=40, seed=5)"


def _orders(pytester: pytest.Pytester) -> list[str]:
    return (pytester.path / "orders.txt").read_text().splitlines()


@pytest.mark.parametrize("source", [TIMERS, IO], ids=["timers", "io"])
def test_each_run_may_take_another_order(pytester: pytest.Pytester, source: str) -> None:
    pytester.makepyfile(source.replace("MARK", EXPLORED))
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=1)
    orders = _orders(pytester)
    assert len(orders) == 40
    assert len(set(orders)) > 1, orders


def test_virtual_timers_keep_their_order_without_exploration(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(TIMERS.replace("MARK", ""))
    for _ in range(3):
        pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=1)
    assert _orders(pytester) == ["0 1 2 3"] * 3


def test_io_order_comes_from_the_schedule(pytester: pytest.Pytester) -> None:
    # The readers resume from their I/O callbacks: with the watchers left unordered
    # (the real loop's), every run would wake them in the one order libev gives.
    pytester.makeconftest(
        """
        from pytest_gevent_lab.scheduling.controlled_loop import ControlledLoop

        def real_watcher(self, fd, events, ref=True, priority=None):
            return self.real.io(fd, events, ref, priority)

        ControlledLoop._ordered_io = real_watcher
        """
    )
    pytester.makepyfile(IO.replace("MARK", EXPLORED))
    # A fresh process: the conftest's change must not reach this one's loop.
    result = pytester.runpytest_subprocess("-p", "no:randomly", timeout=120)
    result.assert_outcomes(passed=1)
    assert len(set(_orders(pytester))) == 1


def test_the_same_seed_takes_the_same_orders(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(TIMERS.replace("MARK", EXPLORED))
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=1)
    first = _orders(pytester)
    (pytester.path / "orders.txt").unlink()
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=1)
    assert _orders(pytester) == first
