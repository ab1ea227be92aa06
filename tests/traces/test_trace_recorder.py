"""The recorder on its own: lanes, slices and marks of real greenlets, chaining, clocks, the API.

These run unpatched in this process (the recorder is installed and removed
around each block); what touches a hub beyond repair runs in its own thread,
which has its own hub and its own greenlet trace function.
"""

from __future__ import annotations

import itertools
import threading
from typing import Any

import gevent
import greenlet
import pytest

from pytest_gevent_lab.traces import Recorder
from pytest_gevent_lab.traces.model import Timeline


def worker(switches: int) -> None:
    for _ in range(switches):
        gevent.sleep(0)


def record(body: Any, recorder: Recorder | None = None) -> Timeline:
    recorder = Recorder() if recorder is None else recorder
    recorder.start()
    try:
        body()
    finally:
        recorder.stop()
    return recorder.timeline("test_x.py::test_y", "passed")


def marks(timeline: Timeline, kind: str) -> dict[str | None, list[Any]]:
    found: dict[str | None, list[Any]] = {}
    for mark in timeline.instants:
        if mark.kind == kind:
            found.setdefault(mark.lane, []).append(mark)
    return found


def test_one_lane_per_greenlet_named_like_the_interleaving_helpers() -> None:
    def body() -> None:
        named = gevent.Greenlet(worker, 1)
        named.name = "fetcher"
        named.start()
        gevent.joinall([gevent.spawn(worker, 3), gevent.spawn(worker, 5), named])

    timeline = record(body)
    names = [lane.name for lane in timeline.lanes]
    assert names[0] == "main"  # the greenlet the recording started in comes first
    assert set(names) == {"main", "hub", "worker", "worker#2", "fetcher"}
    # a greenlet's first run and one slice per return from gevent.sleep(0)
    assert len(timeline.lane("worker").slices) == 4  # type: ignore[union-attr]
    assert len(timeline.lane("worker#2").slices) == 6  # type: ignore[union-attr]
    assert len(timeline.lane("fetcher").slices) == 2  # type: ignore[union-attr]
    assert timeline.lane("hub").is_hub  # type: ignore[union-attr]
    assert timeline.switches == sum(len(lane.slices) for lane in timeline.lanes) - 1


def test_the_lanes_tile_the_recording_one_greenlet_at_a_time() -> None:
    timeline = record(lambda: gevent.joinall([gevent.spawn(worker, 20) for _ in range(4)]))
    extents = sorted(extent for lane in timeline.lanes for extent in lane.slices)
    assert extents[0][0] == 0.0
    assert extents[-1][1] == timeline.duration
    for (_, end), (start, _) in itertools.pairwise(extents):
        assert start == end  # no gap, no overlap: each switch ends one slice and starts the next
    assert all(start <= end for start, end in extents)


def test_first_run_death_and_kill_are_marked() -> None:
    early = gevent.spawn(worker, 3)
    gevent.sleep(0)  # ``early`` starts before the recording: not a first run in it

    def failing() -> None:
        raise ValueError("boom")

    def body() -> None:
        fresh = gevent.spawn(worker, 1)
        sleeper = gevent.spawn(gevent.sleep, 30)
        bad = gevent.spawn(failing)
        gevent.sleep(0.01)
        sleeper.kill()
        gevent.joinall([fresh, early, bad])
        with pytest.raises(ValueError, match="boom"):
            bad.get()  # retrieved: not an error the plugin's own check reports

    timeline = record(body)
    starts = marks(timeline, "start")
    assert set(starts) >= {"worker#2", "sleep", "failing"}
    assert "worker" not in starts
    assert "main" not in starts
    fresh = timeline.lane("worker#2")
    assert fresh is not None
    assert starts["worker#2"][0].time == fresh.slices[0][0]

    deaths = marks(timeline, "death")
    assert deaths["worker#2"][0].text == "finished"
    assert deaths["worker#2"][0].time == fresh.slices[-1][1]
    assert deaths["worker"][0].text == "finished"  # started before, died during the test
    assert deaths["sleep"][0].text.startswith("killed")
    assert deaths["failing"][0].text == "died of ValueError: boom"
    assert "main" not in deaths
    assert "hub" not in deaths

    kills = marks(timeline, "kill")
    assert list(kills) == ["sleep"]
    sleeper = timeline.lane("sleep")
    assert sleeper is not None
    assert kills["sleep"][0].time == sleeper.slices[-1][0]  # the throw starts its last slice


