"""Reports that must not lie or vanish, and messages that must say what happened.

Issue 10 items 10, 13, 14, 15 and 16 (the parts with a checkable outcome).
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

from plugins.isolated_run import run_isolated

if TYPE_CHECKING:
    from conftest import Lab

PASSING = """
    def test_passes():
        pass
"""


def test_unwritable_report_path_fails_the_run(lab: Lab) -> None:
    lab.write(PASSING)
    (lab.path / "a-file").write_text("not a folder")
    result = lab.run_isolated("--gevent-report=a-file/report.json")
    assert not (lab.path / "a-file" / "report.json").exists()
    assert result.ret != 0, "the report was asked for and not written, yet the run exited 0"


LONE_SURROGATE = """
    import pytest

    @pytest.mark.claim("odd", "a figure holding a lone surrogate")
    def test_records_it(record_figure):
        record_figure("text", "\\udcff")
"""


def test_report_survives_an_unencodable_figure(lab: Lab) -> None:
    lab.write(LONE_SURROGATE)
    report = lab.path / "report.json"
    report.write_text('{"earlier": "run"}\n')
    result = lab.run_isolated("--gevent-report=report.json")
    text = result.stdout.str() + result.stderr.str()
    assert report.stat().st_size > 0, "the earlier report was truncated"
    json.loads(report.read_text("utf-8"))  # whichever it holds, it is whole
    assert "Traceback" not in text, text
    assert result.ret == 0, text


def test_header_does_not_call_skipped_modules_patched(lab: Lab) -> None:
    lab.write(PASSING)
    result = lab.run_isolated("--gevent-patch", "--gevent-patch-skip=socket,thread")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["gevent-lab: left unpatched: socket, thread"])
    for line in result.outlines:
        if line.startswith("gevent-lab: imported before patching"):
            listed = line.partition(":")[2].partition(":")[2].replace(" ", "").split(",")
            assert "socket" not in listed, line
            assert "threading" not in listed, line


TIMES_OUT_WAITING = """
    import gevent
    import pytest

    @pytest.mark.gevent_timeout(0.2)
    def test_waits_on_a_greenlet(spawn):
        spawn(gevent.sleep, 30).join()
"""


def test_timeout_with_a_waiting_greenlet_is_one_failure(lab: Lab) -> None:
    lab.write(TIMES_OUT_WAITING)
    result = lab.run_isolated()
    result.assert_outcomes(failed=1)


INTERLEAVING_MISUSE = """
    import pytest

    def test_prefixes_that_overlap(interleaving):
        interleaving.record("ab")
        interleaving.record("a")
        try:
            interleaving.assert_not_interleaved("a", "ab")
        except AssertionError:
            pass  # a verdict either way is fine; a raw StopIteration is not

    def test_order_from_a_generator(interleaving):
        interleaving.record("a")
        interleaving.record("b")
        interleaving.assert_order(label for label in ["a", "b"])
"""


def test_interleaving_assertions_take_any_input(lab: Lab) -> None:
    lab.write(INTERLEAVING_MISUSE)
    result = lab.run_isolated()
    result.assert_outcomes(passed=2)


def test_fixture_scopes_as_listed(lab: Lab) -> None:
    # issue 10 item 16: "[session scope]" alone read as "one set of greenlets for
    # the session". The scope stays (fixtures of every scope must be able to use
    # them); the line pytest prints under each says whose greenlets are checked.
    lab.write(PASSING)
    result = lab.run_isolated("--fixtures")
    lines = result.outlines
    for name in ("spawn", "gevent_pool"):
        (at,) = [i for i, line in enumerate(lines) if line.startswith(f"{name} ")]
        assert "checked" in lines[at + 1], lines[at : at + 2]
        assert "spawn" in lines[at + 1], lines[at : at + 2]


def test_bad_ini_value_names_its_key(lab: Lab) -> None:
    lab.write(PASSING)
    lab.ini("gevent_patch = maybe")
    result = lab.run_isolated()
    text = result.stdout.str() + result.stderr.str()
    assert result.ret != 0, text
    assert "gevent_patch" in text, text
    assert "maybe" in text, text
    assert "Traceback" not in text, text


def test_skip_list_without_patching_is_reported(lab: Lab) -> None:
    lab.write(PASSING)
    result = lab.run_isolated("--gevent-patch-skip=socket")
    text = result.stdout.str() + result.stderr.str()
    assert "gevent-patch-skip" in text, text


NEEDS_PATCH_WITH_ARGUMENTS = """
    import pytest

    @pytest.mark.needs_gevent_patch(1, 2)
    def test_marked():
        pass
"""


def test_needs_gevent_patch_takes_no_arguments(lab: Lab) -> None:
    lab.write(NEEDS_PATCH_WITH_ARGUMENTS)
    result = lab.run_isolated()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*needs_gevent_patch*"])


def test_launcher_help_names_the_launcher(lab: Lab) -> None:
    # Not lab.launch: this keeps the isolated run's orphan check, and --help alone.
    result = run_isolated(
        [sys.executable, "-m", "pytest_gevent_lab", "--help", "-p", "no:randomly"],
        cwd=lab.path,
    )
    text = result.stdout.str()
    assert result.ret == 0, text
    assert "pytest.main()" not in text, text.splitlines()[0]
    assert "pytest_gevent_lab" in text.split("\n\n")[0], text.splitlines()[0]
