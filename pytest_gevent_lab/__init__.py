"""pytest-gevent-lab: the pytest plugin for code that runs on gevent.

The plugin itself loads through the ``pytest11`` entry point (``plugin.py``);
importing this package imports neither gevent nor any module gevent patches.

PYTEST_DONT_REWRITE: ``python -m pytest_gevent_lab`` imports this package
before pytest exists; nothing here relies on assertion rewriting.
"""

from __future__ import annotations

__version__ = "0.1.0"

# --- public types (interleaving assertions, the virtual clock): lazy, so that importing
# the package stays gevent-free ---
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .claims import RecordFigure
    from .interleaving import Interleaving
    from .scheduling.clock import VirtualClock
    from .sequencer import Sequencer
    from .switch_trace import SwitchTrace

__all__ = [
    "Interleaving",
    "RecordFigure",
    "Sequencer",
    "SwitchTrace",
    "VirtualClock",
    "__version__",
]

_LAZY = {
    "RecordFigure": "claims",
    "Interleaving": "interleaving",
    "Sequencer": "sequencer",
    "SwitchTrace": "switch_trace",
    "VirtualClock": "scheduling.clock",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f"{__name__}.{module}"), name)
