"""The hub-blocking sampler keeps only stacks of the blocking code, never of its own trace."""

from __future__ import annotations

import sys
from types import FrameType
from typing import Any

from pytest_gevent_lab.greenlets.blocking import BlockWatch, _Slices
from pytest_gevent_lab.real_time import perf_counter


def test_a_sample_taken_inside_the_trace_function_is_not_the_blocking_stack() -> None:
    inside: list[FrameType] = []

    def chained(event: str, args: Any) -> None:  # called by the trace: its frame is below
        inside.append(sys._getframe())

    slices = _Slices(BlockWatch(threshold=0.01), chained, schedstat=None)
    slices.trace("other", (None, None))  # neither greenlet is the hub: only chains
    slices.begin("a greenlet", counts=True)
    slices.started = perf_counter() - 1.0  # it has run for a second
    slices.sample(inside[0])
    assert slices.sampled is None  # the stack was the plugin's, between two slices

    slices.sample(sys._getframe())  # the blocking code itself
    assert slices.sampled is not None
    number, elapsed, stack, _ = slices.sampled
    assert number == slices.slice
    assert elapsed >= 1.0
    assert stack is not None
    assert "test_a_sample_taken_inside_the_trace_function_is_not_the_blocking_stack" in stack
