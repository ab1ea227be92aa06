"""The pytest side of ``--gevent-trace``: record each test, write files for failed and marked ones.

Registered only when the option (or ini) names a folder, so a run without it
pays nothing. Each test's recorder is started by the outermost
``pytest_runtest_protocol`` wrapper (``tryfirst``), so that every trace
function installed during the test (the leak watch, ``switch_trace``) is
installed after ours and removed before it: greenlet trace functions chain,
and only a last-in, first-out order can put each one back.

Whether a test fails is known phase by phase, but the files also show
teardown (the leak check's kills), so they are written when the teardown
report is made. The report that first says the test failed already names
both files (their names do not depend on the content): xdist sends each
report to the controller as soon as it is made, so naming them later would
not reach the terminal.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path

import pytest

from . import current, files
from .recorder import Recorder

PLUGIN_NAME = "gevent_lab_traces"
MARKER_NAME = "gevent_trace"
SECTION = "gevent-lab trace"
SECTION_ERROR = "gevent-lab trace not written"
SUMMARY_LINES = 20  # tests named in the summary; the rest are counted


@dataclass
class _TestTrace:
    recorder: Recorder
    marked: bool
    json_path: Path
    svg_path: Path
    outcome: str | None = None  # set by the first failing phase
    named: bool = False
    skipped: bool = False


_trace_key = pytest.StashKey[_TestTrace]()


class TracePlugin:
    """Hooks of the traces capability; one per pytest config."""

    def __init__(self, config: pytest.Config, directory: Path) -> None:
        self.directory = directory
        self._start_dir = config.invocation_params.dir
        self.traced: dict[str, str] = {}  # node id -> the report section naming its files
        self.unwritten: dict[str, str] = {}  # node id -> why its files were not written

    def pytest_report_header(self) -> str:
        return (
            "gevent-lab: traces of failed and gevent_trace-marked tests go to "
            f"{self.display(self.directory)}"
        )

    @pytest.hookimpl(wrapper=True)
    def pytest_pycollect_makeitem(
        self, collector: pytest.Collector, name: str, obj: object
    ) -> Generator[None, object, object]:
        result = yield
        for item in result if isinstance(result, list) else [result]:
            if isinstance(item, pytest.Item):
                _check_marker(item)
        return result

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> Generator[None, object, object]:
        json_path, svg_path = files.paths(self.directory, item.nodeid)
        recorder = Recorder()
        marked = item.get_closest_marker(MARKER_NAME) is not None
        item.stash[_trace_key] = _TestTrace(recorder, marked, json_path, svg_path)
        item.stash[current.recorder_key] = recorder
        current.push(recorder)
        recorder.start()
        try:
            return (yield)
        finally:
            recorder.stop()  # already stopped after teardown, unless the run was interrupted
            current.pop(recorder)
            del item.stash[current.recorder_key]  # the switches it holds: free them now
            del item.stash[_trace_key]

    # tryfirst: the phase is drawn from before the other plugins' setup work.
    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> Generator[None, None, None]:
        with _phase(item, "setup"):
            return (yield)

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, None, None]:
        with _phase(item, "call"):
            return (yield)

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_teardown(self, item: pytest.Item) -> Generator[None, None, None]:
        with _phase(item, "teardown"):
            return (yield)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        state = item.stash.get(_trace_key, None)
        if state is None:  # an item run outside the protocol (a plugin's own call)
            return report
        if report.failed and state.outcome is None:
            state.outcome = "failed" if report.when == "call" else f"error in {report.when}"
        elif report.skipped and report.when != "teardown":
            if hasattr(report, "wasxfail"):
                state.outcome = state.outcome or "xfailed"
            else:
                state.skipped = True
        wanted = state.outcome is not None or (state.marked and not state.skipped)
        if wanted and not state.named and (report.failed or report.when != "setup"):
            state.named = True
            report.sections.append((SECTION, self._naming(state)))
        if report.when == "teardown":
            state.recorder.stop()
            if wanted:
                self._write(item, state, report)
        return report

    def _naming(self, state: _TestTrace) -> str:
        return (
            f"picture: {self.display(state.svg_path)}\n"
            f"trace:   {self.display(state.json_path)} (Trace Event Format: open it in "
            "https://ui.perfetto.dev, chrome://tracing or speedscope)"
        )

    def _write(self, item: pytest.Item, state: _TestTrace, report: pytest.TestReport) -> None:
        try:
            timeline = state.recorder.timeline(item.nodeid, state.outcome or "passed")
            files.write(timeline, state.json_path, state.svg_path)
        except Exception as error:  # a lost picture must not fail the test or the run
            report.sections.append(
                (SECTION_ERROR, f"{self.display(state.svg_path)}: {type(error).__name__}: {error}")
            )

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        # On the controller too: xdist workers' reports carry their sections.
        for name, content in report.sections:
            if name == SECTION:
                self.traced[report.nodeid] = content
            elif name == SECTION_ERROR:
                self.unwritten[report.nodeid] = content

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if not (self.traced or self.unwritten):
            return
        terminalreporter.write_sep("-", "gevent-lab: traces")
        written = [nodeid for nodeid in self.traced if nodeid not in self.unwritten]
        if written:
            terminalreporter.write_line(
                f"{len(written)} test(s) traced into {self.display(self.directory)} "
                "(open the .svg in a browser, the .json in https://ui.perfetto.dev):"
            )
            for nodeid in written[:SUMMARY_LINES]:
                terminalreporter.write_line(f"  {nodeid}: {files.stem(nodeid)}.svg")
            if len(written) > SUMMARY_LINES:
                terminalreporter.write_line(f"  ... and {len(written) - SUMMARY_LINES} more")
        for nodeid, why in self.unwritten.items():
            terminalreporter.write_line(f"not written: {nodeid}: {why}")

    def display(self, path: Path) -> str:
        """``path`` relative to where pytest started, when it is below it."""
        try:
            return str(path.relative_to(self._start_dir))
        except ValueError:
            return os.fspath(path)


def _phase(item: pytest.Item, name: str) -> contextlib.AbstractContextManager[None]:
    recorder = current.recorder_of(item)
    return contextlib.nullcontext() if recorder is None else recorder.phase(name)


def _check_marker(item: pytest.Item) -> None:
    for marker in item.iter_markers(MARKER_NAME):
        if marker.args or marker.kwargs:
            raise pytest.Collector.CollectError(
                f"{item.nodeid}: @pytest.mark.{MARKER_NAME} takes no arguments, got "
                f"args={marker.args!r} kwargs={marker.kwargs!r}; write it bare: "
                f"@pytest.mark.{MARKER_NAME}"
            )
