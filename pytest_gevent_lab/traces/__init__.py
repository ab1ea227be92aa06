"""Pictures of what the greenlets did: ``--gevent-trace=DIR`` writes, for every failed test and
every test marked ``@pytest.mark.gevent_trace``, ``DIR/<test>.json`` (Trace Event Format) and
``DIR/<test>.svg`` (a swimlane picture).

Modules: ``options`` (the flag, the ini value, the folder check), ``plugin``
(the hooks, registered only when tracing is on), ``recorder`` (the per-test
``greenlet.settrace`` recording and the API below), ``current`` (which
recorder is on), ``model`` (the data the files show), the pure writers
``trace_event`` and ``swimlanes`` (with ``marks`` and the panels
``speedup_chart`` and ``schedule_diff``, on ``svg``'s helpers), ``files``
(names, writing).

For the other capabilities, the recording API (see ``recorder``)::

    from pytest_gevent_lab.traces import active_recorder, recorder_of

    recorder = recorder_of(item)  # or active_recorder() where no item is at hand
    if recorder is not None:      # None whenever tracing is off: one check, no cost
        recorder.instant("leak", glet, "still running at teardown")
        recorder.span("hub_block", start, end, "time.sleep(1)", glet=blocker)
        recorder.speedup_rounds(sequential_s, concurrent_s, required=2.1)
        recorder.schedules(failing_steps, passing_steps, first_difference=7)
        recorder.use_clock(clock.time)  # virtual time

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from . import options
from .current import active_recorder, recorder_of

if TYPE_CHECKING:
    from .recorder import Recorder

MARKER = (
    "gevent_trace: with --gevent-trace=DIR, write this test's greenlet timeline "
    "(DIR/<test>.json and .svg) even when it passes."
)
add_options = options.add_options

__all__ = ["MARKER", "Recorder", "active_recorder", "add_options", "configure", "recorder_of"]


def configure(config: pytest.Config) -> None:
    """Register the marker; register the hooks only when a trace folder is given."""
    config.addinivalue_line("markers", MARKER)
    directory = options.directory(config)
    if directory is None:
        return
    from .plugin import PLUGIN_NAME, TracePlugin

    config.pluginmanager.register(TracePlugin(config, directory), PLUGIN_NAME)


def __getattr__(name: str) -> Any:
    if name == "Recorder":  # imports gevent: only for those who ask
        from .recorder import Recorder

        return Recorder
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
