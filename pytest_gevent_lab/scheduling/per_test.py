"""The per-test hooks of virtual time and of schedule exploration.

Each is registered when the first collected test needs it (the collection
hooks in virtual_time and schedules decide), so a run that uses neither pays
nothing per test, and imports none of this at start-up.

Each test's clock or exploring order is put in place in a wrapper around
setup and taken out after teardown: in a ``tryfirst`` teardown wrapper, so
after the leak checks (killing a leaked greenlet still runs on the test's
clock and order), and again when the protocol ends, for a run interrupted
before teardown. Taking out twice is harmless: :meth:`end` forgets the item.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from collections.abc import Generator
from functools import partial
from typing import Any

import pytest

from ..greenlets.owners import tracker_key
from ..greenlets.settings import for_item as per_test_settings  # the test's gevent_timeout
from ..traces.current import recorder_of
from .schedules import plan_key
from .virtual_time import active_key, spec_key

_installed_key = pytest.StashKey[tuple[Any, Any]]()  # (controlled loop, ExploringOrder)


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


class VirtualTimeRuns(EndsAfterTeardown):
    """Starts and stops the clock of each virtual-time test."""

    # trylast: the innermost wrapper, so that an error here (a failed start) passes through
    # the other plugins' setup wrappers, whose teardown expects their setup to have run.
    @pytest.hookimpl(wrapper=True, trylast=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> Generator[None, object, object]:
        spec = item.stash.get(spec_key, None)
        if isinstance(spec, str):
            pytest.fail(spec, pytrace=False)
        if spec is not None and active_key not in item.stash:
            from .activation import VirtualTest

            test = VirtualTest(
                item.nodeid,
                spec.autojump_threshold,
                per_test_settings(item).gevent_timeout,
                partial(_test_greenlets, item.config),
            )
            item.stash[active_key] = test
            clock = test.start()
            recorder = recorder_of(item)
            if recorder is not None:  # --gevent-trace: the pictures show virtual seconds
                recorder.use_clock(clock.time)
        return (yield)

    def end(self, item: pytest.Item) -> None:
        test = item.stash.get(active_key, None)
        if test is not None:
            del item.stash[active_key]
            test.end()


def _test_greenlets(config: pytest.Config) -> list[Any]:
    from ..greenlets.waiting import owned_greenlets  # imports gevent: only when needed

    owner = config.stash[tracker_key].test
    return owned_greenlets(owner) if owner is not None else []


class ScheduleRuns(EndsAfterTeardown):
    """Installs the exploring order of each exploring test and runs its body per schedule."""

    @pytest.hookimpl(wrapper=True, trylast=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> Generator[None, object, object]:
        plan = item.stash.get(plan_key, None)
        if isinstance(plan, str):
            pytest.fail(plan, pytrace=False)
        if plan is not None and _installed_key not in item.stash:
            import gevent

            from .controlled_loop import controlled
            from .exploring_order import ExploringOrder

            loop = controlled(gevent.get_hub())
            order = ExploringOrder()
            item.stash[_installed_key] = (loop, order)
            loop.set_order(order)
        return (yield)

    @pytest.hookimpl(tryfirst=True)
    def pytest_pyfunc_call(self, pyfuncitem: pytest.Function) -> bool | None:
        __tracebackhide__ = True
        plan = pyfuncitem.stash.get(plan_key, None)
        installed = pyfuncitem.stash.get(_installed_key, None)
        if plan is None or isinstance(plan, str) or installed is None:
            return None
        from .schedule_runs import call_explored

        return call_explored(pyfuncitem, plan, installed[1])

    def end(self, item: pytest.Item) -> None:
        installed = item.stash.get(_installed_key, None)
        if installed is not None:
            del item.stash[_installed_key]
            from .order import FIFO

            loop, order = installed
            order.end()
            if loop.order is order:
                loop.set_order(FIFO)
