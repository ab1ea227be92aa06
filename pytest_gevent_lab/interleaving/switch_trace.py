"""Which greenlet really ran when: a record of greenlet switches through ``greenlet.settrace``.

``with switch_trace() as trace:`` installs a trace function for the current
thread (greenlet trace functions are per thread) and chains to the one that
was there before (coverage, a debugger), so both see every switch; leaving the
block puts the previous one back, also when the body raises.

Cost matters: the trace runs on every switch. It only appends the target
greenlet and names it the first time it is seen (names need a live greenlet,
see greenlet_names); filtering and naming the sequence happen when asked.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any

import greenlet
from gevent.hub import Hub

from ..greenlets.naming import GreenletNames
from . import timeline

TraceFunction = Callable[[str, tuple[Any, Any]], Any]

# Trace callback -> its SwitchTrace (also after close: it may still be chained).
_owners: weakref.WeakKeyDictionary[TraceFunction, SwitchTrace] = weakref.WeakKeyDictionary()


def _first_recording(trace: TraceFunction | None) -> TraceFunction | None:
    """``trace``, or the first trace it chains to that is not a closed switch_trace's."""
    owner = _owners.get(trace) if trace is not None else None
    while owner is not None and not owner._active:
        trace = owner._previous
        owner = _owners.get(trace) if trace is not None else None
    return trace


class SwitchTrace:
    """The greenlets that ran inside a ``with`` block, in order.

    ``sequence`` starts with the greenlet that entered the block; the hub is
    left out unless ``include_hub=True``, and a greenlet that runs again right
    after itself (it went through the hub with nothing else to do) appears once.
    """

    def __init__(self, *, include_hub: bool = False) -> None:
        self.include_hub = include_hub
        self._targets: list[Any] = []
        self._names: dict[Any, str] = {}
        self._name_of = GreenletNames()
        self._previous: TraceFunction | None = None
        self._owner: Any = None
        self._active = False
        self._callback: TraceFunction | None = None

    def __enter__(self) -> SwitchTrace:
        if self._active or self._owner is not None:
            raise RuntimeError("this switch_trace was already used; create a new one per block")
        current = greenlet.gettrace()
        other = _owners.get(current) if current is not None else None
        if other is not None and other._active and other._owner is not greenlet.getcurrent():
            # Per-thread trace functions cannot follow two greenlets' blocks that end
            # in any order: the later exit would reinstall a finished trace.
            raise RuntimeError(
                f"switch_trace is already active in greenlet {other._name_of(other._owner)!r} "
                f"of this thread; a second one in greenlet "
                f"{self._name_of(greenlet.getcurrent())!r} cannot be installed safely. "
                "Use one switch_trace around both, or nest them in the same greenlet."
            )
        self._owner = greenlet.getcurrent()
        self._names[self._owner] = self._name_of(self._owner)
        self._targets.append(self._owner)
        self._previous = current
        self._active = True
        self._callback = self._make_callback(current)
        greenlet.settrace(self._callback)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop recording and reinstall the previous trace function (idempotent).

        Blocks closed out of order (the outer one first) each stop recording
        at once; the trace function is taken out when the last one closes,
        and never comes back (the old way reinstalled the closed outer one).
        """
        if not self._active:
            return
        self._active = False
        if greenlet.gettrace() == self._callback:
            greenlet.settrace(_first_recording(self._previous))
        # else: a later trace chains to ours; ours stays in that chain, forwarding only.

    def _make_callback(self, previous: TraceFunction | None) -> TraceFunction:
        # A closure over locals: per switch, one call, one append and one dict lookup.
        append, names, name_of = self._targets.append, self._names, self._name_of

        def on_switch(event: str, args: tuple[Any, Any]) -> None:
            if not self._active:
                return
            target = args[1]
            append(target)
            if target not in names:
                names[target] = name_of(target)

        callback: TraceFunction = on_switch
        if previous is not None:
            chain = previous

            def chained(event: str, args: tuple[Any, Any]) -> None:
                on_switch(event, args)
                chain(event, args)

            callback = chained
        _owners[callback] = self
        return callback

    @property
    def sequence(self) -> list[str]:
        """Names of the greenlets in the order they ran (see the class docstring)."""
        names: list[str] = []
        for target in self._targets:
            if not self.include_hub and isinstance(target, Hub):
                continue
            name = self._names[target]
            if not names or names[-1] != name:
                names.append(name)
        return names

    def __len__(self) -> int:
        """Switches seen, the hub's included."""
        return max(0, len(self._targets) - 1)

    def assert_sequence(self, expected: Sequence[str]) -> None:
        """``sequence`` is exactly ``expected``; on failure, shows both and a timeline."""
        __tracebackhide__ = True
        if isinstance(expected, str) or not all(isinstance(name, str) for name in expected):
            raise TypeError(f"assert_sequence() takes a list of greenlet names, got {expected!r}")
        expected = list(expected)
        actual = self.sequence
        found = timeline.mismatch(expected, actual, nothing="nothing")
        if found is None:
            return
        first, got, want = found
        lines = [
            f"assert_sequence: step {first + 1} ran {got}, expected {want}",
            "",
            *timeline.side_by_side(expected, actual, what="step"),
            "",
            *timeline.timeline([(name, "runs") for name in actual], {first}, what="step"),
        ]
        raise AssertionError("\n".join(lines))
