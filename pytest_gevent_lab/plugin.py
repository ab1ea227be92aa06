"""pytest-gevent-lab's hooks. Each one delegates to the module named for its concern."""

from __future__ import annotations

from collections.abc import Generator

import pytest

from . import claims, claims_table, options, patched_mode, patching, report, xdist_workers
from .claims import record_figure

__all__ = ["record_figure"]

# --- interleaving assertions: fixtures (pytest finds them in this module's namespace) ---
from .interleaving import interleaving
from .sequencer import sequencer
from .switch_trace import switch_trace

__all__ = ["interleaving", "sequencer", "switch_trace"]
# --- end interleaving assertions ---

MARKERS = (
    "needs_gevent_patch: skip this test unless the run is monkey-patched "
    "(pytest --gevent-patch, or python -m pytest_gevent_lab).",
    claims.MARKER,
)


def pytest_addoption(parser: pytest.Parser) -> None:
    options.add_options(parser)


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


def pytest_report_header(config: pytest.Config) -> list[str]:
    return patched_mode.header_lines(config)


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("needs_gevent_patch") and not patching.is_patched():
        pytest.skip("needs --gevent-patch: this test only makes sense in a monkey-patched run")


def pytest_sessionfinish(session: pytest.Session) -> None:
    xdist_workers.send_report(session.config, patched_mode.header_lines(session.config))
    report.write(session.config)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: object) -> None:
    xdist_workers.collect_report(node, patched_mode.worker_reports(node))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    lines = xdist_workers.summary_lines(patched_mode.worker_reports(terminalreporter))
    if lines:
        terminalreporter.write_sep("-", "gevent-lab: patching in xdist workers")
        for line in lines:
            terminalreporter.write_line(line)
    claims_table.write_summary(terminalreporter, claims.entries(terminalreporter.config))


# --- claims (the claim marker, record_figure, the claims table) ---


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(
    collector: pytest.Collector,
) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
    collect_report = yield
    return claims.check_collected(collect_report)
