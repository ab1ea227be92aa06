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

from greenlet import greenlet as raw_greenlet

from ..greenlets.naming import GreenletNames
from .order import BatchKind
from .ordered_io import OrderedIO
from .steps import HUB_COLUMN, Step, target
from .strategies import Schedule

T = TypeVar("T")
MAX_STEPS = 20_000  # steps kept per run; a longer run is counted beyond that


class ExploringOrder:
    """gevent's order outside runs; the run's schedule inside, recording each step."""

    fifo = False

    def __init__(self) -> None:
        self.schedule: Schedule | None = None
        self.steps_total = 0
        # Per run: (column, what) of each step, and the names given so far. A greenlet is
        # named when first seen (a finished one no longer tells its function).
        self._steps: list[tuple[str, str]] = []
        self._columns: dict[Any, str] = {}
        self._names = GreenletNames()
        self._objects: dict[str, int] = {}  # per type: hub objects numbered so far

    @property
    def steps(self) -> list[Step]:
        """The steps of the run so far."""
        return [Step(*step) for step in self._steps]

    def begin(self, schedule: Schedule) -> None:
        """Order every batch by ``schedule`` from now on, recording the steps anew."""
        self.schedule = schedule
        self._steps = []
        self.steps_total = 0
        self._columns = {}
        self._names = GreenletNames()
        self._objects = {}

    def end(self) -> list[Step]:
        """Back to gevent's order; the steps of the run that ends."""
        self.schedule = None
        steps = self.steps
        self._steps = []
        self._columns = {}
        return steps

    def arrange(self, kind: BatchKind, batch: Sequence[T]) -> Sequence[T]:
        schedule = self.schedule
        if schedule is None:
            return batch
        targets = [_target_of(element, kind) for element in batch]
        positions = schedule.order([found for found, _ in targets])
        steps, columns = self._steps, self._columns
        for position in positions:
            found, what = targets[position]
            if what is None:
                continue  # stopped before it could run
            self.steps_total += 1
            if len(steps) < MAX_STEPS:
                try:
                    column = columns.get(found)
                    if column is None:
                        column = columns[found] = self._column_of(found)
                except TypeError:  # unhashable: numbered anew each time
                    column = self._column_of(found)
                if column.startswith(_HUB_PREFIX):
                    # "hub\0AsyncResult#2": the hub's column, the object's number.
                    label = column[len(_HUB_PREFIX) :]
                    joined = what if not what or what.startswith(".") else f" {what}"
                    steps.append((HUB_COLUMN, label + joined))
                else:
                    steps.append((column, what))
        return [batch[position] for position in positions]

    def _column_of(self, found: Any) -> str:
        if isinstance(found, raw_greenlet):
            return self._names(found)
        kind = type(found).__name__
        number = self._objects[kind] = self._objects.get(kind, 0) + 1
        return f"{_HUB_PREFIX}{kind}#{number}"

    def __repr__(self) -> str:
        if self.schedule is None:
            return "gevent's order (between runs)"
        return f"{self.schedule.strategy} schedule, seed {self.schedule.seed}"


_HUB_PREFIX = HUB_COLUMN + "\0"


def _target_of(element: Any, kind: BatchKind) -> tuple[Any, str | None]:
    callback = element.callback
    if callback is None:
        return element, None
    if type(getattr(callback, "__self__", None)) is OrderedIO:
        found, what = callback.__self__.describe_step()
    else:
        found, what = target(callback, element.args)
    if kind == "timers":
        what = f"timer: {what}"
    return found, what
