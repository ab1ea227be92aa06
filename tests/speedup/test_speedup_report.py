"""concurrent_speedup results: terminal summary, --gevent-report JSON, junitxml, under xdist."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

import pytest

from pytest_gevent_lab.speedup.report import Run, hint_for
from pytest_gevent_lab.speedup.stats import decide

if TYPE_CHECKING:
    from conftest import Lab

TWO_TESTS = """
    import gevent
    import pytest

    def spin():
        total = 0
        for number in range(20_000):
            total += number

    # 10 waits of 5 ms: a margin no load reaches (see test_speedup_verdicts)
    @pytest.mark.concurrent_speedup
    def test_fan_out(spawn):
        gevent.joinall([spawn(gevent.sleep, 0.005) for _ in range(10)], raise_error=True)

    @pytest.mark.concurrent_speedup(min_speedup=2.0)
    def test_crunch(spawn):
        gevent.joinall([spawn(spin) for _ in range(3)], raise_error=True)

    def test_unmarked():
        pass
"""


# One run of TWO_TESTS per case feeds the summary, the JSON report and junitxml:
# each run costs ~0.5 s of timed rounds, under xdist two worker processes more.
@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_summary_json_report_and_junitxml_carry_every_marked_test(
    lab: Lab, workers: list[str]
) -> None:
    lab.write(TWO_TESTS)
    result = lab.run(
        "--gevent-report=out/report.json",
        "--gevent-speedup-rounds=6",
        "--junitxml=out.xml",
        *workers,
    )
    result.assert_outcomes(passed=2, failed=1)

    # the summary: one row per marked test
    result.stdout.fnmatch_lines_random(
        [
            "*- gevent-lab: concurrent speedup -*",
            "test * sequential * concurrent * speedup * required * verdict",
            "*::test_fan_out * ms * ms * *x * >1.05x * pass",
            "*::test_crunch * ms * ms * *x * >2.10x * fail",
        ]
    )
    assert len([line for line in result.outlines if "::test_" in line and "ms" in line]) == 2

    # the JSON report: every round
    entries = lab.report("out/report.json")["speedup"]
    by_test = {entry["test"].rpartition("::")[2]: entry for entry in entries}
    assert set(by_test) == {"test_fan_out", "test_crunch"}
    fan_out = by_test["test_fan_out"]
    assert fan_out["verdict"] == "pass"
    assert (fan_out["rounds"], fan_out["warmup"], fan_out["min_speedup"]) == (6, 1, 1.0)
    rounds_run = fan_out["rounds_run"]  # 18 if a slow round made the first 6 undecided
    assert len(fan_out["sequential_s"]) == len(fan_out["concurrent_s"]) == rounds_run
    assert len(fan_out["runs"]) == 2 * (1 + rounds_run)
    assert fan_out["speedup"] > fan_out["supported_speedup"] > fan_out["required_speedup"]
    assert by_test["test_crunch"]["verdict"] == "fail"
    assert "CPU-bound" in by_test["test_crunch"]["hint"]

    # junitxml: the flat figures and the whole entry as properties
    cases = {case.get("name"): case for case in ET.parse(lab.path / "out.xml").iter("testcase")}
    properties = {
        prop.get("name"): prop.get("value") for prop in cases["test_fan_out"].iter("property")
    }
    assert properties["speedup_verdict"] == "pass"
    assert float(properties["speedup"]) > 1.05
    assert float(properties["speedup_required"]) == pytest.approx(1.05)
    assert float(properties["speedup_sequential_median_s"]) > float(
        properties["speedup_concurrent_median_s"]
    )
    whole = json.loads(properties["gevent_lab_speedup"])
    assert len(whole["sequential_s"]) == whole["rounds_run"] >= 5
    assert not list(cases["test_unmarked"].iter("property"))


def test_error_is_a_row_naming_the_run(lab: Lab) -> None:
    lab.write(
        """
        import gevent
        import pytest

        @pytest.mark.concurrent_speedup
        def test_breaks(spawn, gevent_mode):
            spawn(gevent.sleep, 0).join()
            assert gevent_mode == "sequential"
        """
    )
    result = lab.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*::test_breaks * - * - * - * >1.05x * error (the concurrent run of warmup pair 1 of 1)"]
    )


def _runs(mode: str, seconds: list[float]) -> list[Run]:
    return [
        Run(mode, pair, True, value, 0.0, 0.0, 2, 0.0, None)
        for pair, value in enumerate(seconds, start=1)
    ]


def test_too_few_rounds_do_not_get_the_noisy_rounds_hint() -> None:
    # 2 rounds support no speedup at all: "add rounds" is the failure's own
    # line, not a hint that the rounds vary too much.
    sequential, concurrent = [0.020, 0.021], [0.010, 0.011]
    verdict = decide(sequential, concurrent, 1.0)
    assert verdict.supported is None
    assert verdict.ratio > verdict.required
    runs = _runs("sequential", sequential) + _runs("concurrent", concurrent)
    hint = hint_for(verdict, runs, patched=False) or ""
    assert "vary too much" not in hint
    # with enough rounds to support something, the same medians do get it
    sequential, concurrent = [0.020, 0.021, 0.009, 0.02, 0.02], [0.010, 0.011, 0.02, 0.01, 0.01]
    verdict = decide(sequential, concurrent, 1.0)
    runs = _runs("sequential", sequential) + _runs("concurrent", concurrent)
    assert "vary too much" in (hint_for(verdict, runs, patched=False) or "")
