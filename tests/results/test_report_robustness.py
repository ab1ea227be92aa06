"""The JSON report and the summaries never lie or vanish: bad paths, bad text, reruns."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Lab


def test_an_unwritable_report_path_is_a_usage_error(lab: Lab) -> None:
    # issue 10 item 10: exit 0 and no file, the message glued to the progress dots.
    lab.write("def test_a():\n    pass\n")
    blocker = lab.path / "blocker.txt"
    blocker.write_text("a file, not a folder")
    result = lab.run_subprocess("--gevent-report=blocker.txt/r.json")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--gevent-report=blocker.txt/r.json: cannot write there*"])


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_a_read_only_folder_is_a_usage_error(lab: Lab) -> None:
    lab.write("def test_a():\n    pass\n")
    folder = lab.pytester.mkdir("locked")
    folder.chmod(0o500)
    try:
        result = lab.run_subprocess("--gevent-report=locked/r.json")
    finally:
        folder.chmod(0o700)
    assert result.ret == pytest.ExitCode.USAGE_ERROR


def test_a_figure_with_a_lone_surrogate_is_written_and_shown(lab: Lab) -> None:
    # issue 10 item 10: it gave a traceback at sessionfinish, exit 1 for a passing
    # run, and truncated the existing report to 0 bytes.
    lab.write(
        """
        import pytest

        @pytest.mark.claim("odd", "a file name decoded with surrogateescape")
        def test_records_it(record_figure):
            record_figure("name", b"caf\\xff".decode("utf-8", "surrogateescape"))
        """
    )
    (lab.path / "r.json").write_text('{"old": true}\n')
    result = lab.run_subprocess("--gevent-report=r.json")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["*- name: caf\\udcff*"])
    assert "Traceback" not in result.stdout.str() + result.stderr.str()
    (claim,) = lab.report("r.json")["claims"]
    assert claim["figures"][0]["value"] == "caf\udcff"


def test_a_report_that_fails_to_write_keeps_the_old_one_and_fails_the_run(
    lab: Lab,
) -> None:
    # Written to a temporary file and renamed: a failure never truncates.
    lab.write(
        """
        def test_breaks_the_report(request):
            from pytest_gevent_lab import results
            results.sink(request.config).add("broken", {"not": {"json", "able"}})
        """
    )
    (lab.path / "r.json").write_text('{"old": true}\n')
    result = lab.run_subprocess("--gevent-report=r.json")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["ERROR: gevent-lab could not write --gevent-report=r.json: *"])
    assert lab.report("r.json") == {"old": True}
    assert [p.name for p in lab.path.glob(".r.json*")] == []  # no temporary left


RERUNS = """
    import pathlib
    import pytest

    ATTEMPTS = pathlib.Path("attempts.txt")

    @pytest.mark.claim("flaky", "passes on its second attempt")
    @pytest.mark.flaky(reruns=2)
    def test_flaky(record_figure):
        ATTEMPTS.write_text(ATTEMPTS.read_text() + "x" if ATTEMPTS.exists() else "x")
        attempt = len(ATTEMPTS.read_text())
        record_figure("attempt", attempt)
        assert attempt >= 2

    @pytest.mark.claim("never", "always fails")
    @pytest.mark.flaky(reruns=2)
    def test_always_fails(record_figure):
        record_figure("tried", 1)
        assert False
"""


@pytest.mark.parametrize("workers", [(), ("-n", "2")], ids=["serial", "xdist"])
def test_reruns_are_not_passes_and_leave_one_entry(lab: Lab, workers: tuple[str, ...]) -> None:
    # issue 10 item 10: a claim that always fails showed "holds" per attempt
    # before "unverified"; figures piled up per attempt.
    pytest.importorskip("pytest_rerunfailures")
    lab.write(RERUNS)
    result = lab.run_subprocess("-p", "rerunfailures", "--gevent-report=r.json", *workers)
    result.assert_outcomes(passed=1, failed=1)
    assert result.parseoutcomes()["rerun"] == 3
    document = lab.report("r.json")
    assert len(document["claims"]) == 2  # one entry per test, not per attempt
    claims = {entry["id"]: entry for entry in document["claims"]}
    assert claims["flaky"]["verdict"] == "holds"
    assert claims["flaky"]["figures"] == [
        {"name": "attempt", "value": 2, "unit": "", "article": None}
    ]
    assert claims["never"]["verdict"] == "unverified"
    assert claims["never"]["outcome"] == "failed"
    assert len(claims["never"]["figures"]) == 1


SPEEDUP_RERUN = """
    import pathlib
    import gevent, pytest

    ATTEMPTS = pathlib.Path("attempts.txt")

    @pytest.mark.flaky(reruns=1)
    @pytest.mark.concurrent_speedup(rounds=2, warmup=0)
    def test_fans_out(spawn, gevent_mode):
        if not ATTEMPTS.exists():
            ATTEMPTS.write_text("first")
            raise RuntimeError("the first attempt fails")
        gevent.joinall([spawn(gevent.sleep, 0.02) for _ in range(3)])
"""


def test_a_rerun_speedup_test_has_one_result(lab: Lab) -> None:
    pytest.importorskip("pytest_rerunfailures")
    lab.write(SPEEDUP_RERUN)
    result = lab.run_subprocess("-p", "rerunfailures", "--gevent-report=r.json")
    assert result.parseoutcomes()["rerun"] == 1
    (entry,) = lab.report("r.json")["speedup"]
    assert entry["error"] is None  # the final attempt's, not the first one's error
    assert len(entry["sequential_s"]) >= 2
