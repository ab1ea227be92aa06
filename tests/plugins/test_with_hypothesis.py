"""Beside hypothesis: many examples per test, greenlets in each, and shrinking still works."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Lab

pytest.importorskip("hypothesis")

GIVEN = """
    import gevent
    from hypothesis import HealthCheck, given, settings, strategies as st

    # deadline=None: examples that yield to the hub must not be flaky under load.
    QUICK = settings(max_examples=50, deadline=None, database=None)


    @QUICK
    @given(st.lists(st.integers(0, 100), max_size=8))
    def test_plain_greenlets(values):
        greenlets = [gevent.spawn(lambda v=v: gevent.sleep(0) or v * 2) for v in values]
        gevent.joinall(greenlets, raise_error=True)
        assert [g.value for g in greenlets] == [v * 2 for v in values]


    # The fixture is set up once for all examples; hypothesis asks to be told so.
    @settings(QUICK, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.integers(0, 1000))
    def test_spawn_fixture(spawn, n):
        assert spawn(lambda: n + 1).get() == n + 1


    # Every failing example's greenlet error is retrieved (g.get()), so the only
    # failure is the falsifying example, shrunk.
    @QUICK
    @given(st.integers(0, 1000))
    def test_shrinks_through_greenlets(n):
        def check():
            assert n <= 10, n
        gevent.spawn(check).get()
"""


def test_examples_with_greenlets(lab: Lab, mode_args: tuple[str, ...]) -> None:
    lab.write(GIVEN)
    result = lab.run_isolated(*mode_args)
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*AssertionError: 11", "*n=11,"])  # shrunk to the boundary
    result.stdout.no_fnmatch_line("*GreenletError*")
