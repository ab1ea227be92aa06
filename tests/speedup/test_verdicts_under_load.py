"""concurrent_speedup verdicts with two processes spinning on this machine's CPUs.

Load makes a run wait for a CPU; the verdict leaves that waiting out, so load
can neither fail a body that is fast enough nor pass one that is not. Each
test starts its own CPU burners (and stops them, also on failure); the
bodies' true ratios are far from the required ones, so only a rule that load
can flip would change these outcomes.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Lab

BURNERS = 2


@pytest.fixture
def cpu_burners() -> Iterator[None]:
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(BURNERS)]
    try:
        yield
    finally:
        for burner in burners:
            burner.kill()
        for burner in burners:
            burner.wait(timeout=10)


@pytest.mark.usefixtures("cpu_burners")
def test_a_short_sleeping_body_five_times_faster_passes(lab: Lab) -> None:
    lab.write(
        """
        import gevent
        import pytest

        @pytest.mark.concurrent_speedup(min_speedup=2)
        @pytest.mark.parametrize("wait", [0.001, 0.002])
        def test_fan_out(spawn, wait):
            gevent.joinall([spawn(gevent.sleep, wait) for _ in range(5)], raise_error=True)
        """
    )
    lab.run().assert_outcomes(passed=2)


@pytest.mark.usefixtures("cpu_burners")
def test_staggered_waits_are_not_counted_faster_than_they_are(lab: Lab) -> None:
    # Waits of 2, 4 ... 10 ms: 30 ms one after another, 10 ms together, a true 3x.
    # A concurrent run whose thread waits for a CPU past several of its timers
    # would measure faster than that if the waiting were simply left out.
    lab.write(
        """
        import gevent
        import pytest

        @pytest.mark.concurrent_speedup(min_speedup=4)
        def test_staggered(spawn):
            waits = [0.002 * i for i in range(1, 6)]
            gevent.joinall([spawn(gevent.sleep, wait) for wait in waits], raise_error=True)
        """
    )
    result = lab.run("--gevent-report=report.json")
    result.assert_outcomes(failed=1)
    (entry,) = lab.report()["speedup"]
    assert 2.5 < entry["speedup"] < 3.5


@pytest.mark.usefixtures("cpu_burners")
def test_a_mostly_sleeping_body_is_not_called_cpu_bound(lab: Lab) -> None:
    # Fails (a true 5x against 10x), but not for want of CPU: its waits are 99 %.
    lab.write(
        """
        import gevent
        import pytest

        @pytest.mark.concurrent_speedup(min_speedup=10)
        def test_fan_out(spawn):
            gevent.joinall([spawn(gevent.sleep, 0.02) for _ in range(5)], raise_error=True)
        """
    )
    result = lab.run("--gevent-report=report.json")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*speedup:    *x (median / median)*"])
    # no hint at all: neither CPU-bound nor a blocking call (a preempted slice is no block)
    result.stdout.no_fnmatch_line("hint:*")
    (entry,) = lab.report()["speedup"]
    walls = [
        run["seconds"] for run in entry["runs"] if run["timed"] and run["mode"] == "sequential"
    ]
    # what was judged leaves out the waiting for a CPU, never adds to the wall time
    assert all(own <= wall for own, wall in zip(entry["sequential_s"], walls, strict=True))
