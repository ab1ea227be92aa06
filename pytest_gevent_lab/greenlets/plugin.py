"""What the plugin checks around each test: lost greenlet exceptions, leaks, timeouts, blocking.

Each phase (setup, call, teardown) fails with the exceptions greenlets died of
during it. The call phase runs under the gevent timeout and the hub-blocking
watch when they are on; teardown ends with the leak checks, after every
function-scoped fixture has been torn down. The per-test cost when nothing
gevent happens is a few attribute swaps: the capture, the owner, a hub lookup.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Generator, Iterator

import pytest

from ..failures import raise_together
from . import blocking, leaks, lost_errors, owners, settings, timeouts
from .exceptions import LeakedGreenletError


def add_options(parser: pytest.Parser) -> None:
    settings.add_options(parser)


class GreenletsPlugin:
    """The greenlet checks of every test; one per pytest run."""

    def __init__(self, config: pytest.Config) -> None:
        settings.configure(config)
        self.tracker = config.stash[owners.tracker_key] = owners.Tracker()
        self.plain = leaks.PlainGreenlets()

    # --- collection: a bad marker is a collection error naming the test ---

    @pytest.hookimpl(wrapper=True)
    def pytest_pycollect_makeitem(self) -> Generator[None, object, object]:
        result = yield
        items = result if isinstance(result, list) else [result]
        for item in items:
            if isinstance(item, pytest.Item):
                settings.resolve(item)
        return result

    # --- ownership: greenlets spawned while a wider fixture sets up are its own ---

    @pytest.hookimpl(wrapper=True)
    def pytest_fixture_setup(
        self, fixturedef: pytest.FixtureDef[object]
    ) -> Generator[None, object, object]:
        with leaks.fixture_owner(self.tracker, self.plain, fixturedef):
            return (yield)

    # --- one test ---

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> Generator[None, object, object]:
        # A test run by pytester inside another test nests: save and restore.
        saved_owner = self.tracker.test
        self.tracker.test = owners.Owner(item.nodeid, kind="test")
        previous = lost_errors.install(capture=not settings.for_item(item).allow_errors)
        self.plain.begin()
        try:
            return (yield)
        finally:
            lost_errors.uninstall(previous)
            self.tracker.test = saved_owner

    @pytest.hookimpl(trylast=True)  # after the fixtures are set up
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        __tracebackhide__ = True
        lost_errors.raise_unretrieved(item.nodeid, "setup")

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, object, object]:
        __tracebackhide__ = True
        with _watching_call(item) as seen:
            result = yield
        if seen is not None:
            blocking.check(seen, item.nodeid)
        lost_errors.raise_unretrieved(item.nodeid, "call")
        return result

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_teardown(self, item: pytest.Item) -> Generator[None, object, object]:
        __tracebackhide__ = True
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
        errors: list[Exception] = []
        owner = self.tracker.test
        try:
            if owner is not None:
                leaks.check_owner(owner)
        except LeakedGreenletError as error:
            errors.append(error)
        try:
            self.plain.end(item.nodeid, lambda: _location(item))
        except Exception as error:  # GreenletLeakWarning turned into an error by -W error
            errors.append(error)
        try:
            lost_errors.raise_unretrieved(item.nodeid, "teardown")
        except Exception as error:
            errors.append(error)
        raise_together(errors, f"greenlet problems at teardown of {item.nodeid}")


@contextlib.contextmanager
def _watching_call(item: pytest.Item) -> Iterator[blocking.BlockWatch | None]:
    """The test function's call, under its gevent timeout and block watch when on."""
    chosen = settings.for_item(item)
    if not (chosen.gevent_timeout or chosen.gevent_block_threshold):
        yield None  # the common case, kept cheap: it runs for every test
        return
    threshold = chosen.gevent_block_threshold
    with contextlib.ExitStack() as stack:
        seen = stack.enter_context(blocking.watch(threshold)) if threshold else None
        stack.enter_context(timeouts.limit(chosen.gevent_timeout, item.nodeid))
        yield seen


def _location(item: pytest.Item) -> tuple[str, int]:
    """The test's file and line, where a plain-leak warning points (not at the plugin)."""
    path, line, _ = item.reportinfo()
    return os.fspath(path), (line or 0) + 1


def configure(config: pytest.Config) -> None:
    for line in settings.MARKERS:
        config.addinivalue_line("markers", line)
    config.pluginmanager.register(GreenletsPlugin(config), "gevent_lab.greenlets")
