"""``one_greenlet_at_a_time()``: every greenlet started on the hub runs after the previous one.

The API ``concurrent_speedup``'s sequential run can serialize any body with:
plain ``gevent.spawn``, a ``Pool`` the code makes itself, nested spawns.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Lab

SUITE = """
import gevent
import gevent.pool
import pytest

from pytest_gevent_lab.scheduling.controlled_loop import ControlledLoop
from pytest_gevent_lab.scheduling.serial_spawns import one_greenlet_at_a_time, spawn_gate

log = []


def work(name):
    log.append(f"start {name}")
    gevent.sleep(0.001)
    log.append(f"end {name}")


@pytest.fixture(autouse=True)
def clean_log():
    log.clear()


def test_plain_spawns_run_one_after_another():
    with one_greenlet_at_a_time() as record:
        gevent.joinall([gevent.spawn(work, n) for n in range(3)])
    assert log == ["start 0", "end 0", "start 1", "end 1", "start 2", "end 2"]
    assert record.spawned == 3 and record.held == 2 and record.running == []


def test_a_pool_the_code_makes_itself():
    with one_greenlet_at_a_time() as record:
        pool = gevent.pool.Pool(3)
        pool.map(work, ["a", "b", "c"])
    assert log == ["start a", "end a", "start b", "end b", "start c", "end c"]
    assert record.spawned >= 3


def test_a_child_joined_by_its_parent_runs_inside_the_parents_turn():
    def parent(name):
        log.append(f"start {name}")
        gevent.spawn(work, f"{name}.child").join()
        log.append(f"end {name}")

    with one_greenlet_at_a_time() as record:
        gevent.joinall([gevent.spawn(parent, "p"), gevent.spawn(work, "q")])
    assert log == ["start p", "start p.child", "end p.child", "end p", "start q", "end q"]
    assert record.spawned == 3


def test_a_greenlet_killed_while_held_never_runs():
    with one_greenlet_at_a_time() as record:
        first = gevent.spawn(work, "first")
        held = gevent.spawn(work, "held")
        held.kill()
        first.join()
    assert log == ["start first", "end first"] and held.dead
    assert record.held == 1


def test_nothing_spawned_is_reported_and_the_hub_gets_its_loop_back():
    with one_greenlet_at_a_time() as record:
        gevent.sleep(0)
    assert record.spawned == 0
    assert not isinstance(gevent.get_hub().loop, ControlledLoop)
    gevent.joinall([gevent.spawn(work, n) for n in range(2)])
    assert log == ["start 0", "start 1", "end 0", "end 1"]  # concurrent again


def test_held_starts_run_when_the_gate_is_removed():
    with one_greenlet_at_a_time():
        blocker = gevent.spawn(gevent.sleep, 0.01)
        later = gevent.spawn(work, "later")
    gevent.joinall([blocker, later])
    assert log == ["start later", "end later"]


def test_a_spawner_that_returns_first_keeps_its_turn_until_its_children_ran():
    def parent(name):
        gevent.spawn(work, f"{name}.a")
        gevent.spawn(work, f"{name}.b")  # held: its spawner returns before it runs

    with one_greenlet_at_a_time() as record:
        first, second = gevent.spawn(parent, "p"), gevent.spawn(work, "q")
        gevent.joinall([first, second])
        gevent.joinall(record.greenlets)
    assert log == ["start p.a", "end p.a", "start p.b", "end p.b", "start q", "end q"]
    assert record.nested == 2


def test_only_what_the_root_starts_takes_turns():
    outside_done = []

    def outside():  # a server a fixture started: not the gated work
        gevent.sleep(0.001)
        gevent.joinall([gevent.spawn(outside_done.append, n) for n in range(2)])

    server = gevent.spawn(outside)
    gevent.sleep(0)
    with spawn_gate(root=gevent.getcurrent()) as gate:
        gevent.joinall([gevent.spawn(work, n) for n in range(2)])
        server.join()
    assert log == ["start 0", "end 0", "start 1", "end 1"]
    assert outside_done == [0, 1] and gate.record.spawned == 2


def test_not_serial_holds_nothing_and_keeps_the_books():
    def parent():
        gevent.joinall([gevent.spawn(work, "child") for _ in range(2)])

    with spawn_gate(serial=False) as gate:
        gevent.joinall([gevent.spawn(work, 0), gevent.spawn(parent)])
    assert log[:2] == ["start 0", "start child"]  # together, as usual
    assert gate.record.held == 0 and gate.record.spawned == 4 and gate.record.nested == 2
    assert [turn.key for turn in gate.record.turns] == [(0,), (1,), (1, 0), (1, 1)]
    assert [turn.children for turn in gate.record.turns] == [0, 2, 0, 0]


def test_it_does_not_nest():
    with one_greenlet_at_a_time(), pytest.raises(RuntimeError, match="cannot nest"):
        with one_greenlet_at_a_time():
            pass
"""


def test_one_greenlet_at_a_time(lab: Lab) -> None:
    lab.write(SUITE)
    lab.run().assert_outcomes(passed=10)
