"""``ExploringOrder``: the :class:`Order` of a ``gevent_schedules`` test, and the steps it took.

Installed for the whole test (setup to teardown) so that the sockets its
fixtures open get ordered I/O watchers (``ordered_io``); it keeps gevent's
order, batch by batch, except between :meth:`begin` and :meth:`end`, the
runs of the body, where each batch runs in the order the run's
:class:`~.strategies.Schedule` gives. Every element it orders during a run
is recorded as a :class:`~.steps.Step`: the schedule taken, which the failure
shows as a timeline.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from ..greenlets.naming import GreenletNames
from .order import BatchKind
from .steps import HUB_COLUMN, Step, target
from .strategies import Schedule

T = TypeVar("T")
MAX_STEPS = 20_000  # steps kept per run; a longer run is counted beyond that


class ExploringOrder:
    """gevent's order outside runs; the run's schedule inside, recording each step."""

    fifo = False

    def __init__(self) -> None:
        self.schedule: Schedule | None = None
        self.steps: list[Step] = []
        self.steps_total = 0
        self._names = GreenletNames()
        self._raw = isinstance  # bound once: the hot path below

    def begin(self, schedule: Schedule) -> None:
        """Order every batch by ``schedule`` from now on, recording the steps anew."""
        self.schedule = schedule
        self.steps = []
        self.steps_total = 0
        self._names = GreenletNames()

    def end(self) -> list[Step]:
        """Back to gevent's order; the steps of the run that ends."""
        self.schedule = None
        steps, self.steps = self.steps, []
        return steps

    def arrange(self, kind: BatchKind, batch: Sequence[T]) -> Sequence[T]:
        schedule = self.schedule
        if schedule is None:
            return batch
        targets = [_target_of(element, kind) for element in batch]
        keys = [_hashable(found) for found, _ in targets]
        positions = schedule.order(keys)
        steps, name = self.steps, self._names
        for position in positions:
            found, what = targets[position]
            if what is None:
                continue  # stopped before it could run
            self.steps_total += 1
            if len(steps) < MAX_STEPS:
                column = name(found) if _is_greenlet(found) else HUB_COLUMN
                steps.append(Step(column, what))
        return [batch[position] for position in positions]

    def __repr__(self) -> str:
        if self.schedule is None:
            return "gevent's order (between runs)"
        return f"{self.schedule.strategy} schedule, seed {self.schedule.seed}"


def _target_of(element: Any, kind: BatchKind) -> tuple[Any, str | None]:
    callback = getattr(element, "callback", None)
    if callback is None:
        return element, None
    describe = getattr(getattr(callback, "__self__", None), "describe_step", None)
    if describe is not None:  # an ordered I/O watcher's callback
        found, what = describe()
    else:
        found, what = target(callback, getattr(element, "args", None))
    if kind == "timers":
        what = f"timer: {what}"
    return found, what


def _hashable(found: Any) -> Any:
    try:
        hash(found)
    except TypeError:
        return id(found)
    return found


def _is_greenlet(found: Any) -> bool:
    from greenlet import greenlet

    return isinstance(found, greenlet)
