"""The leak check does not change object lifetimes (issue 16 item 2).

Its record of the greenlets switched to during a test holds strong references,
so a finished greenlet (and its value) lives until the test ends.
"""

from __future__ import annotations

from textwrap import dedent

import pytest
from plugins.isolated_run import RunProject

COLLECTABLE = """
    import gc
    import weakref

    import gevent


    def test_finished_greenlet_is_collectable():
        g = gevent.spawn(lambda: bytearray(100_000))
        g.join()
        ref = weakref.ref(g)
        del g
        gevent.sleep(0)  # gevent's own pending link callback holds it until the loop runs
        gc.collect()
        assert ref() is None
"""


def test_finished_greenlet_collectable_without_the_plugin(
    pytester: pytest.Pytester, run_project: RunProject
) -> None:
    pytester.makepyfile(dedent(COLLECTABLE))
    result = run_project("-p", "no:gevent_lab")
    result.assert_outcomes(passed=1)


@pytest.mark.parametrize("mode", [(), ("--gevent-patch",)], ids=["plain", "patched"])
def test_finished_greenlet_collectable_with_the_plugin(
    pytester: pytest.Pytester, run_project: RunProject, mode: tuple[str, ...]
) -> None:
    pytester.makepyfile(dedent(COLLECTABLE))
    result = run_project(*mode)
    result.assert_outcomes(passed=1)
