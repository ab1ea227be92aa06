"""What the plugin checks around each test: lost greenlet exceptions, leaks, timeouts, blocking.

Each phase (setup, call, teardown) fails with the exceptions greenlets died of
during it. The call phase runs under the gevent timeout and the hub-blocking
watch when they are on; teardown ends with the leak checks, after every
function-scoped fixture has been torn down. The per-test cost when nothing
gevent happens is a few attribute swaps: the capture, the owner, a hub lookup.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator

import pytest

from . import blocking, hub_errors, leaks, per_test, spawning, timeouts

if sys.version_info < (3, 11):  # pragma: no cover - exercised by the py310 env
    from exceptiongroup import ExceptionGroup  # type: ignore[import-not-found,unused-ignore]

plain_key = pytest.StashKey[leaks.PlainGreenlets]()


def configure(config: pytest.Config) -> None:
    per_test.configure(config)
    config.stash[spawning.tracker_key] = spawning.Tracker()
    config.stash[plain_key] = leaks.PlainGreenlets()


_Saved = tuple["spawning.Owner | None", "list[hub_errors.Captured] | None"]


def begin_test(item: pytest.Item) -> _Saved:
    """Start one test's protocol: capture hub errors, own its greenlets.

    Returns what :func:`end_test` restores (a test run by pytester inside
    another test nests).
    """
    tracker = item.config.stash[spawning.tracker_key]
    saved = tracker.test
    tracker.test = spawning.Owner(item.nodeid, kind="test")
    previous = hub_errors.install(capture=not per_test.of(item).allow_errors)
    item.config.stash[plain_key].begin()
    return saved, previous


def end_test(item: pytest.Item, state: _Saved) -> None:
    saved, previous = state
    hub_errors.uninstall(previous)
    item.config.stash[spawning.tracker_key].test = saved


def after_setup(item: pytest.Item) -> None:
    __tracebackhide__ = True
    hub_errors.raise_unretrieved(item.nodeid, "setup")


@contextlib.contextmanager
def watching_call(item: pytest.Item) -> Iterator[blocking.BlockWatch | None]:
    """The test function's call, under its gevent timeout and block watch when on."""
    settings = per_test.of(item)
    if not (settings.gevent_timeout or settings.gevent_block_threshold):
        yield None  # the common case, kept cheap: it runs for every test
        return
    threshold = settings.gevent_block_threshold
    with contextlib.ExitStack() as stack:
        seen = stack.enter_context(blocking.watch(threshold)) if threshold else None
        stack.enter_context(timeouts.limit(settings.gevent_timeout, item.nodeid))
        yield seen


def after_call(item: pytest.Item, seen: blocking.BlockWatch | None) -> None:
    __tracebackhide__ = True
    if seen is not None:
        blocking.check(seen, item.nodeid)
    hub_errors.raise_unretrieved(item.nodeid, "call")


def after_teardown(item: pytest.Item) -> None:
    """Leak checks, then exceptions; all are reported when several happened.

    Each check runs even when an earlier one raised: under ``-W error`` the
    plain-leak warning is an exception too, and must not hide the others.
    """
    __tracebackhide__ = True
    errors: list[Exception] = []
    owner = item.config.stash[spawning.tracker_key].test
    try:
        if owner is not None:
            leaks.check_owner(owner)
    except leaks.LeakedGreenletError as error:
        errors.append(error)
    try:
        item.config.stash[plain_key].end(item.nodeid, lambda: _location(item))
    except Exception as error:  # GreenletLeakWarning turned into an error by -W error
        errors.append(error)
    try:
        hub_errors.raise_unretrieved(item.nodeid, "teardown")
    except Exception as error:
        errors.append(error)
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise ExceptionGroup(f"greenlet problems at teardown of {item.nodeid}", errors)


def _location(item: pytest.Item) -> tuple[str, int]:
    """The test's file and line, where a plain-leak warning points (not at the plugin)."""
    path, line, _ = item.reportinfo()
    return os.fspath(path), (line or 0) + 1
