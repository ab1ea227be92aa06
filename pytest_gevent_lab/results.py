"""The run's results: the one place every capability reports to after its tests.

A capability measures in the process that runs a test (an xdist worker, or
the only process) and reports in the process that prints (the controller):

- per test, :func:`attach` puts a value in the test report's
  ``user_properties``, which xdist serialises and junitxml shows; the filer a
  capability registered with :meth:`Results.on_report` gets it in the
  reporting process, from every phase's report;
- :func:`add_figure` records a figure a test measured (the claims table shows
  the figures of a claimed test, whichever capability recorded them);
- :meth:`Results.add` appends an entry to a section of the JSON report
  (``--gevent-report=PATH.json``), :meth:`Results.add_part` names a section
  computed when the report is written;
- :meth:`Results.add_terminal_section` prints lines at the end of the run.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypedDict

import pytest

FIGURE_PROPERTY = "gevent_lab.figure"

# A filer gets the report, the values its key had in the report's user_properties,
# and whether the test is over: None before its teardown report; at teardown True,
# or False when this attempt is one pytest-rerunfailures runs again (discard it).
Filer = Callable[[pytest.TestReport, list[Any], "bool | None"], None]


class Figure(TypedDict):
    """One measured figure of a test, as the claims table and the JSON show it."""

    name: str
    value: float | str
    unit: str
    article: float | str | None  # the source's own value for the same figure


def add_options(parser: pytest.Parser) -> None:
    from .options import group

    group(parser).addoption(
        "--gevent-report",
        metavar="PATH.json",
        default=None,
        help="write speedup results and claim verdicts to this JSON file.",
    )


def attach(item: pytest.Item, key: str, value: object) -> None:
    """Carry ``value`` with ``item``'s reports to the process that reports (see module doc)."""
    item.user_properties.append((key, value))
    sink(item.config).file_reports()


def add_figure(item: pytest.Item, figure: Figure) -> None:
    attach(item, FIGURE_PROPERTY, figure)


