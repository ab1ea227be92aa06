"""concurrent_speedup bodies whose greenlets wait on each other: the sequential run is stuck.

The sequential run lets each greenlet finish before the next starts, so a
consumer waiting for a producer spawned after it can never be served. That
must fail with a message saying so, never hang or die with a bare LoopExit.
"""

from __future__ import annotations

from textwrap import dedent
from typing import TYPE_CHECKING

import pytest

from pytest_gevent_lab.speedup import runs as speedup

if TYPE_CHECKING:
    from conftest import Lab

PRODUCER_CONSUMER = """
    import gevent
    import gevent.queue
    import pytest

    {fixture}

    @pytest.mark.concurrent_speedup
    def test_producer_consumer(spawn{uses}):
        q = gevent.queue.Queue()
        c = spawn(lambda: [q.get() for _ in range(3)])
        p = spawn(lambda: [(gevent.sleep(0.001), q.put(i)) for i in range(3)])
        gevent.joinall([c, p])
"""

# Something else keeps the hub busy, as a server started by a module fixture would.
KEEP_ALIVE = """
@pytest.fixture(scope="module")
def ticking():
    def tick():
        while True:
            gevent.sleep(0.01)
    ticker = gevent.spawn(tick)
    yield
    ticker.kill()
"""

STUCK = [
    "*concurrent_speedup: the sequential run is stuck: {why}. The greenlet holding the turn "
    "(<Greenlet *<lambda>*) waits for a greenlet queued behind it.*greenlets that wait on each "
    "other (a consumer and its producer*cannot run one after another*",
    "*concurrent_speedup: raised in the sequential run of warmup pair 1 of 1",
]


def test_a_consumer_waiting_for_a_later_producer_fails_instead_of_a_bare_loop_exit(
    lab: Lab,
) -> None:
    lab.write(dedent(PRODUCER_CONSUMER).format(fixture="", uses=""))
    result = lab.run()
    result.assert_outcomes(failed=1)
    why = "gevent's hub found nothing left to run (LoopExit)"
    result.stdout.fnmatch_lines([line.format(why=why) for line in STUCK])
    result.stdout.no_fnmatch_line("*During handling of the above exception*")


def test_a_stuck_sequential_run_ends_at_the_watchdog_instead_of_hanging(
    lab: Lab, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The limit is 20x the warmup's concurrent run (3 ms here) but at least the
    # floor: a small floor keeps this test short. pytester runs in this process.
    monkeypatch.setattr(speedup, "STUCK_FLOOR", 0.2)
    # dedented before KEEP_ALIVE (flush left) goes in
    lab.write(dedent(PRODUCER_CONSUMER).format(fixture=KEEP_ALIVE, uses=", ticking"))
    result = lab.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [line.format(why="it ran for * without finishing") for line in STUCK]
    )
