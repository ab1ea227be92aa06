"""Virtual time is per test: what outlives one (wider fixtures, a destroyed hub) keeps working.

The suite runs in file order: a module-scoped heartbeat greenlet is started
during a virtual-time test, keeps beating (in real time) through the real-time
test after it, and in virtual time again in the next virtual test. Hubs
destroyed during a virtual test leave the next tests a working hub.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Lab

SUITE = """
import time
from time import monotonic as real_monotonic

import gevent
import gevent.event
import pytest

virtual = pytest.mark.gevent_virtual_time
BEAT = 0.25  # a power of two: virtual beats add up exactly


@pytest.fixture(scope="module")
def heartbeat(spawn):
    beats, beat = [], gevent.event.Event()

    def beating():
        while True:
            gevent.sleep(BEAT)
            beats.append(time.monotonic())
            beat.set()

    greenlet = spawn(beating)  # the module fixture's own greenlet
    yield beats, beat
    greenlet.kill()


def next_beat(heartbeat, timeout):
    beats, beat = heartbeat
    beat.clear()
    assert beat.wait(timeout=timeout), "the heartbeat stopped"
    return beats[-1]


@virtual
def test_virtual_sets_the_heartbeat_up(heartbeat, gevent_clock):
    start = gevent_clock.time()
    for _ in range(3):
        next_beat(heartbeat, timeout=10)
    assert heartbeat[0] == [start + BEAT, start + 2 * BEAT, start + 3 * BEAT]


def test_real_time_after_it(heartbeat):
    real_start = real_monotonic()
    next_beat(heartbeat, timeout=60)
    # its sleep became a real timer for the rest of its virtual beat, then real ones
    assert real_monotonic() - real_start > 0


@virtual
def test_virtual_again(heartbeat, gevent_clock):
    # Its sleep now is the real one it started before this test: timers started before
    # the clock are real I/O to it, awaited only within a threshold above their time.
    gevent_clock.autojump_threshold = 30
    next_beat(heartbeat, timeout=10)
    gevent_clock.autojump_threshold = 0  # its next sleep is virtual
    start = gevent_clock.time()
    assert next_beat(heartbeat, timeout=10) == start + BEAT == gevent_clock.time()
"""

# A second module, run after the first: the heartbeat is torn down before any hub dies.
DESTROY = """
import time
from time import monotonic as real_monotonic

import gevent
import pytest

virtual = pytest.mark.gevent_virtual_time


@virtual
@pytest.mark.parametrize("destroy_loop", [True, None])
def test_destroys_its_hub(destroy_loop):
    gevent.sleep(10)
    gevent.get_hub().destroy(destroy_loop=destroy_loop)


def test_real_time_after_a_destroyed_hub():
    assert time.monotonic is real_monotonic
    assert type(gevent.get_hub().loop).__name__ == "loop"
    start = real_monotonic()
    gevent.sleep(0.05)
    assert real_monotonic() - start >= 0.04


@virtual
def test_virtual_time_after_a_destroyed_hub(gevent_clock):
    start = gevent_clock.time()
    gevent.sleep(3600)
    assert gevent_clock.time() - start == 3600
"""


@pytest.mark.timeout(120)
@pytest.mark.parametrize("loop", ["libev", "libuv"])
def test_what_outlives_a_virtual_test(lab: Lab, monkeypatch: pytest.MonkeyPatch, loop: str) -> None:
    if loop == "libuv":
        monkeypatch.setenv("GEVENT_LOOP", "libuv")
    else:
        monkeypatch.delenv("GEVENT_LOOP", raising=False)
    lab.write(SUITE, name="test_1_heartbeat")
    lab.write(DESTROY, name="test_2_destroyed_hub")
    result = lab.run_subprocess(timeout=100)
    result.assert_outcomes(passed=7)


# libuv: a clock stopped and started while gevent runs callbacks from inside libuv's
# check phase (a busy test ending, the next one starting) once left a cleared check
# watcher that libuv still invoked: "cannot use from_handle() on NULL pointer", then a
# hang. Alternating busy virtual and real tests is what did it.
BUSY = """
import gevent
import pytest


def busy():
    with gevent.Timeout(3600):
        for _ in range(20000):
            gevent.sleep(0)


virtual = pytest.mark.gevent_virtual_time


@pytest.mark.parametrize(
    "clock",
    [pytest.param("virtual", marks=virtual) if c == "v" else "real" for c in "vrrvvrvvrv"],
)
def test_busy(clock):
    busy()
"""


@pytest.mark.timeout(90)
def test_busy_virtual_and_real_tests_in_turn_on_libuv(
    lab: Lab, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GEVENT_LOOP", "libuv")
    lab.write(BUSY, name="test_busy")
    result = lab.run_subprocess(timeout=60)  # it hung
    result.assert_outcomes(passed=10)
    assert "from_handle" not in result.stderr.str() + result.stdout.str()
