"""``--gevent-report=PATH.json``: where it can and cannot be written."""

from __future__ import annotations

import json

import pytest


def test_a_folder_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.mkdir("reports")
    pytester.makepyfile("def test_ok():\n    pass\n")
    result = pytester.runpytest("--gevent-report=reports")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --gevent-report=reports: is a folder; give a file path*"])


def test_the_report_holds_each_xdist_workers_patching(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_ok():\n    pass\n")
    result = pytester.runpytest_subprocess("-n", "2", "--gevent-patch", "--gevent-report=r.json")
    result.assert_outcomes(passed=1)
    document = json.loads((pytester.path / "r.json").read_text())
    workers = document["patching in xdist workers"]
    assert sorted(workers) == ["gw0", "gw1"]
    assert "patching: on in this xdist worker" in workers["gw0"][0]
