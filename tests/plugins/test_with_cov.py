"""Beside pytest-cov: lines that run inside greenlets are counted, patched or not."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Lab

pytest.importorskip("pytest_cov")

# Every line of work.py runs, most of them in greenlets and after a switch away.
WORK = """
    import gevent


    def step(n):
        gevent.sleep(0)
        doubled = n * 2
        gevent.sleep(0.001)
        return doubled + 1


    def run_all():
        greenlets = [gevent.spawn(step, n) for n in range(3)]
        gevent.joinall(greenlets, raise_error=True)
        return [g.value for g in greenlets]
"""
TESTS = """
    import work


    def test_plain_spawn():
        assert work.run_all() == [1, 3, 5]


    def test_through_the_fixture(spawn):
        assert spawn(work.step, 5).get() == 11
"""


# gevent projects set coverage's `concurrency` (its docs say lines after a
# greenlet switch may be missed otherwise); "thread" is coverage's default.
@pytest.mark.parametrize("concurrency", ["gevent", "greenlet", "thread"])
def test_lines_inside_greenlets_are_counted(
    lab: Lab,
    mode_args: tuple[str, ...],
    concurrency: str,
) -> None:
    lab.write(WORK, name="work")
    lab.write(TESTS, name="test_work")
    (lab.path / ".coveragerc").write_text(f"[run]\nconcurrency = {concurrency}\n")
    result = lab.run_isolated(*mode_args, "--cov=work", "--cov-report=term-missing", "--cov-branch")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["work.py * 100%*"])
    result.stdout.no_fnmatch_line("*CoverageWarning*")
