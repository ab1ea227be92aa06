"""pytest-gevent-lab: the pytest plugin for code that runs on gevent.

The plugin itself loads through the ``pytest11`` entry point (``plugin.py``).
This module is the public import path of everything users name in code:
the exceptions and warnings the checks raise, the fixtures' types, the
interleaving helpers and ``watch``. They are loaded on first use, so that
importing the package imports neither gevent nor any module gevent patches.

Where things live: one subpackage per capability — ``patching/``,
``greenlets/``, ``interleaving/``, ``speedup/``, ``claims/`` — each owning its
hooks; ``results.py`` is the sink they all report to, ``options.py``,
``failures.py`` and ``markers.py`` are shared helpers. Dependencies run one way: speedup,
interleaving, claims and traces use greenlets; greenlets uses patching; nothing
imports upward, but for ``traces.current``: a registry with no imports of its
own that the checks ask whether a ``--gevent-trace`` recorder is on.

PYTEST_DONT_REWRITE: ``python -m pytest_gevent_lab`` imports this package
before pytest exists; nothing here relies on assertion rewriting.
"""

from __future__ import annotations

__version__ = "0.1.0"

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .claims.figures import RecordFigure
    from .greenlets.blocking import BlockWatch, watch
    from .greenlets.exceptions import (
        GeventTimeout,
        GreenletError,
        GreenletLeakWarning,
        HubBlockedError,
        LeakedGreenletError,
    )
    from .greenlets.fixture_types import GeventPool, Spawn
    from .interleaving.log import Interleaving
    from .interleaving.sequencer import Sequencer
    from .interleaving.switch_trace import SwitchTrace
    from .scheduling.clock import VirtualClock
    from .speedup.turns import Mode as GeventMode

__all__ = [
    "BlockWatch",
    "GeventMode",
    "GeventPool",
    "GeventTimeout",
    "GreenletError",
    "GreenletLeakWarning",
    "HubBlockedError",
    "Interleaving",
    "LeakedGreenletError",
    "RecordFigure",
    "Sequencer",
    "Spawn",
    "SwitchTrace",
    "VirtualClock",
    "__version__",
    "watch",
]

# public name -> (module, name in it)
_LAZY = {
    "BlockWatch": ("greenlets.blocking", "BlockWatch"),
    "GeventMode": ("speedup.turns", "Mode"),
    "GeventPool": ("greenlets.fixture_types", "GeventPool"),
    "GeventTimeout": ("greenlets.exceptions", "GeventTimeout"),
    "GreenletError": ("greenlets.exceptions", "GreenletError"),
    "GreenletLeakWarning": ("greenlets.exceptions", "GreenletLeakWarning"),
    "HubBlockedError": ("greenlets.exceptions", "HubBlockedError"),
    "Interleaving": ("interleaving.log", "Interleaving"),
    "LeakedGreenletError": ("greenlets.exceptions", "LeakedGreenletError"),
    "RecordFigure": ("claims.figures", "RecordFigure"),
    "Sequencer": ("interleaving.sequencer", "Sequencer"),
    "Spawn": ("greenlets.fixture_types", "Spawn"),
    "SwitchTrace": ("interleaving.switch_trace", "SwitchTrace"),
    "VirtualClock": ("scheduling.clock", "VirtualClock"),
    "watch": ("greenlets.blocking", "watch"),
}


def __getattr__(name: str) -> Any:
    found = _LAZY.get(name)
    if found is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    module, attribute = found
    return getattr(import_module(f"{__name__}.{module}"), attribute)


def __dir__() -> list[str]:
    return sorted(__all__)
