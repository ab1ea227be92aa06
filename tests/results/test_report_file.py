"""``--gevent-report=PATH.json``: where it can and cannot be written."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Lab


def test_a_folder_is_a_usage_error(lab: Lab) -> None:
    lab.pytester.mkdir("reports")
    lab.write("def test_ok():\n    pass\n")
    result = lab.run("--gevent-report=reports")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --gevent-report=reports: is a folder; give a file path*"])


def test_an_unwritable_path_is_reported_without_a_traceback(lab: Lab) -> None:
    lab.pytester.makefile(".txt", blocker="a file, not a folder")
    lab.write("def test_ok():\n    pass\n", name="test_ok")
    result = lab.run("--gevent-report=blocker.txt/report.json")
    result.assert_outcomes(passed=1)
    result.stderr.fnmatch_lines(["ERROR: gevent-lab could not write --gevent-report=*"])
    assert "Traceback" not in result.stderr.str()
    result.stdout.no_fnmatch_line("*INTERNALERROR*")
