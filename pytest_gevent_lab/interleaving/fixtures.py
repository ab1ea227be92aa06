"""The ``interleaving``, ``switch_trace`` and ``sequencer`` fixtures.

Kept apart from the helpers they return so that loading the plugin imports
neither gevent nor greenlet: a run that never asks for them pays nothing.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .log import Interleaving
    from .sequencer import Sequencer
    from .switch_trace import SwitchTrace


@pytest.fixture
def interleaving() -> Interleaving:
    """An :class:`Interleaving` log for this test."""
    from .log import Interleaving

    return Interleaving()


@pytest.fixture
def switch_trace() -> Iterator[Callable[..., SwitchTrace]]:
    """``with switch_trace(include_hub=False) as trace:`` records greenlet switches."""
    from .switch_trace import SwitchTrace

    made: list[SwitchTrace] = []

    def make(*, include_hub: bool = False) -> SwitchTrace:
        trace = SwitchTrace(include_hub=include_hub)
        made.append(trace)
        return trace

    yield make
    # A trace entered without a ``with`` and never closed would outlive the test.
    for trace in reversed(made):
        trace.close()


@pytest.fixture
def sequencer() -> Sequencer:
    """A :class:`Sequencer` for this test."""
    from .sequencer import Sequencer

    return Sequencer()
