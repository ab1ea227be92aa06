"""The controlled loop runs each batch in the order an ``Order`` gives (the seam for issue 13).

A reversing order stands in for an exploring one: callbacks of one loop
iteration and timers due at the same instant run in its order; stopped work
does not run; FIFO gives the hub its real loop back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Lab

SUITE = """
import gevent
import pytest

from pytest_gevent_lab.scheduling.controlled_loop import ControlledLoop, controlled
from pytest_gevent_lab.scheduling.order import FIFO


class Reversed:
    fifo = False

    def __init__(self):
        self.batches = []

    def arrange(self, kind, batch):
        self.batches.append((kind, len(batch)))
        return list(reversed(batch))


@pytest.fixture
def reversed_order():
    loop = controlled(gevent.get_hub())
    order = Reversed()
    loop.set_order(order)
    yield order
    loop.set_order(FIFO)


def test_callbacks_of_one_iteration_run_in_its_order(reversed_order):
    ran = []
    gevent.joinall([gevent.spawn(ran.append, n) for n in range(3)])
    assert ran == [2, 1, 0]
    assert ("callbacks", 3) in reversed_order.batches


def test_stopped_work_does_not_run(reversed_order):
    ran = []
    callback = gevent.get_hub().loop.run_callback(ran.append, "stopped")
    callback.stop()
    never_started = gevent.spawn(ran.append, "killed")
    never_started.kill()
    gevent.sleep(0)
    assert ran == [] and not callback.pending and never_started.dead


@pytest.mark.gevent_virtual_time
def test_timers_due_at_the_same_instant_run_in_its_order(reversed_order, gevent_clock):
    ran = []
    for n in range(3):
        gevent.spawn_later(1, ran.append, n)
    gevent.spawn_later(2, ran.append, "alone")
    gevent.sleep(3)
    assert ran == [2, 1, 0, "alone"]
    assert ("timers", 3) in reversed_order.batches


def test_fifo_gives_the_hub_its_real_loop_back():
    loop = controlled(gevent.get_hub())
    loop.set_order(Reversed())
    assert gevent.get_hub().loop is loop
    loop.set_order(FIFO)
    assert not isinstance(gevent.get_hub().loop, ControlledLoop)
    ran = []
    gevent.joinall([gevent.spawn(ran.append, n) for n in range(3)])
    assert ran == [0, 1, 2]
"""


def test_the_order_seam(lab: Lab) -> None:
    lab.write(SUITE)
    lab.run().assert_outcomes(passed=4)
