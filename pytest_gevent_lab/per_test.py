"""Per-test seconds (timeout, block threshold): the marker beats the command line beats ini.

Values are resolved once per test at collection, so a bad marker is a
collection error that names the test instead of a traceback when it runs.
"""

from __future__ import annotations

import pytest

from .options import cli_or_ini, parse_seconds

# marker name -> (command-line option dest, ini name, command-line spelling)
SETTINGS = {
    "gevent_timeout": ("gevent_timeout", "gevent_timeout", "--gevent-timeout"),
    "gevent_block_threshold": (
        "gevent_block_threshold",
        "gevent_block_threshold",
        "--gevent-block-threshold",
    ),
}
_defaults_key = pytest.StashKey[dict[str, float]]()
_values_key = pytest.StashKey[dict[str, float]]()


def configure(config: pytest.Config) -> None:
    """Read and check the command-line/ini values once (a bad one is a usage error)."""
    config.stash[_defaults_key] = {
        marker: parse_seconds(cli_or_ini(config, dest, ini), flag)
        for marker, (dest, ini, flag) in SETTINGS.items()
    }


def _from_marker(item: pytest.Item, name: str) -> float | None:
    marker = item.get_closest_marker(name)
    if marker is None:
        return None
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


def resolve(item: pytest.Item) -> None:
    """Store the item's seconds; raise :class:`pytest.Collector.CollectError` if a marker is bad."""
    defaults = item.config.stash[_defaults_key]
    values = defaults.copy()
    for name in SETTINGS:
        try:
            seconds = _from_marker(item, name)
        except ValueError as error:
            raise pytest.Collector.CollectError(f"{item.nodeid}: {error}") from None
        if seconds is not None:
            values[name] = seconds
    item.stash[_values_key] = values


def seconds(item: pytest.Item, name: str) -> float:
    """The resolved value of ``name`` (a key of :data:`SETTINGS`) for ``item``; 0 = off."""
    values = item.stash.get(_values_key, None)
    if values is None:  # an item type that our collection hook never saw
        resolve(item)
        values = item.stash[_values_key]
    return values[name]
