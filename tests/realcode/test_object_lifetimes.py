"""The leak check does not change object lifetimes (issue 16 item 2).

Its record of the greenlets switched to during a test holds strong references,
so a finished greenlet (and its value) lives until the test ends.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Lab

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


def test_finished_greenlet_collectable_without_the_plugin(lab: Lab) -> None:
    lab.write(COLLECTABLE)
    result = lab.run_isolated("-p", "no:gevent_lab")
    result.assert_outcomes(passed=1)


@pytest.mark.parametrize("mode", [(), ("--gevent-patch",)], ids=["plain", "patched"])
def test_finished_greenlet_collectable_with_the_plugin(lab: Lab, mode: tuple[str, ...]) -> None:
    lab.write(COLLECTABLE)
    result = lab.run_isolated(*mode)
    result.assert_outcomes(passed=1)