def _in_own_thread(body: Any) -> None:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            body()
        except BaseException as error:
            errors.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(60)
    assert not thread.is_alive(), "the threaded body hung"
    if errors:
        raise errors[0]


def test_chains_to_the_previous_trace_and_restores_it_after_a_failure_that_destroys_the_hub() -> (
    None
):
    seen: list[str] = []
    checks: dict[str, Any] = {}

    def previous(event: str, args: tuple[Any, Any]) -> None:
        seen.append(event)

    def body() -> None:
        greenlet.settrace(previous)
        recorder = Recorder()
        recorder.start()
        try:
            gevent.joinall([gevent.spawn(worker, 5) for _ in range(3)])
            checks["switches"] = recorder.switches
            gevent.get_hub().destroy(destroy_loop=True)
            raise RuntimeError("the test failed")
        except RuntimeError:
            pass
        finally:
            recorder.stop()
            checks["restored"] = greenlet.gettrace() is previous
            checks["after"] = recorder.switches
            gevent.joinall([gevent.spawn(worker, 2)])  # a new hub; not recorded any more
            checks["later"] = recorder.switches
            checks["timeline"] = recorder.timeline("t", "failed")
            greenlet.settrace(None)

    _in_own_thread(body)
    assert checks["restored"]
    assert checks["switches"] > 0
    assert len(seen) >= checks["switches"]  # the previous function saw every switch too
    assert checks["later"] == checks["after"]
    assert checks["timeline"].lane("hub") is not None


def test_restores_no_trace_function_when_there_was_none() -> None:
    def body() -> None:
        recorder = Recorder()
        recorder.start()
        assert greenlet.gettrace() is not None
        recorder.stop()
        recorder.stop()  # idempotent
        assert greenlet.gettrace() is None
        with pytest.raises(RuntimeError, match="records once"):
            recorder.start()

    _in_own_thread(body)


def test_a_greenlet_first_seen_leaving_still_gets_its_lane() -> None:
    def body() -> None:
        ours = greenlet.gettrace()

        def sneaky() -> None:
            greenlet.settrace(ours)  # back on, from inside a greenlet the trace never saw start

        greenlet.settrace(None)  # a careless user: our trace function is gone for a while
        glet = gevent.spawn(sneaky)
        gevent.sleep(0)
        glet.join()

    timeline = record(body)  # a greenlet first seen as the origin of its last switch
    (lane,) = [lane for lane in timeline.lanes if lane.name not in ("main", "hub")]
    assert lane.name == "Greenlet"  # dead by then: its function is gone, only its type is left
    assert len(lane.slices) == 1


