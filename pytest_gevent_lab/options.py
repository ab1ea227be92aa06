"""How options of the "gevent-lab" group are read, whichever capability declares them.

Each capability declares its own options in the one group (``pytest --help``
shows them together) and reads them the same way: the command line beats the
ini file, and a bad value is a :class:`pytest.UsageError` that names the
option, the value, and what would be valid.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import math

import pytest

GROUP = "gevent-lab"


def group(parser: pytest.Parser) -> pytest.OptionGroup:
    """The option group every capability adds its options to."""
    return parser.getgroup(GROUP, "gevent-lab: testing code that runs on gevent")


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
