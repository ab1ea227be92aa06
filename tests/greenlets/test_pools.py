"""Every way of running work through a ``gevent_pool`` works and is tracked."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Lab


def test_every_pool_method_works(lab: Lab) -> None:
    # issue 10 item 5: imap_unordered raised "call stack is not deep enough"
    # (it spawns from a greenlet of its own) and imap ended in LoopExit.
    lab.write(
        """
        import gevent, pytest

        def double(x):
            gevent.sleep(0)
            return 2 * x

        @pytest.fixture(params=[2, None], ids=["Pool", "Group"])
        def pool(request, gevent_pool):
            return gevent_pool(request.param)

        def test_imap_unordered(pool):
            assert sorted(pool.imap_unordered(double, range(4))) == [0, 2, 4, 6]

        def test_imap(pool):
            assert list(pool.imap(double, range(4))) == [0, 2, 4, 6]

        def test_map(pool):
            assert pool.map(double, range(3)) == [0, 2, 4]

        def test_map_async(pool):
            assert pool.map_async(double, range(3)).get() == [0, 2, 4]

        def test_apply(pool):
            assert pool.apply(double, (5,)) == 10

        def test_apply_async(pool):
            assert pool.apply_async(double, (5,)).get() == 10

        def test_spawn_leaks_are_still_reported(pool):
            pool.spawn(gevent.sleep, 30)
            gevent.sleep(0)
        """
    )
    result = lab.run()
    result.assert_outcomes(passed=14, errors=2)
    result.stdout.fnmatch_lines(
        ["*LeakedGreenletError: leaked greenlet(s) from test *test_spawn_leaks_are_still_reported*"]
    )
