"""``gevent_pool`` pools and groups work like gevent's own (issue 10 item 5)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Lab

IMAP = """
    import gevent
    import pytest


    @pytest.mark.parametrize("size", [2, None], ids=["pool", "group"])
    @pytest.mark.parametrize("method", ["imap", "imap_unordered"])
    def test_imap(gevent_pool, size, method):
        pool = gevent_pool(size)
        results = getattr(pool, method)(lambda x: gevent.sleep(0.001) or x * x, range(5))
        assert sorted(results) == [0, 1, 4, 9, 16]
"""

IMAP_WITHOUT_THE_PLUGIN = IMAP.replace("def test_imap(gevent_pool,", "def test_imap(").replace(
    "pool = gevent_pool(size)",
    "import gevent.pool\n        pool = gevent.pool.Pool(size) if size else gevent.pool.Group()",
)


def test_imap_with_gevents_own_pools(lab: Lab) -> None:
    lab.write(IMAP_WITHOUT_THE_PLUGIN)
    result = lab.run_isolated("-p", "no:gevent_lab")
    result.assert_outcomes(passed=4)


def test_imap_with_the_fixtures_pools(lab: Lab) -> None:
    lab.write(IMAP)
    result = lab.run_isolated()
    result.assert_outcomes(passed=4)
