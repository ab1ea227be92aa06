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


def _load_the_rest_plainly() -> None:
    """Let Python's own loader import the rest of the package, not pytest's rewriting hook.

    pytest marks every module of a ``pytest11`` plugin's distribution for
    assertion rewriting, and its import hook loads each of them even when
    the module opts out with ``PYTEST_DONT_REWRITE`` (all of ours do): it
    reads the cached code with ``marshal.load`` on a file, ~1.2 M
    instructions a module, 36 M of the 79 M an empty run paid for the plugin
    (issue 15). Unmarking the package changes no code that runs (nothing of
    it was rewritten) and nothing for anyone else's modules. A hook without
    ``_must_rewrite`` (another pytest) is left as it is: only slower.
    """
    import sys

    for finder in sys.meta_path:
        marked = getattr(finder, "_must_rewrite", None)
        if isinstance(marked, set) and __name__ in marked:
            marked.discard(__name__)
            cache = getattr(finder, "_marked_for_rewrite_cache", None)
            if isinstance(cache, dict):
                cache.clear()  # as mark_rewrite() does: the answers are computed again


_load_the_rest_plainly()  # pytest imports this package first, for its entry point
