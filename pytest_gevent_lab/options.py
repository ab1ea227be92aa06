"""Command-line and ini options of the "gevent-lab" group, and how their values are read.

Every option is declared here so that ``pytest --help`` shows them together and
each capability module reads its values the same way: the command line beats
the ini file, and a bad value is a :class:`pytest.UsageError` that names the
option, the value, and what would be valid.
"""

from __future__ import annotations

import math

import pytest

GROUP = "gevent-lab"


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup(GROUP, "gevent-lab: testing code that runs on gevent")
    group.addoption(
        "--gevent-patch",
        action="store_true",
        default=None,
        help="run gevent.monkey.patch_all() before any conftest or test module is imported "
        "(ini: gevent_patch = true).",
    )
    group.addoption(
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
    group.addoption(
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

    group.addoption(
        "--gevent-timeout",
        metavar="S",
        default=None,
        help="cooperative per-test timeout in seconds: fail a test that waits on greenlets "
        "longer, showing the greenlet tree (0 = off; ini: gevent_timeout).",
    )
    parser.addini(
        "gevent_timeout",
        default="0",
        help="gevent-lab: cooperative per-test timeout in seconds (as --gevent-timeout).",
    )
    group.addoption(
        "--gevent-block-threshold",
        metavar="S",
        default=None,
        help="fail a test during which a greenlet blocked the hub longer than S seconds, "
        "with the blocking stack (0 = off; ini: gevent_block_threshold).",
    )
    parser.addini(
        "gevent_block_threshold",
        default="0",
        help="gevent-lab: hub-blocking threshold in seconds (as --gevent-block-threshold).",
    )
    group.addoption(
        "--gevent-speedup-rounds",
        metavar="N",
        default=None,
        help="override the rounds of every concurrent_speedup test (e.g. more in a nightly job).",
    )

    group.addoption(
        "--gevent-report",
        metavar="PATH.json",
        default=None,
        help="write speedup results and claim verdicts to this JSON file.",
    )


def cli_or_ini(config: pytest.Config, option: str, ini: str) -> object:
    """The command-line value of ``option`` when given, else the ini value ``ini``."""
    value = config.getoption(option)
    return config.getini(ini) if value is None else value


def parse_seconds(value: object, what: str) -> float:
    """A non-negative, finite number of seconds; 0 means "off".

    ``what`` names where the value came from, e.g. ``"--gevent-timeout"``; it
    starts the error message.
    """
    if isinstance(value, bool):
        raise pytest.UsageError(f"{what}: expected a number of seconds, got {value!r}")
    try:
        seconds = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise pytest.UsageError(
            f"{what}: expected a number of seconds (0 = off), got {value!r}"
        ) from None
    if not math.isfinite(seconds) or seconds < 0:
        raise pytest.UsageError(
            f"{what}: expected a non-negative number of seconds (0 = off), got {value!r}"
        )
    return seconds
