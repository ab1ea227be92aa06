"""pytest-gevent-lab's hooks. Each one delegates to the module named for its concern."""

from __future__ import annotations

from collections.abc import Generator

import pytest

from . import (
    blocking,
    checks,
    claims,
    claims_table,
    hub_errors,
    leaks,
    options,
    patched_mode,
    per_test,
    report,
    scheduling,
    spawning,
    speedup,
    speedup_marker,
    timeouts,
    xdist_workers,
)
from .claims import record_figure
from .interleaving import interleaving
from .scheduling import gevent_clock
from .sequencer import sequencer
from .servers import wsgi_server
from .spawning import gevent_pool, spawn
from .speedup import gevent_mode
from .switch_trace import switch_trace

# fixtures pytest finds in this module's namespace
__all__ = [
    "gevent_clock",
    "gevent_mode",
    "gevent_pool",
    "interleaving",
    "record_figure",
    "sequencer",
    "spawn",
    "switch_trace",
    "wsgi_server",
]

MARKERS = (
    "needs_gevent_patch: skip this test unless the run is monkey-patched "
    "(pytest --gevent-patch, or python -m pytest_gevent_lab).",
    claims.MARKER,
    timeouts.MARKER_HELP,
    blocking.MARKER_HELP,
    hub_errors.MARKER_HELP,
    speedup_marker.MARKER_LINE,
)


def pytest_addoption(parser: pytest.Parser) -> None:
    options.add_options(parser)
    scheduling.add_options(parser)


# tryfirst: patching must happen before any conftest (and so any test module)
# imports socket, ssl or threading; this is the earliest hook a plugin gets.
@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config) -> None:
    patched_mode.configure_early(early_config)


def pytest_configure(config: pytest.Config) -> None:
    for line in MARKERS:
        config.addinivalue_line("markers", line)
    # pytest_runtest_logreport gets no config: a small object holding it files the claims.
    config.pluginmanager.register(claims.ClaimsFiler(config), claims.FILER_NAME)
    checks.configure(config)
    speedup.configure(config)
    scheduling.configure(config)
    report.check_target(config)


def pytest_report_header(config: pytest.Config) -> list[str]:
    return patched_mode.header_lines(config)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    patched_mode.skip_unless_patched(items)


# --- concurrent_speedup ---


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    speedup_marker.check_collected(metafunc)


# tryfirst: a marked test's body is called by us, repeatedly; returning True
# keeps pytest's own pytest_pyfunc_call from calling it once more.
@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    __tracebackhide__ = True
    return speedup.call_marked(pyfuncitem)


# --- the run's end: reports ---


def pytest_sessionfinish(session: pytest.Session) -> None:
    xdist_workers.send_report(session.config, patched_mode.header_lines(session.config))
    report.write(session.config)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: object) -> None:
    xdist_workers.collect_report(node, patched_mode.worker_reports(node))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    patched_mode.write_worker_summary(terminalreporter)
    claims_table.write_summary(terminalreporter, claims.entries(terminalreporter.config))


# --- claims (the claim marker, record_figure, the claims table) ---


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(
    collector: pytest.Collector,
) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
    collect_report = yield
    return claims.check_collected(collect_report)


# --- greenlet checks: lost exceptions, leaks, timeouts, hub blocking ---


@pytest.hookimpl(wrapper=True)
def pytest_pycollect_makeitem(collector: pytest.Collector, name: str, obj: object) -> object:
    result = yield
    items: list[object] = result if isinstance(result, list) else [result]
    for item in items:
        if isinstance(item, pytest.Item):
            per_test.resolve(item)  # a bad marker is a collection error naming the test
    return result


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(
    fixturedef: pytest.FixtureDef[object], request: pytest.FixtureRequest
) -> object:
    with leaks.fixture_owner(
        request.config.stash[spawning.tracker_key],
        request.config.stash[checks.plain_key],
        fixturedef,
    ):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> object:
    state = checks.begin_test(item)
    try:
        return (yield)
    finally:
        checks.end_test(item, state)


# trylast: after the fixtures are set up.
@pytest.hookimpl(trylast=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    __tracebackhide__ = True
    checks.after_setup(item)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> object:
    __tracebackhide__ = True
    with checks.watching_call(item) as seen:
        result = yield
    checks.after_call(item, seen)
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> object:
    __tracebackhide__ = True
    try:
        return (yield)
    finally:  # even after a failed teardown: nothing may survive into the next test
        checks.after_teardown(item)
