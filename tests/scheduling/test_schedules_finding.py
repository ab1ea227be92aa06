"""``gevent_schedules`` finds the race gevent's FIFO order hides, and replays it by its seed.

The race: two greenlets fill one cache entry, the second one a step later
than the first. Under FIFO the first fills the entry before the second looks,
so a plain run always passes; any schedule that resumes the second first
fetches twice.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Lab

RACE = """
import gevent
import pytest


def fetch_both():
    cache, fetches = {}, []

    def get(key):
        if key not in cache:  # check ...
            fetches.append(key)
            gevent.sleep(0)  # the request
            cache[key] = "value"  # ... then act
        return cache[key]

    def a_step_later(key):
        gevent.sleep(0)
        return get(key)

    gevent.joinall([gevent.spawn(get, "k"), gevent.spawn(a_step_later, "k")], raise_error=True)
    assert fetches == ["k"], f"fetched {len(fetches)} times"


def test_plain_run():
    fetch_both()


@pytest.mark.gevent_schedules(runs=100, strategy=STRATEGY)
def test_explored():
    fetch_both()
"""

CORRECT = """
import gevent
import gevent.lock
import pytest

RUNS = []


@pytest.mark.gevent_schedules(runs=RUNS_WANTED, strategy=STRATEGY)
def test_locked_cache():
    cache, fetches, lock = {}, [], gevent.lock.BoundedSemaphore()

    def get(key):
        with lock:
            if key not in cache:
                fetches.append(key)
                gevent.sleep(0)
                cache[key] = "value"
        return cache[key]

    def a_step_later(key):
        gevent.sleep(0)
        return get(key)

    gevent.joinall([gevent.spawn(get, "k"), gevent.spawn(a_step_later, "k")], raise_error=True)
    assert fetches == ["k"]
    with open("runs.txt", "a") as runs:
        runs.write("run\\n")
"""

SEED = re.compile(r"--gevent-schedule-seed=(\d+)")


@pytest.mark.parametrize("strategy", ["random", "pct"])
def test_the_race_fifo_hides_is_found_and_replayed(lab: Lab, strategy: str) -> None:
    lab.write(RACE.replace("STRATEGY", repr(strategy)))
    result = lab.run()
    result.assert_outcomes(passed=1, failed=1)  # the plain run passes: FIFO hides the race
    result.stdout.fnmatch_lines(
        [
            f"*gevent_schedules: run * of 100 failed ({strategy} strategy, seed *)*",
            "*Replay this schedule: pytest test_the_race_fifo_hides_is_found_and_replayed.py"
            "::test_explored --gevent-schedule-seed=*",
            "*The schedule taken (* steps):",
            "*timeline (one column per greenlet, steps in order):",
        ]
    )
    found = SEED.search(result.stdout.str())
    assert found is not None
    seed = found.group(1)
    timelines = []
    for _ in range(3):
        replay = lab.run(f"--gevent-schedule-seed={seed}")
        replay.assert_outcomes(passed=1, failed=1)
        replay.stdout.fnmatch_lines(
            [f"*gevent_schedules: the replayed schedule failed ({strategy}, seed {seed}).*"]
        )
        text = replay.stdout.str()
        timelines.append(text[text.index("The schedule taken") : text.index("short test summary")])
    assert timelines[0] == timelines[1] == timelines[2]  # the same schedule each time


def test_the_failure_marks_where_it_departs_from_a_passing_schedule(lab: Lab) -> None:
    # Seed 3 of the random strategy passes its first run and fails a later one.
    lab.write(RACE.replace("STRATEGY", "'random', seed=3"))
    result = lab.run()
    result.assert_outcomes(passed=1, failed=1)
    text = result.stdout.str()
    match = re.search(
        r"run (\d+) of 100 failed \(random strategy, seed (\d+)\); (\d+) earlier", text
    )
    assert match is not None, text
    run, seed, earlier = map(int, match.groups())
    assert run > 1
    assert earlier == run - 1
    assert seed == 3 + run - 1  # run k uses the marker's seed + k - 1
    result.stdout.fnmatch_lines(
        [
            "*Step * (marked >) is the first where it departs from passing run * (seed *), "
            "which ran * there.",
            "E       > *",  # the marked row of the timeline
        ]
    )


@pytest.mark.parametrize("strategy", ["random", "pct"])
def test_a_correct_version_passes_every_schedule(lab: Lab, strategy: str) -> None:
    lab.write(CORRECT.replace("STRATEGY", repr(strategy)).replace("RUNS_WANTED", "60"))
    result = lab.run()
    result.assert_outcomes(passed=1)
    assert (lab.path / "runs.txt").read_text().count("run") == 60


def test_the_option_explores_unmarked_tests_and_overrides_runs(lab: Lab) -> None:
    lab.write(
        RACE.replace("STRATEGY", "'random'")
        + """

def test_counted():
    with open("runs.txt", "a") as runs:
        runs.write("run\\n")
"""
    )
    result = lab.run("--gevent-schedules=40")
    result.stdout.fnmatch_lines(
        ["gevent-lab: schedules: every test except concurrent_speedup ones runs under 40*"]
    )
    # The unmarked plain run is explored too, and fails; its replay needs the option.
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines(
        ["*run * of 40 failed*", "*--gevent-schedule-seed=* --gevent-schedules=1*"]
    )
    assert (lab.path / "runs.txt").read_text().count("run") == 40


def test_fixtures_are_set_up_once_per_test(lab: Lab) -> None:
    lab.write(
        """
        import gevent
        import pytest

        @pytest.fixture
        def resource():
            with open("setups.txt", "a") as log:
                log.write("setup\\n")
            yield {"bodies": 0}
            with open("setups.txt", "a") as log:
                log.write("teardown\\n")

        @pytest.mark.gevent_schedules(runs=25)
        def test_body(resource):
            resource["bodies"] += 1
            gevent.joinall([gevent.spawn(gevent.sleep, 0) for _ in range(3)])
            with open("bodies.txt", "w") as log:
                log.write(str(resource["bodies"]))
        """
    )
    lab.run().assert_outcomes(passed=1)
    assert (lab.path / "setups.txt").read_text().split() == ["setup", "teardown"]
    assert (lab.path / "bodies.txt").read_text() == "25"


def test_a_greenlet_error_fails_the_run_it_happened_in(lab: Lab) -> None:
    lab.write(
        """
        import gevent
        import pytest

        @pytest.mark.gevent_schedules(runs=50, seed=11)
        def test_lost_error():
            order = []
            def first():
                order.append("first")
            def second():
                order.append("second")
                if order[0] == "second":
                    raise RuntimeError("second ran first")
            gevent.joinall([gevent.spawn(first), gevent.spawn(second)])
        """
    )
    result = lab.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*GreenletError: *died with RuntimeError: second ran first during call*",
            "*gevent_schedules: run * of 50 failed (random strategy, seed *)*",
        ]
    )
