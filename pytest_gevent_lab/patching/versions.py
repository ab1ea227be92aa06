"""The gevent and greenlet the report header names, found without importing either.

A run that never uses gevent still prints its version in the header; importing
gevent for that would cost the run more than everything else the plugin does
at start-up. An installed distribution's metadata directory carries its
version in its name (``gevent-26.9.0.dist-info``, the wheel spec's layout), so
the directory beside the package answers; package metadata is read only when
there is no such directory (an egg, a source checkout).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import os
import sys
from functools import cache


def versions() -> str:
    """``"gevent 26.9.0, greenlet 3.5.6"``."""
    return f"gevent {version_of('gevent')}, greenlet {version_of('greenlet')}"


def unpatched_line() -> str:
    """The header line of a run that does not patch."""
    return f"gevent-lab: {versions()}; patching: off (enable with --gevent-patch)"


@cache
def version_of(name: str) -> str:
    """The installed version of the distribution that provides package ``name``."""
    module = sys.modules.get(name)
    if module is not None:
        return str(getattr(module, "__version__", "?"))
    found = _from_dist_info(name)
    if found is not None:
        return found
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:  # pragma: no cover - gevent is a dependency
        return "not installed"


def _from_dist_info(name: str) -> str | None:
    from importlib.util import find_spec

    spec = find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    package_dir = os.path.dirname(next(iter(spec.submodule_search_locations)))
    prefix = f"{name}-"
    try:
        entries = os.listdir(package_dir)
    except OSError:
        return None
    found = [
        entry[len(prefix) : -len(".dist-info")]
        for entry in entries
        if entry.lower().startswith(prefix) and entry.endswith(".dist-info")
    ]
    return found[0] if len(found) == 1 else None  # several: let the metadata decide
