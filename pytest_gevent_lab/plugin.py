"""pytest-gevent-lab's entry point: options, the early patching hook, the capabilities.

Each capability owns its hooks in a plugin object that its ``configure``
registers (the way pytest registers ``LoggingPlugin``); this module only
declares the options, patches at the earliest moment, registers the
capabilities and re-exports their fixtures (pytest finds fixtures in this
module's namespace).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import pytest

from . import (
    _load_the_rest_plainly,
    markers,
    real_time,  # noqa: F401  (loaded now, before any test can make clocks virtual)
    results,
    traces,
)
from .claims import plugin as claims
from .claims.plugin import record_figure
from .greenlets import plugin as greenlets
from .greenlets.fixtures import gevent_pool, spawn
from .greenlets.servers import wsgi_server
from .interleaving.fixtures import interleaving, sequencer, switch_trace
from .patching import mode as patching
from .scheduling import gevent_clock, schedules
from .scheduling import virtual_time as scheduling
from .speedup import plugin as speedup
from .speedup.plugin import gevent_mode

# Fixtures pytest finds in this module's namespace.
__all__ = [
    "gevent_clock",
    "gevent_mode",
    "gevent_pool",
    "interleaving",
    "record_figure",
    "sequencer",
    "spawn",
    "switch_trace",
    "wsgi_server",
]


def pytest_addoption(parser: pytest.Parser) -> None:
    # Again, for the launcher: it imported the package before pytest's hook existed.
    _load_the_rest_plainly()
    patching.add_options(parser)
    greenlets.add_options(parser)
    speedup.add_options(parser)
    scheduling.add_options(parser)
    schedules.add_options(parser)
    results.add_options(parser)
    traces.add_options(parser)


# tryfirst: patching must happen before any conftest (and so any test module)
# imports socket, ssl or threading; this is the earliest hook a plugin gets.
@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config) -> None:
    patching.configure_early(early_config)


def pytest_configure(config: pytest.Config) -> None:
    # The results sink first: every capability reports to it. Its terminal
    # sections print in the order the capabilities are registered here, and
    # their marker checks run in that order.
    results.configure(config)
    markers.configure(config)
    patching.configure(config)
    greenlets.configure(config)
    scheduling.configure(config)
    schedules.configure(config)
    speedup.configure(config)
    claims.configure(config)
    traces.configure(config)
