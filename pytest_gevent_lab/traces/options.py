"""``--gevent-trace=DIR`` and ini ``gevent_trace``: which folder the trace files go to, if any.

The folder is created and tried at start-up: one that cannot be written is a
usage error before any test runs, not a lost picture after a failure. A
relative path is relative to where pytest was started (the command line) or
to the ini file (the ini value), as pytest does for its own paths.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from ..options import GROUP, cli_or_ini  # the project's option group and precedence rule

OPTION = "--gevent-trace"
INI = "gevent_trace"


def add_options(parser: pytest.Parser) -> None:
    parser.getgroup(GROUP).addoption(
        OPTION,
        metavar="DIR",
        default=None,
        help="write a Trace Event JSON (Perfetto, chrome://tracing) and an SVG timeline of "
        "the greenlets of every failed test and every test marked gevent_trace into DIR "
        "(ini: gevent_trace).",
    )
    parser.addini(
        INI,
        default="",
        help="gevent-lab: folder for the trace files of failed and marked tests "
        "(as --gevent-trace).",
    )


def directory(config: pytest.Config) -> Path | None:
    """The folder to write traces into, created and checked; None when tracing is off."""
    given = config.getoption("gevent_trace") is not None
    value = str(cli_or_ini(config, "gevent_trace", INI))
    where = OPTION if given else f"ini {INI}"
    if not value.strip():
        if given:
            raise pytest.UsageError(f"{OPTION}: expected a folder to write traces into, got ''")
        return None
    if given or config.inipath is None:
        base = config.invocation_params.dir
    else:
        base = config.inipath.parent
    path = base / Path(value).expanduser()
    _check_writable(path, f"{where}={value}")
    return path


def _check_writable(path: Path, what: str) -> None:
    if path.exists() and not path.is_dir():
        raise pytest.UsageError(f"{what}: {path} is a file; give a folder for the trace files")
    try:
        path.mkdir(parents=True, exist_ok=True)
        handle, probe = tempfile.mkstemp(prefix=".gevent-trace-probe-", dir=path)
        os.close(handle)
        os.unlink(probe)
    except OSError as error:
        raise pytest.UsageError(
            f"{what}: cannot write trace files into {path}: {error.strerror or error}"
        ) from None