class FakeClock:
    """A clock only the test moves: slice lengths are exact."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def time(self) -> float:
        return self.now


def test_a_clock_given_at_creation_gives_its_own_timestamps() -> None:
    clock = FakeClock()

    def slow(seconds: float) -> None:
        clock.now += seconds  # "runs" that long on the virtual clock
        gevent.sleep(0)
        clock.now += seconds

    recorder = Recorder(clock=clock.time, clock_name="virtual")
    timeline = record(lambda: gevent.joinall([gevent.spawn(slow, 2.0)]), recorder)
    assert timeline.clock == "virtual"
    lane = timeline.lane("slow")
    assert lane is not None
    assert [end - start for start, end in lane.slices] == [2.0, 2.0]
    assert timeline.duration == 4.0


def test_a_clock_override_mid_test_keeps_the_timeline_continuous() -> None:
    clock = FakeClock(now=5_000_000.0)  # far from perf_counter's readings
    holder: dict[str, Recorder] = {}

    def body() -> None:
        gevent.joinall([gevent.spawn(worker, 2)])
        holder["recorder"].use_clock(clock.time)
        before = holder["recorder"].clock()

        def later() -> None:
            clock.now += 30.0
            gevent.sleep(0)

        gevent.joinall([gevent.spawn(later)])
        assert holder["recorder"].clock() == before + 30.0

    holder["recorder"] = recorder = Recorder()
    timeline = record(body, recorder)
    assert timeline.clock == "virtual"
    extents = sorted(extent for lane in timeline.lanes for extent in lane.slices)
    for (_, end), (start, _) in itertools.pairwise(extents):
        assert start == pytest.approx(end, abs=1e-9)
    lane = timeline.lane("later")
    assert lane is not None
    assert lane.slices[0][1] - lane.slices[0][0] == pytest.approx(30.0)
    assert 30.0 < timeline.duration < 40.0  # real time before the change is small


def test_the_api_adds_marks_spans_rounds_and_schedules() -> None:
    clock = FakeClock()
    recorder = Recorder(clock=clock.time)
    holder: dict[str, Any] = {}

    def body() -> None:
        glet = gevent.spawn(worker, 1)
        recorder.instant("spawn", glet, "spawned at test_x.py:3")
        clock.now += 1.0
        never_ran = gevent.Greenlet(worker, 1)  # not started: it has a lane only for its mark
        recorder.instant("leak", never_ran, "still scheduled at teardown")
        recorder.instant("error", None, "a callback failed")
        start = clock.now
        clock.now += 0.25
        recorder.span("hub_block", start, clock.now, "time.sleep(0.25)", glet=glet)
        glet.join()
        holder["names"] = (glet, never_ran)

    timeline = record(body, recorder)
    recorder.speedup_rounds([1.0, 1.2, 0.9], [0.3, 0.35, 0.2], required=2.1, supported=2.6)
    recorder.schedules(["a", "b", "c"], ["a", "c", "b"], failing_label="seed 7")
    timeline = recorder.timeline("test_x.py::test_y", "failed")

    spawn = marks(timeline, "spawn")["worker"][0]
    assert (spawn.time, spawn.text) == (0.0, "spawned at test_x.py:3")
    leak = marks(timeline, "leak")["worker#2"][0]
    assert leak.time == 1.0
    assert timeline.lane("worker#2") is not None
    assert timeline.lane("worker#2").slices == ()  # type: ignore[union-attr]
    assert marks(timeline, "error")[None][0].text == "a callback failed"
    (block,) = timeline.spans
    assert (block.kind, block.start, block.end, block.lane) == ("hub_block", 1.0, 1.25, "worker")
    assert timeline.speedup is not None
    assert timeline.speedup.sequential_median == 1.0
    assert timeline.speedup.concurrent_median == 0.3
    assert timeline.speedup.median_ratio == pytest.approx(1.0 / 0.3)
    assert timeline.schedules is not None
    assert timeline.schedules.first_difference == 1
    assert timeline.schedules.failing.label == "seed 7"


def test_phases_nest_and_survive_a_clock_change() -> None:
    clock = FakeClock()
    recorder = Recorder(clock=clock.time)
    recorder.start()
    with recorder.phase("call"):
        clock.now += 1.0
        with recorder.phase("sequential run 1"):
            clock.now += 2.0
        recorder.use_clock(FakeClock(now=-50.0).time)  # a reading far below the old clock's
    recorder.stop()
    timeline = recorder.timeline("t", "passed")
    spans = {phase.name: (phase.start, phase.end) for phase in timeline.phases}
    assert spans == {"sequential run 1": (1.0, 3.0), "call": (0.0, 3.0)}


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda r: r.instant("explode", None),
            "instant kind 'explode' is not one of: start, spawn",
        ),
        (lambda r: r.span("blocked", 0.0, 1.0), "span kind 'blocked' is not one of: hub_block"),
        (lambda r: r.span("hub_block", 2.0, 1.0), "end 1.0 is before start 2.0"),
        (lambda r: r.span("hub_block", float("nan"), 1.0), "start must be a reading"),
        (lambda r: r.speedup_rounds([1.0], [], required=2.0), "got 1 sequential and 0 concurrent"),
        (lambda r: r.speedup_rounds([1.0], [1.0], required=0), "required must be a positive"),
        (lambda r: r.speedup_rounds([-1.0], [1.0], required=1), "times must be seconds >= 0"),
        (lambda r: r.schedules(["a"], ["b"], first_difference=5), "from 0 to 1, got 5"),
    ],
)
def test_the_api_rejects_bad_input_saying_what_is_valid(call: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(".", r"\.")):
        call(Recorder())
