"""``gevent_pool`` pools and groups work like gevent's own (issue 10 item 5)."""

from __future__ import annotations

from textwrap import dedent

import pytest
from plugins.isolated_run import RunProject

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


def test_imap_with_gevents_own_pools(pytester: pytest.Pytester, run_project: RunProject) -> None:
    pytester.makepyfile(dedent(IMAP_WITHOUT_THE_PLUGIN))
    result = run_project("-p", "no:gevent_lab")
    result.assert_outcomes(passed=4)


def test_imap_with_the_fixtures_pools(pytester: pytest.Pytester, run_project: RunProject) -> None:
    pytester.makepyfile(dedent(IMAP))
    result = run_project()
    result.assert_outcomes(passed=4)
