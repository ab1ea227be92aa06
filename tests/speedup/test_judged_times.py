"""The times concurrent_speedup judges: own time, and what a concurrent run counts at least.

Constructed clocks, no timing: each case is one way load or scheduling could
make a body look faster than it is.
"""

from __future__ import annotations

import pytest

from pytest_gevent_lab.speedup.stats import RunTime, decide, judged_times

MS = 1e-3


def test_own_time_leaves_out_the_waiting_for_a_cpu() -> None:
    assert RunTime(wall=30 * MS, cpu=1 * MS, waiting=20 * MS).own == pytest.approx(10 * MS)
    # never below the time on a CPU, nor above the wall time
    assert RunTime(wall=30 * MS, cpu=12 * MS, waiting=25 * MS).own == pytest.approx(12 * MS)
    assert RunTime(wall=30 * MS, cpu=40 * MS, waiting=0.0).own == pytest.approx(30 * MS)


def test_a_loaded_sequential_round_counts_as_an_idle_one() -> None:
    # The same 1.5x body, one round of it slowed 4x by other processes: its own
    # times are the idle machine's, so the rounds agree.
    calm = (RunTime(9.4 * MS, 0.3 * MS, 0.0), RunTime(6.4 * MS, 0.3 * MS, 0.0))
    loaded = (RunTime(35 * MS, 0.3 * MS, 25.6 * MS), RunTime(6.4 * MS, 0.3 * MS, 0.0))
    sequential, concurrent = judged_times([calm, loaded])
    assert sequential == pytest.approx([9.4 * MS, 9.4 * MS])
    assert concurrent == pytest.approx([6.4 * MS, 6.4 * MS])


def test_a_concurrent_run_counts_at_least_its_greenlets_start_plus_their_turns() -> None:
    # Greenlets sleeping 6 and 3 ms. The concurrent run's thread woke at 3 ms
    # and waited 6 ms for a CPU, past the 6 ms timer: wall less waiting says
    # 3.2 ms, but the 6 ms greenlet alone took 6.1 ms in the sequential run.
    alone = RunTime(9.4 * MS, 0.3 * MS, 0.0, turns=((0.0, 6.1 * MS), (6.1 * MS, 3.2 * MS)))
    hidden = RunTime(
        9.4 * MS, 0.3 * MS, 6.2 * MS, turns=((0.05 * MS, 3.1 * MS), (0.1 * MS, 3.1 * MS))
    )
    assert hidden.own == pytest.approx(3.2 * MS)
    sequential, concurrent = judged_times([(alone, hidden)])
    assert concurrent == pytest.approx([0.05 * MS + 6.1 * MS])
    assert sequential[0] / concurrent[0] < 1.6  # the true 1.5x, not 2.9x


def test_a_later_start_adds_to_what_a_greenlet_needed() -> None:
    # In a pool of one slot, the second greenlet starts only after the first.
    alone = RunTime(20 * MS, 0.2 * MS, 0.0, turns=((0.0, 10 * MS), (10 * MS, 10 * MS)))
    pooled = RunTime(20.5 * MS, 0.2 * MS, 15 * MS, turns=((0.0, 5 * MS), (10.2 * MS, 0.3 * MS)))
    _, concurrent = judged_times([(alone, pooled)])
    assert concurrent == pytest.approx([20.2 * MS])


def test_what_a_concurrent_run_needed_never_exceeds_its_wall_time() -> None:
    alone = RunTime(50 * MS, 0.2 * MS, 0.0, turns=((0.0, 50 * MS),))
    concurrent_run = RunTime(40 * MS, 0.2 * MS, 0.0, turns=((0.0, 39 * MS),))
    assert judged_times([(alone, concurrent_run)])[1] == pytest.approx([40 * MS])


def test_cpu_time_the_concurrent_run_saved_is_no_speedup() -> None:
    # 2,000 greenlets doing nothing: the batched concurrent run used 7 % less CPU.
    alone = RunTime(36 * MS, 35.8 * MS, 0.0)
    batched = RunTime(33.5 * MS, 33.4 * MS, 0.0)
    sequential, concurrent = judged_times([(alone, batched)] * 5)
    assert concurrent == pytest.approx([(33.5 + 2.4) * MS] * 5)
    assert not decide(sequential, concurrent, 1.0).passed


def test_the_cpu_added_back_keeps_the_concurrent_runs_own_noise() -> None:
    # Time neither on a CPU nor waiting for one (a VM's stolen time looks like
    # that) stays in both runs' times, so it cannot favour either mode.
    alone = RunTime(40 * MS, 35.8 * MS, 0.0)
    stolen = RunTime(38 * MS, 33.4 * MS, 0.0)
    _, concurrent = judged_times([(alone, stolen)])
    assert concurrent == pytest.approx([(38 + 2.4) * MS])


def test_turns_of_different_counts_are_matched_as_far_as_both_go() -> None:
    alone = RunTime(10 * MS, 0.1 * MS, 0.0, turns=((0.0, 8 * MS),))
    more = RunTime(9 * MS, 0.1 * MS, 0.0, turns=((0.0, 2 * MS), (1 * MS, 2 * MS), None))
    assert judged_times([(alone, more)])[1] == pytest.approx([9 * MS])


def test_a_round_pairs_the_leaf_turns_of_its_runs_by_key() -> None:
    # The handler (0,) started two children: only the children are leaves, and
    # each run lists them in its own order; the sequential run's (0, 2) has no
    # partner (a greenlet the concurrent run never started) and is left out.
    from pytest_gevent_lab.speedup.report import Run
    from pytest_gevent_lab.speedup.runs import _run_times

    def run(mode: str, turns: dict[tuple[int, ...], tuple[float, float] | None]) -> Run:
        return Run(mode, 1, True, 10 * MS, 0.1 * MS, 0.0, 3, 0.0, None, 2, None, turns)

    sequential = run("sequential", {(0, 0): (0.0, 4 * MS), (0, 1): (4 * MS, 5 * MS), (0, 2): None})
    concurrent = run("concurrent", {(0, 1): (0.2 * MS, 5 * MS), (0, 0): (0.1 * MS, 4 * MS)})
    alone, together = _run_times(sequential, concurrent)
    assert alone.turns == ((0.0, 4 * MS), (4 * MS, 5 * MS))
    assert together.turns == ((0.1 * MS, 4 * MS), (0.2 * MS, 5 * MS))
