"""The patched mode as pytest sees it: when to patch, and what the report header says.

The earliest hook a plugin gets, ``pytest_load_initial_conftests``, decides:
the command line beats the ini file, the skip list is checked against the
installed gevent, and an xdist controller stays unpatched (see xdist_workers).
"""

from __future__ import annotations

from typing import Any

import pytest

from . import patching, xdist_workers
from .patching import PatchReport

report_key = pytest.StashKey[PatchReport]()
# In an xdist controller: worker id -> that worker's header lines.
worker_reports_key = pytest.StashKey[dict[str, list[str]]]()


def configure_early(early_config: pytest.Config) -> None:
    """Patch now if asked to; the earliest moment a plugin gets (see plugin.py)."""
    namespace = early_config.known_args_namespace
    cli = getattr(namespace, "gevent_patch", None)
    enabled = bool(cli) if cli is not None else bool(early_config.getini("gevent_patch"))
    skip_value = getattr(namespace, "gevent_patch_skip", None)
    skip_source = "--gevent-patch-skip"
    if skip_value is None:
        skip_value, skip_source = early_config.getini("gevent_patch_skip"), "gevent_patch_skip"
    try:
        skip = patching.check_skip_names(patching.split_names(skip_value), skip_source)
    except patching.UnknownPatchName as error:
        raise pytest.UsageError(str(error)) from None

    role = xdist_workers.role(namespace)
    if patching._process_report is not None:  # patched before this config: the launcher
        report = patching._process_report
        if report.by == patching.LAUNCHER:
            _check_launcher_agrees(role, cli, skip, skip_source, report)
    elif patching.is_patched():
        report = PatchReport(
            enabled=True,
            by="patched before pytest-gevent-lab loaded, not by it",
            patched_modules=patching.saved_modules(),
        )
    elif not enabled:
        report = PatchReport(enabled=False)
    elif role == "controller":
        report = PatchReport(enabled=False, by=_requested_by(cli), role=role, skipped=skip)
    else:
        report = patching.patch_process(skip, by=_requested_by(cli), role=role)
    for message in report.warnings:
        early_config.issue_config_time_warning(_monkey_patch_warning(message), stacklevel=2)
    early_config.stash[report_key] = report


def _requested_by(cli: bool | None) -> str:
    return "--gevent-patch" if cli else "ini gevent_patch = true"


def _check_launcher_agrees(
    role: xdist_workers.Role,
    cli: bool | None,
    skip: list[str],
    skip_source: str,
    report: PatchReport,
) -> None:
    """The launcher patched from the command line alone; refuse a run that expects otherwise.

    Here the ini file and PYTEST_ADDOPTS have been read, which the launcher
    could not do before importing pytest.
    """
    if role == "controller":
        raise pytest.UsageError(
            f"{patching.LAUNCHER} cannot run an xdist controller patched (execnet's threads "
            "need the real threading); use: pytest -n N --gevent-patch (every worker "
            "patches itself)"
        )
    if cli is False:
        raise pytest.UsageError(
            f"--no-gevent-patch cannot undo {patching.LAUNCHER}, which patched before pytest "
            "started; run pytest instead"
        )
    if sorted(skip) != sorted(report.skipped):
        wanted, done = ",".join(skip) or "nothing", ",".join(report.skipped) or "nothing"
        raise pytest.UsageError(
            f"{skip_source} asks to leave unpatched: {wanted}; but {patching.LAUNCHER} "
            f"patched before reading it, leaving unpatched: {done}. "
            f"Pass --gevent-patch-skip={','.join(skip)} to the launcher"
        )


def _monkey_patch_warning(message: str) -> Warning:
    from gevent.monkey import MonkeyPatchWarning

    return MonkeyPatchWarning(message)  # type: ignore[no-any-return]


def _report(config: pytest.Config) -> PatchReport:
    return config.stash.get(report_key, None) or PatchReport(enabled=False)


def header_lines(config: pytest.Config) -> list[str]:
    return _report(config).header_lines()


def patching_requested(config: pytest.Config) -> bool:
    """Whether this run patches (or, in an xdist controller, has its workers patch)."""
    report = _report(config)
    return report.enabled or bool(report.by)


def worker_reports(holder: Any) -> dict[str, list[str]]:
    """The controller's record of its workers' patch reports.

    ``holder`` is a config, or has one (an xdist node, the terminal reporter).
    """
    config = holder if isinstance(holder, pytest.Config) else holder.config
    return config.stash.setdefault(worker_reports_key, {})


def write_worker_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """In an xdist controller of a patched run: each worker's own patch report."""
    if not patching_requested(terminalreporter.config):
        return
    lines = xdist_workers.summary_lines(worker_reports(terminalreporter))
    if lines:
        terminalreporter.write_sep("-", "gevent-lab: patching in xdist workers")
        for line in lines:
            terminalreporter.write_line(line)


def skip_unless_patched(items: list[pytest.Item]) -> None:
    """``needs_gevent_patch`` tests skip in an unpatched run (decided now: patching came first)."""
    if patching.is_patched():
        return
    skip = pytest.mark.skip(
        reason="needs --gevent-patch: this test only makes sense in a monkey-patched run"
    )
    for item in items:
        if item.get_closest_marker("needs_gevent_patch"):
            item.add_marker(skip)
