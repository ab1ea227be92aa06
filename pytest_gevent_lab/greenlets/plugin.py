"""What the plugin checks around each test: lost greenlet exceptions, leaks, timeouts, blocking.

Each phase (setup, call, teardown) fails with the exceptions the test's
greenlets died of during it. The call phase runs under the gevent timeout
and the hub-blocking watch when they are on; teardown ends with the leak
checks, after every function-scoped fixture has been torn down.

Cost: this runs for every test of every run that has the plugin installed,
most of which never touch gevent. Nothing here imports gevent: the monitor
(greenlets.monitor) starts when gevent is first seen in ``sys.modules``, and
until then a test costs a few attribute writes, and the call hook that raises
errors is registered when it starts. The wrapper that times a call is
registered only when some test needs it.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import os
import sys
from collections.abc import Generator
from functools import partial
from typing import TYPE_CHECKING

import pytest

from .. import markers, results
from ..markers import Carried
from . import settings
from .owners import Owner, Tracker, tracker_key

if TYPE_CHECKING:
    from .monitor import Monitor


def add_options(parser: pytest.Parser) -> None:
    settings.add_options(parser)


class GreenletsPlugin:
    """The greenlet checks of every test; one per pytest run."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        settings.configure(config)
        self.tracker = config.stash[tracker_key] = Tracker()
        self.monitor: Monitor | None = None
        self._timed = False  # the call wrapper (timeout, block watch) is registered
        self._watch_monitor()
        markers.checks(config).add(settings.MARKER_NAMES, self._check_report, self._store_settings)
        results.sink(config).add_terminal_section(
            "gevent-lab: greenlet errors no test could be blamed for", self._orphan_lines
        )

    def _orphan_lines(self, width: int) -> list[str]:
        if self.monitor is None or not self.monitor.orphans:
            return []
        lines = []
        for orphan in self.monitor.orphans:
            item = orphan.captured
            during = f"while {item.test} ran" if item.test else "outside any test"
            lines.append(
                f"{item.describe()} died with {type(item.error).__name__}: {item.error} "
                f"{during}; {orphan.whose()}. gevent printed its traceback."
            )
        return lines

    def _watch_monitor(self) -> Monitor | None:
        """The monitor, started the first time gevent is seen in the process."""
        if self.monitor is None and "gevent.hub" in sys.modules:
            from .monitor import Monitor

            self.monitor = Monitor(self.tracker)
            self.monitor.start()
            # Only the monitor files errors: until it runs, the call has none to raise.
            self.config.pluginmanager.register(CallErrors(self), "gevent_lab.greenlets.call")
        return self.monitor

    # --- collection: a bad marker is a collection error naming the test ---

    def _check_report(self, report: pytest.CollectReport, carried: Carried) -> None:
        # Only a test with one of the markers has something to check here; every
        # test's settings are stored after the conftests' own modifyitems (below).
        problems = []
        for node in carried.items(settings.MARKER_NAMES):
            try:
                settings.resolve(node)
            except pytest.Collector.CollectError as error:
                problems.append(str(error))
        if problems:
            from ..failures import fail_collection

            fail_collection(report, problems)

    def _store_settings(self, items: list[pytest.Item], carried: Carried) -> None:
        # After the conftests' own modifyitems: a marker one added is resolved again,
        # and one it got wrong is a usage error naming the test.
        defaults = settings.store_defaults(self.config, items)
        marked = carried.items(settings.MARKER_NAMES)
        # Timed if some test is: an unmarked one with the run's defaults, or a marked one.
        timed = defaults.timed and len(marked) < len(items)
        for item in marked:
            try:
                timed |= settings.resolve(item).timed
            except pytest.Collector.CollectError as error:
                raise pytest.UsageError(str(error)) from None
        if timed and not self._timed:
            from .timing import TimedCalls

            self.config.pluginmanager.register(
                TimedCalls(self.tracker), "gevent_lab.greenlets.timed"
            )
            self._timed = True

    # --- ownership: greenlets spawned while a wider fixture sets up are its own ---

    @pytest.hookimpl(wrapper=True)
    def pytest_fixture_setup(
        self, fixturedef: pytest.FixtureDef[object]
    ) -> Generator[None, object, object]:
        if fixturedef.scope == "function":  # the common case: the test owns them
            return (yield)
        owner = Owner(f"fixture {fixturedef.argname!r} ({fixturedef.scope} scope)")
        # Registered before the fixture runs, so it runs after the fixture's own
        # teardown code (finalizers run last-in, first-out).
        fixturedef.addfinalizer(partial(self._fixture_ended, owner))
        self.tracker.fixtures.append(owner)
        try:
            return (yield)
        finally:
            self.tracker.fixtures.remove(owner)
            if self.monitor is not None:
                self.monitor.fixture_done(owner)

    def _fixture_ended(self, owner: Owner) -> None:
        __tracebackhide__ = True
        owner.ended = True
        if not owner.spawned and not owner.errors:
            return  # the common case (any plugin's session fixture): no gevent import for it
        from . import leaks, lost_errors

        errors: list[Exception] = []
        leak = leaks.tracked_leak(owner)
        if leak is not None:
            errors.append(leak)
        errors += lost_errors.as_failures(lost_errors.take_unretrieved(owner), owner)
        if errors:
            from ..failures import raise_together

            raise_together(errors, f"greenlet problems at teardown of {owner.name}")

    # --- one test ---

    # Every call on this path costs every test of every run, most of which never
    # touch gevent: the common case is kept to a few attribute reads and writes.

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> Generator[None, None, None]:
        __tracebackhide__ = True
        # A test run by pytester inside another test nests: its tracker is another.
        nodeid = item.nodeid
        owner = Owner(nodeid, "test", not settings.for_item(item).allow_errors)
        self.tracker.test = owner
        monitor = self.monitor if self.monitor is not None else self._watch_monitor()
        if monitor is not None:
            monitor.begin_test(nodeid)
        yield
        if owner.errors:
            from .lost_errors import raise_unretrieved

            raise_unretrieved(owner, nodeid, "setup")
        # A fixture may have imported gevent: the monitor starts now, for the call.
        monitor = self.monitor if self.monitor is not None else self._watch_monitor()
        if monitor is not None:
            monitor.phase = "call"

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_teardown(self, item: pytest.Item) -> Generator[None, object, object]:
        __tracebackhide__ = True
        if self.monitor is not None:
            self.monitor.phase = "teardown"
        try:
            return (yield)
        finally:  # even after a failed teardown: nothing may survive into the next test
            self._after_teardown(item)

    def _after_teardown(self, item: pytest.Item) -> None:
        """Leak checks, then exceptions; all are reported when several happened.

        Each check runs even when an earlier one raised: under ``-W error`` the
        plain-leak warning is an exception too, and must not hide the others.
        """
        __tracebackhide__ = True
        owner = self.tracker.test
        if owner is None:
            return
        self.tracker.test = None
        monitor = self.monitor if self.monitor is not None else self._watch_monitor()
        if monitor is None and not owner.spawned:
            return  # gevent never seen: nothing to check
        # Each check is imported only when it has something to look at: most
        # tests spawn nothing through the fixtures, leave nothing, lose nothing.
        errors: list[Exception] = []
        if owner.spawned:
            from .leaks import tracked_leak

            leak = tracked_leak(owner)
            if leak is not None:
                errors.append(leak)
        if monitor is not None:
            try:
                left = monitor.leftovers(owner)
                if left:
                    from .leaks import warn_plain_leaks

                    warn_plain_leaks(left, owner, lambda: _location(item))
            except Exception as error:  # GreenletLeakWarning turned into an error by -W error
                errors.append(error)
            monitor.end_test()
        owner.ended = True
        if owner.errors:
            from . import lost_errors

            errors += lost_errors.as_failures(lost_errors.take_unretrieved(owner), owner)
        if errors:
            from ..failures import raise_together

            raise_together(errors, f"greenlet problems at teardown of {item.nodeid}")

    # --- the run's end ---

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self) -> None:
        if self.monitor is not None:
            self.monitor.stop()


class CallErrors:
    """Fails the call phase with the errors its greenlets died of."""

    def __init__(self, plugin: GreenletsPlugin) -> None:
        self.tracker = plugin.tracker

    # trylast: after the test function ran (a failed test reports its
    # greenlets' errors at teardown, naming the phase they happened in).
    @pytest.hookimpl(trylast=True)
    def pytest_runtest_call(self, item: pytest.Item) -> None:
        __tracebackhide__ = True
        owner = self.tracker.test
        if owner is not None and owner.errors:
            from .lost_errors import raise_unretrieved

            raise_unretrieved(owner, item.nodeid, "call")


def _location(item: pytest.Item) -> tuple[str, int]:
    """The test's file and line, where a plain-leak warning points (not at the plugin)."""
    path, line, _ = item.reportinfo()
    return os.fspath(path), (line or 0) + 1


def configure(config: pytest.Config) -> None:
    for line in settings.MARKERS:
        config.addinivalue_line("markers", line)
    config.pluginmanager.register(GreenletsPlugin(config), "gevent_lab.greenlets")