def printable(text: str) -> str:
    """``text`` as a terminal can show it: a lone surrogate (from bytes decoded with
    ``surrogateescape``, e.g. a file name) becomes an escape instead of an encoding error."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def figures_of(report: pytest.TestReport) -> list[Figure]:
    figures: list[Figure] = [
        value  # type: ignore[misc]  # only add_figure writes this key
        for key, value in report.user_properties
        if key == FIGURE_PROPERTY
    ]
    return figures


class _TerminalSection:
    def __init__(self, title: str, sep: str, lines: Callable[[int], list[str]]) -> None:
        self.title, self.sep, self.lines = title, sep, lines


class Results:
    """The sink of one pytest run (``config.stash[results_key]``); registered as a plugin."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.target: str | None = config.getoption("gevent_report")
        self.sections: dict[str, list[Any]] = {}
        self._parts: dict[str, Callable[[], object]] = {}
        self._filers: dict[str, Filer] = {}
        self._terminal: list[_TerminalSection] = []
        self._filing: _Filing | None = None
        # Under xdist a worker's reports are filed by the controller, not here.
        self._files_reports = not hasattr(config, "workerinput")
        self._per_attempt = {FIGURE_PROPERTY}
        if self._files_reports and getattr(config.option, "dist", "no") != "no":
            self.file_reports()  # an xdist controller: its workers attach, it never sees them do it

    def file_reports(self) -> None:
        """Look at every test report from now on (the first ``attach`` calls it).

        The per-test hooks cost every test of every run, and most runs attach
        nothing: they are registered only once something is attached.
        """
        if self._filing is None:
            self._filing = _Filing(self)
            self.config.pluginmanager.register(self._filing, "gevent_lab.results.filing")

    def on_report(self, key: str, filer: Filer, *, per_attempt: bool = False) -> None:
        """File ``key``'s values; ``per_attempt``: a new attempt of the test drops the old."""
        self._filers[key] = filer
        if per_attempt:
            self._per_attempt.add(key)

    def forget_per_attempt(self, *keys: str) -> None:
        """These properties, too, belong to one attempt (junitxml's flat figures)."""
        self._per_attempt.update(keys)

    def add(self, section: str, entry: object) -> None:
        self.sections.setdefault(section, []).append(entry)

    def entries(self, section: str) -> list[Any]:
        return self.sections.get(section, [])

    def add_part(self, section: str, value: Callable[[], object]) -> None:
        """A JSON section computed when the report is written (before the listed ones)."""
        self._parts[section] = value

    def add_terminal_section(
        self, title: str, lines: Callable[[int], list[str]], *, sep: str = "-"
    ) -> None:
        """Print ``lines(width)`` under a ``title`` separator at the end of the run, if any."""
        self._terminal.append(_TerminalSection(title, sep, lines))

    # --- hooks ---

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        width = terminalreporter._tw.fullwidth
        for section in self._terminal:
            lines = section.lines(width)
            if lines:
                terminalreporter.write_sep(section.sep, section.title)
                for line in lines:
                    terminalreporter.write_line(printable(line))

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        problem = self.write()
        if problem is None:
            return
        # After the run: said on a line of its own, and the run does not pass.
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        message = f"ERROR: gevent-lab could not write --gevent-report={self.target}: {problem}"
        if reporter is not None:
            reporter.ensure_newline()
            reporter.write_line(message, red=True)
        else:
            sys.stderr.write(message + "\n")
        if session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.USAGE_ERROR

    def write(self) -> str | None:
        """Write the JSON report if ``--gevent-report`` asked for one; what went wrong, if so.

        Written to a temporary file that then replaces the target: a failure
        never leaves a truncated report (or truncates an existing one).
        """
        if not self.target or not self._files_reports:
            return None
        path = Path(self.target)
        try:
            document: dict[str, Any] = {name: value() for name, value in self._parts.items()}
            document.update(self.sections)
            try:
                data = (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode()
            except UnicodeEncodeError:  # a lone surrogate: JSON escapes (\\udcff) can hold it
                data = (json.dumps(document, indent=2) + "\n").encode()
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
            try:
                with os.fdopen(handle, "wb") as file:
                    file.write(data)
                os.replace(temporary, path)
            except BaseException:
                os.unlink(temporary)
                raise
        except (OSError, ValueError, TypeError) as error:  # UnicodeError is a ValueError
            return str(error)
        return None


class _Filing:
    """The per-test hooks of a run that attaches values (or, under xdist, receives them)."""

    def __init__(self, results: Results) -> None:
        self.results = results
        self._rerun: set[str] = set()  # node ids whose running attempt will be rerun

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        # A test pytest-rerunfailures runs again keeps its item, and so the
        # figures and results of the failed attempt: they are not this one's.
        if item.user_properties:
            per_attempt = self.results._per_attempt
            item.user_properties[:] = [
                (key, value) for key, value in item.user_properties if key not in per_attempt
            ]

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        # Runs for every phase of every test: most carry no properties at all.
        if not report.user_properties or not self.results._files_reports:
            return
        nodeid = report.nodeid
        if str(report.outcome) == "rerun":  # pytest-rerunfailures: this attempt runs again
            self._rerun.add(nodeid)
        ended: bool | None = None
        if report.when == "teardown":
            ended = nodeid not in self._rerun
            self._rerun.discard(nodeid)
        for key, filer in self.results._filers.items():
            values = [value for name, value in report.user_properties if name == key]
            if values:
                filer(report, values, ended)


results_key = pytest.StashKey[Results]()


def _check_target(target: str) -> None:
    """A report path that cannot be written is a usage error now, not a surprise after the run."""
    path = Path(target)
    if path.is_dir():
        raise pytest.UsageError(
            f"--gevent-report={target}: is a folder; give a file path, e.g. {target}/report.json"
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path.parent):
            pass
    except OSError as error:
        raise pytest.UsageError(
            f"--gevent-report={target}: cannot write there ({error.strerror or error}); "
            "give a path in a folder you can write to"
        ) from None


def configure(config: pytest.Config) -> Results:
    """Make the run's sink; a report path that cannot be written is a usage error now."""
    target = config.getoption("gevent_report")
    if target and not hasattr(config, "workerinput"):
        _check_target(target)
    results = config.stash[results_key] = Results(config)
    config.pluginmanager.register(results, "gevent_lab.results")
    return results


def sink(config: pytest.Config) -> Results:
    """The run's :class:`Results` (made in ``pytest_configure``)."""
    return config.stash[results_key]
