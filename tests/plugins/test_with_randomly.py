"""Beside pytest-randomly: any order gives the same outcomes, and a leak is blamed on its test."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Lab

pytest.importorskip("pytest_randomly")

ORDER_FREE = """
    import gevent
    import pytest

    leaked = []


    @pytest.mark.parametrize("n", range(4))
    def test_spawned(spawn, n):
        assert spawn(lambda: gevent.sleep(0.001) or n).get() == n


    def test_leaks_a_plain_greenlet():
        leaked.append(gevent.spawn(gevent.sleep, 100))
        gevent.sleep(0)


    def test_pool(gevent_pool):
        pool = gevent_pool(2)
        assert sorted(pool.map(lambda x: x * x, range(5))) == [0, 1, 4, 9, 16]
"""


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_outcomes_do_not_depend_on_the_order(
    lab: Lab, mode_args: tuple[str, ...], seed: int
) -> None:
    lab.write(ORDER_FREE, name="test_order")
    result = lab.run_isolated(*mode_args, "-p", "randomly", f"--randomly-seed={seed}", "-rw")
    result.assert_outcomes(passed=6, warnings=1)
    result.stdout.fnmatch_lines(
        [
            "*warnings summary*",
            "test_order.py::test_leaks_a_plain_greenlet",
            "*GreenletLeakWarning: test_order.py::test_leaks_a_plain_greenlet: greenlet(s)*",
        ]
    )
