"""What virtual time and schedule exploration share: per-test hooks that undo what setup did.

Each test's clock or exploring order is put in place in a wrapper around
setup and taken out after teardown: in a ``tryfirst`` teardown wrapper, so
after the leak checks (killing a leaked greenlet still runs on the test's
clock and order), and again when the protocol ends, for a run interrupted
before teardown. Taking out twice is harmless: :meth:`end` forgets the item.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from collections.abc import Generator

import pytest


class EndsAfterTeardown:
    """A plugin object whose :meth:`end` undoes, after teardown, what its setup hook did."""

    def end(self, item: pytest.Item) -> None:
        raise NotImplementedError

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_teardown(self, item: pytest.Item) -> Generator[None, object, object]:
        __tracebackhide__ = True
        try:
            return (yield)
        finally:
            self.end(item)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> Generator[None, object, object]:
        try:
            return (yield)
        finally:  # teardown always runs; this is for an interrupted protocol
            self.end(item)
