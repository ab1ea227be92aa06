"""The patched mode as pytest sees it: when to patch, and what the run reports about it.

The earliest hook a plugin gets, ``pytest_load_initial_conftests``, decides
(:func:`configure_early`): the command line beats the ini file, the skip list
is checked against the installed gevent, and an xdist controller stays
unpatched (see patching.xdist). :class:`PatchingPlugin` then reports: the
header, each xdist worker's own report in the summary and the JSON report,
and skips ``needs_gevent_patch`` tests of an unpatched run.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from .. import markers, results
from ..markers import Carried
from ..options import group
from . import xdist

if TYPE_CHECKING:  # process and native are imported only by a run that patches
    from .process import PatchReport

NEEDS_PATCH = "needs_gevent_patch"
MARKERS = (
    "needs_gevent_patch: skip this test unless the run is monkey-patched "
    "(pytest --gevent-patch, or python -m pytest_gevent_lab).",
)

NEEDS_PATCH_NAMES = frozenset((NEEDS_PATCH,))

report_key = pytest.StashKey["PatchReport"]()


# Whoever patched this process through this package (the launcher) imported
# ``process`` to do it: while it is not imported, nothing here was patched.
_PROCESS = f"{__package__}.process"


def add_options(parser: pytest.Parser) -> None:
    process = sys.modules.get(_PROCESS)
    earlier = process.process_report() if process is not None else None
    if process is not None and earlier is not None and earlier.by == process.LAUNCHER:
        # Its usage line and errors name the launcher, not "pytest.main()".
        parser.prog = process.LAUNCHER
    options = group(parser)
    options.addoption(
        "--gevent-patch",
        action="store_true",
        default=None,
        help="run gevent.monkey.patch_all() before any conftest or test module is imported "
        "(ini: gevent_patch = true).",
    )
    options.addoption(
        "--no-gevent-patch",
        action="store_false",
        dest="gevent_patch",
        help="do not patch, even when the ini file sets gevent_patch = true.",
    )
    parser.addini(
        "gevent_patch",
        type="bool",
        default=False,
        help="gevent-lab: monkey-patch the standard library before collection (as --gevent-patch).",
    )
    options.addoption(
        "--gevent-patch-skip",
        metavar="NAMES",
        action="append",
        default=None,
        help="comma-separated patch_all() keyword names to leave unpatched, "
        "e.g. socket,thread; may be repeated (ini: gevent_patch_skip).",
    )
    parser.addini(
        "gevent_patch_skip",
        type="args",
        default=[],
        help="gevent-lab: patch_all() keyword names to leave unpatched (as --gevent-patch-skip).",
    )


def configure_early(early_config: pytest.Config) -> None:
    """Patch now if asked to; the earliest moment a plugin gets (see plugin.py)."""
    namespace = early_config.known_args_namespace
    cli = getattr(namespace, "gevent_patch", None)
    enabled = bool(cli) if cli is not None else _ini_flag(early_config, "gevent_patch")
    skip_value = getattr(namespace, "gevent_patch_skip", None)
    skip_source = "--gevent-patch-skip"
    if skip_value is None:
        skip_value, skip_source = early_config.getini("gevent_patch_skip"), "gevent_patch_skip"
    role = xdist.role(namespace)
    if not (enabled or skip_value or role == "worker" or "gevent.monkey" in sys.modules):
        return  # the common run: nothing to patch, nothing patched (the report says so later)
    from . import native, process

    try:
        skip = process.check_skip_names(process.split_names(skip_value), skip_source)
    except process.UnknownPatchName as error:
        raise pytest.UsageError(str(error)) from None
    if skip and skip_source.startswith("--") and not enabled and process.process_report() is None:
        raise pytest.UsageError(
            f"--gevent-patch-skip={','.join(skip)} has no effect: this run does not patch. "
            "Add --gevent-patch (or ini gevent_patch = true), or leave the option out"
        )

    if role == "worker":
        # Before any conftest runs: a conftest that patches at import (as many
        # gevent projects' do) must not break execnet either (see native).
        native.prepare(native.needed(early_config.pluginmanager, worker=True))
        native.give_natives()
    earlier = process.process_report()
    if earlier is not None:  # patched before this config: the launcher
        report = earlier
        if report.by == process.LAUNCHER:
            _check_launcher_agrees(role, cli, skip, skip_source, report)
    elif process.is_patched():
        report = process.PatchReport(
            enabled=True,
            by="patched before pytest-gevent-lab loaded, not by it",
            patched_modules=process.saved_modules(),
        )
    elif not enabled:
        report = process.PatchReport(enabled=False)
    elif role == "controller":
        report = process.PatchReport(enabled=False, by=_requested_by(cli), role=role, skipped=skip)
    else:
        natives = native.needed(early_config.pluginmanager, worker=role == "worker")
        report = process.patch_process(skip, by=_requested_by(cli), role=role, natives=natives)
    native.give_natives()  # the launcher patched before pytest loaded the plugins
    if report.warnings:
        filename, lineno = _warning_location(early_config, report, cli)
        for message in report.warnings:
            _warn_at(early_config, _monkey_patch_warning(message), filename, lineno)
    early_config.stash[report_key] = report


def _ini_flag(config: pytest.Config, name: str) -> bool:
    """A boolean ini value; a value that is not one is a usage error naming the key."""
    try:
        return bool(config.getini(name))
    except (ValueError, pytest.UsageError):  # pytest 9 raises the latter, without the key
        raw = config.inicfg.get(name)
        raise pytest.UsageError(
            f"ini {name} = {getattr(raw, 'value', raw)!r}: expected true or false "
            "(also accepted: yes/no, on/off, 1/0)"
        ) from None


def _requested_by(cli: bool | None) -> str:
    return "--gevent-patch" if cli else "ini gevent_patch = true"


def _check_launcher_agrees(
    role: xdist.Role,
    cli: bool | None,
    skip: list[str],
    skip_source: str,
    report: PatchReport,
) -> None:
    """The launcher patched from the command line alone; refuse a run that expects otherwise.

    Here the ini file and PYTEST_ADDOPTS have been read, which the launcher
    could not do before importing pytest.
    """
    from .process import LAUNCHER

    if role == "controller":
        raise pytest.UsageError(
            f"{LAUNCHER} cannot run an xdist controller patched (execnet's threads "
            "need the real threading); use: pytest -n N --gevent-patch (every worker "
            "patches itself)"
        )
    if cli is False:
        raise pytest.UsageError(
            f"--no-gevent-patch cannot undo {LAUNCHER}, which patched before pytest "
            "started; run pytest instead"
        )
    if sorted(skip) != sorted(report.skipped):
        wanted, done = ",".join(skip) or "nothing", ",".join(report.skipped) or "nothing"
        raise pytest.UsageError(
            f"{skip_source} asks to leave unpatched: {wanted}; but {LAUNCHER} "
            f"patched before reading it, leaving unpatched: {done}. "
            f"Pass --gevent-patch-skip={','.join(skip)} to the launcher"
        )


def _warning_location(
    config: pytest.Config, report: PatchReport, cli: bool | None
) -> tuple[str, int]:
    """Where a patching warning should point: the user's code or configuration, never ours.

    The first module that kept an unpatched original (its import is what to
    move), else the ini line that asked for patching, else the command line.
    """
    from .process import LAUNCHER

    for holder in report.stale_references:
        filename = getattr(sys.modules.get(holder), "__file__", None)
        if filename:
            return filename, _first_line_with(Path(filename), "import ")
    if not cli and config.inipath is not None and report.by != LAUNCHER:
        return str(config.inipath), _first_line_with(config.inipath, "gevent_patch")
    return f"<command line: {report.by or '--gevent-patch'}>", 1


def _first_line_with(path: Path, text: str) -> int:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return 1
    return next((number for number, line in enumerate(lines, 1) if text in line), 1)


def _warn_at(config: pytest.Config, warning: Warning, filename: str, lineno: int) -> None:
    """A configure-time warning (``-W``/filterwarnings apply) located at ``filename:lineno``.

    pytest locates it at the frame that calls ``issue_config_time_warning``;
    that frame is made to be the user's line by compiling the call there.
    """
    code = compile("\n" * (lineno - 1) + "issue(warning, stacklevel=2)", filename, "exec")
    exec(code, {"issue": config.issue_config_time_warning, "warning": warning})


def _monkey_patch_warning(message: str) -> Warning:
    from gevent.monkey import MonkeyPatchWarning

    return MonkeyPatchWarning(message)  # type: ignore[no-any-return]


class PatchingPlugin:
    """What the run says about patching, and the ``needs_gevent_patch`` marker."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        # None: nothing patched nor asked for (configure_early kept to its fast path)
        self._report = config.stash.get(report_key, None)
        # In an xdist controller: worker id -> that worker's header lines.
        self.worker_reports: dict[str, list[str]] = {}
        sink = results.sink(config)
        sink.add_part("patching", self._header_lines)
        sink.add_part("patching in xdist workers", lambda: self.worker_reports)
        sink.add_terminal_section("gevent-lab: patching in xdist workers", self._worker_summary)
        markers.checks(config).add(NEEDS_PATCH_NAMES, self._check_report, self._skip_unpatched)

    @property
    def requested(self) -> bool:
        """Whether this run patches (or, in an xdist controller, has its workers patch)."""
        return self._report is not None and (self._report.enabled or bool(self._report.by))

    def pytest_report_header(self) -> list[str]:
        return self._header_lines()

    def _header_lines(self) -> list[str]:
        if self._report is None:  # the common run: no PatchReport (nor its module) needed
            from .versions import unpatched_line

            return [unpatched_line()]
        return self._report.header_lines()

    def _check_report(self, report: pytest.CollectReport, carried: Carried) -> None:
        """A ``needs_gevent_patch`` marker with arguments is a collection error naming the test."""
        if not report.passed or not carried:
            return
        problems = [
            f"{node.nodeid}: @pytest.mark.needs_gevent_patch takes no arguments, got "
            f"args={mark.args!r} kwargs={mark.kwargs!r}; write it bare"
            for node in carried.items(NEEDS_PATCH_NAMES)
            for mark in node.iter_markers(NEEDS_PATCH)
            if mark.args or mark.kwargs
        ]
        if problems:
            report.outcome = "failed"
            report.longrepr = "\n".join(problems)
            report.result = []

    def _skip_unpatched(self, items: list[pytest.Item], carried: Carried) -> None:
        """``needs_gevent_patch`` tests skip in an unpatched run (patching came first)."""
        needing = carried.items(NEEDS_PATCH_NAMES)
        if not needing or _is_patched():
            return
        skip = pytest.mark.skip(
            reason="needs --gevent-patch: this test only makes sense in a monkey-patched run"
        )
        for item in needing:
            item.add_marker(skip)

    def pytest_sessionfinish(self) -> None:
        if hasattr(self.config, "workeroutput"):
            xdist.send_report(self.config, self._header_lines())

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any) -> None:
        received = xdist.received_report(node)
        if received is not None:
            worker, lines = received
            self.worker_reports[worker] = lines

    def _worker_summary(self, width: int) -> list[str]:
        """In an xdist controller of a patched run: each worker's own patch report."""
        if not self.requested:
            return []
        return xdist.summary_lines(self.worker_reports)


def _is_patched() -> bool:
    """``process.is_patched()``, without importing it while gevent.monkey is not imported."""
    if "gevent.monkey" not in sys.modules:
        return False  # patching imports it: nothing is patched
    from .process import is_patched

    return is_patched()


def configure(config: pytest.Config) -> None:
    for line in MARKERS:
        config.addinivalue_line("markers", line)
    config.pluginmanager.register(PatchingPlugin(config), "gevent_lab.patching")
