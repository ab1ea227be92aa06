"""Per-test settings of the greenlet checks: the marker beats the command line beats ini.

The gevent timeout, the hub-blocking threshold and ``gevent_allow_errors``.
Values are resolved at collection, so a bad marker is a collection error that
names the test instead of a traceback when it runs, and once more after the
conftests' own ``pytest_collection_modifyitems`` (a marker one adds counts).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from typing import NamedTuple

import pytest

from ..markers import closest
from ..options import cli_or_ini, group, parse_seconds

MARKERS = (
    "gevent_timeout(seconds): fail the test if it waits on greenlets longer than this "
    "(cooperative; 0 = off; beats --gevent-timeout and ini gevent_timeout).",
    "gevent_block_threshold(seconds): fail the test if a greenlet blocks the hub longer "
    "than this (0 = off; beats --gevent-block-threshold and ini gevent_block_threshold).",
    "gevent_allow_errors: exceptions that kill greenlets during this test are printed "
    "by gevent as usual instead of failing the test.",
)


def add_options(parser: pytest.Parser) -> None:
    options = group(parser)
    options.addoption(
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
    options.addoption(
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


# marker name -> (command-line option dest, ini name, command-line spelling)
SETTINGS = {
    "gevent_timeout": ("gevent_timeout", "gevent_timeout", "--gevent-timeout"),
    "gevent_block_threshold": (
        "gevent_block_threshold",
        "gevent_block_threshold",
        "--gevent-block-threshold",
    ),
}
ALLOW_ERRORS = "gevent_allow_errors"
MARKER_NAMES = frozenset((*SETTINGS, ALLOW_ERRORS))


class Settings(NamedTuple):
    """One test's settings; 0 seconds = off."""

    gevent_timeout: float
    gevent_block_threshold: float
    allow_errors: bool = False

    @property
    def timed(self) -> bool:
        """The call runs under a gevent timeout or a hub-blocking watch."""
        return bool(self.gevent_timeout or self.gevent_block_threshold)


_defaults_key = pytest.StashKey[Settings]()
_settings_key = pytest.StashKey[Settings]()


def configure(config: pytest.Config) -> None:
    """Read and check the command-line/ini values once (a bad one is a usage error)."""
    timeout, threshold = (_default(config, *names) for names in SETTINGS.values())
    config.stash[_defaults_key] = Settings(timeout, threshold)


def _default(config: pytest.Config, dest: str, ini: str, flag: str) -> float:
    """The flag's value, else the ini's; an error names where the bad value was written."""
    given = config.getoption(dest) is not None
    return parse_seconds(cli_or_ini(config, dest, ini), flag if given else f"ini {ini}")


def _seconds(marker: pytest.Mark) -> float:
    name = marker.name
    unknown = sorted(set(marker.kwargs) - {"seconds"})
    if unknown or len(marker.args) + len(marker.kwargs) != 1:
        raise ValueError(
            f"@pytest.mark.{name} takes one number of seconds, as {name}(2.5) or "
            f"{name}(seconds=2.5); got args={marker.args!r} kwargs={marker.kwargs!r}"
            + (f" (unknown keyword {', '.join(unknown)}; valid: seconds)" if unknown else "")
        )
    value = marker.args[0] if marker.args else marker.kwargs["seconds"]
    try:
        return parse_seconds(value, f"@pytest.mark.{name}")
    except pytest.UsageError as error:
        raise ValueError(str(error)) from None


def resolve(item: pytest.Item) -> Settings:
    """Store the item's settings; raise :class:`pytest.Collector.CollectError` if a marker is bad.

    One pass over the item's markers, closest first: this runs for every test.
    """
    settings = item.config.stash[_defaults_key]
    for name, marker in closest(item, MARKER_NAMES).items():
        if name == ALLOW_ERRORS:
            if marker.args or marker.kwargs:
                raise pytest.Collector.CollectError(
                    f"{item.nodeid}: @pytest.mark.{ALLOW_ERRORS} takes no arguments, got "
                    f"args={marker.args!r} kwargs={marker.kwargs!r}; "
                    f"write it bare: @pytest.mark.{ALLOW_ERRORS}"
                )
            settings = settings._replace(allow_errors=True)
            continue
        try:
            seconds = _seconds(marker)
        except ValueError as error:
            raise pytest.Collector.CollectError(f"{item.nodeid}: {error}") from None
        if name == "gevent_timeout":
            settings = settings._replace(gevent_timeout=seconds)
        else:
            settings = settings._replace(gevent_block_threshold=seconds)
    item.stash[_settings_key] = settings
    return settings


def store_defaults(config: pytest.Config, items: list[pytest.Item]) -> Settings:
    """Give every test the run's settings; those of a marked test are resolved after."""
    defaults = config.stash[_defaults_key]
    for item in items:
        item.stash[_settings_key] = defaults
    return defaults


def for_item(item: pytest.Item) -> Settings:
    """The item's settings (resolved at collection; items of other collectors now)."""
    try:
        return item.stash[_settings_key]  # every test asks: one call less than .get()
    except KeyError:
        return resolve(item)
