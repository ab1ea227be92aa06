"""The call of a test that has a gevent timeout or a hub-blocking threshold.

Registered only when some collected test has one of them (greenlets.plugin):
a hook wrapper around every call costs every test of every run otherwise.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import contextlib
from collections.abc import Generator

import pytest

from . import settings
from .owners import Tracker


class TimedCalls:
    """Runs a test's call under its gevent timeout and hub-blocking watch."""

    def __init__(self, tracker: Tracker) -> None:
        self.tracker = tracker

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, object, object]:
        __tracebackhide__ = True
        chosen = settings.for_item(item)
        if not chosen.timed:
            return (yield)
        from . import blocking, timeouts

        threshold = chosen.gevent_block_threshold
        with contextlib.ExitStack() as stack:
            seen = stack.enter_context(blocking.watch(threshold)) if threshold else None
            stack.enter_context(
                timeouts.limit(chosen.gevent_timeout, item.nodeid, self.tracker.test)
            )
            result = yield
        if seen is not None:
            blocking.check(seen, item.nodeid)
        return result
