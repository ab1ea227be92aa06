"""``--gevent-report=PATH.json``: where it can and cannot be written."""

from __future__ import annotations

import json
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


def test_the_report_holds_each_xdist_workers_patching(lab: Lab) -> None:
    lab.write("def test_ok():\n    pass\n")
    result = lab.run_subprocess("-n", "2", "--gevent-patch", "--gevent-report=r.json")
    result.assert_outcomes(passed=1)
    document = json.loads((lab.path / "r.json").read_text())
    workers = document["patching in xdist workers"]
    assert sorted(workers) == ["gw0", "gw1"]
    assert "patching: on in this xdist worker" in workers["gw0"][0]
