"""What a schedule reorders, run after run: same-instant virtual timers and same-poll I/O.

Each body records the order its greenlets woke in; over the runs of one test
more than one order must appear, and without exploration (gevent's own order)
only one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Lab

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


def _orders(lab: Lab) -> list[str]:
    return (lab.path / "orders.txt").read_text().splitlines()


@pytest.mark.parametrize("source", [TIMERS, IO], ids=["timers", "io"])
def test_each_run_may_take_another_order(lab: Lab, source: str) -> None:
    lab.write(source.replace("MARK", EXPLORED))
    lab.run().assert_outcomes(passed=1)
    orders = _orders(lab)
    assert len(orders) == 40
    assert len(set(orders)) > 1, orders


def test_virtual_timers_keep_their_order_without_exploration(lab: Lab) -> None:
    lab.write(TIMERS.replace("MARK", ""))
    for _ in range(3):
        lab.run().assert_outcomes(passed=1)
    assert _orders(lab) == ["0 1 2 3"] * 3


def test_io_order_comes_from_the_schedule(lab: Lab) -> None:
    # The readers resume from their I/O callbacks: with the watchers left unordered
    # (the real loop's), every run would wake them in the one order libev gives.
    lab.conftest(
        """
        from pytest_gevent_lab.scheduling.controlled_loop import ControlledLoop

        def real_watcher(self, fd, events, ref=True, priority=None):
            return self.real.io(fd, events, ref, priority)

        ControlledLoop._ordered_io = real_watcher
        """
    )
    lab.write(IO.replace("MARK", EXPLORED))
    # A fresh process: the conftest's change must not reach this one's loop.
    result = lab.run_subprocess()
    result.assert_outcomes(passed=1)
    assert len(set(_orders(lab))) == 1


def test_the_same_seed_takes_the_same_orders(lab: Lab) -> None:
    lab.write(TIMERS.replace("MARK", EXPLORED))
    lab.run().assert_outcomes(passed=1)
    first = _orders(lab)
    (lab.path / "orders.txt").unlink()
    lab.run().assert_outcomes(passed=1)
    assert _orders(lab) == first
