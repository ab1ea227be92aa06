"""An order log for concurrent code: record labels from greenlets and threads, assert the order.

``interleaving.record("label")`` notes who ran what, when. The assertions say
what a test means ("foo and bar took turns", "the consumer started before the
producer finished") and, when they fail, show expected against actual and a
timeline with one column per greenlet (see interleaving.timeline).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Iterator, Sequence
from typing import Literal, NamedTuple

from gevent import monkey
from greenlet import getcurrent

from ..greenlets.naming import GreenletNames
from . import timeline

# The OS thread, also in a patched process (where threading.get_ident names the greenlet).
_os_thread_id = monkey.get_original("_thread", "get_ident")

GroupBy = Literal["label", "greenlet"]
GROUP_BY = ("label", "greenlet")


class Event(NamedTuple):
    """One ``record()`` call."""

    label: str
    greenlet: str  # see greenlet_names: a user-given name, else the function, or "main"
    pid: int
    thread_id: int  # the OS thread, also under --gevent-patch
    time: float  # time.monotonic()


class Interleaving:
    """A log of labelled events; see the README section "Interleaving assertions".

    Example (the article's foo and bar)::

        def foo():
            log.record("Running in foo")
            gevent.sleep(0)
            log.record("Explicit context switch to foo again")

        def bar():
            log.record("Explicit context to bar")
            gevent.sleep(0)
            log.record("Implicit context switch back to bar")

        gevent.joinall([gevent.spawn(foo), gevent.spawn(bar)])
        log.assert_interleaved("foo", "bar", by="greenlet")
    """

    def __init__(self) -> None:
        self.events: list[Event] = []
        self._name_of = GreenletNames()

    def record(self, label: str) -> None:
        """Note ``label`` for the calling greenlet or thread (safe from any thread)."""
        if not isinstance(label, str):
            raise TypeError(
                f"Interleaving.record() takes a str label, got {label!r}; "
                "pass text such as record('foo started')"
            )
        self.events.append(
            Event(
                label, self._name_of(getcurrent()), os.getpid(), _os_thread_id(), time.monotonic()
            )
        )

    @property
    def labels(self) -> list[str]:
        return [event.label for event in self.events]

    def __len__(self) -> int:
        return len(self.events)

    def __iter__(self) -> Iterator[Event]:
        return iter(list(self.events))

    def assert_order(self, expected: Iterable[str]) -> None:
        """The recorded labels are exactly ``expected``, in that order."""
        __tracebackhide__ = True
        expected = _labels_argument(expected)
        actual = self.labels
        found = timeline.mismatch(expected, actual, nothing="no more events")
        if found is None:
            return
        first, got, want = found
        self._fail(
            f"assert_order: event {first + 1} is {got}, expected {want} "
            f"({len(actual)} recorded, {len(expected)} expected)",
            {first},
            side_by_side=expected,
        )

    def assert_before(self, a: str, b: str) -> None:
        """Every event labelled ``a`` comes before every event labelled ``b`` (exact labels).

        "Every before every", not "first before first": the last ``a`` precedes
        the first ``b``. For "``a`` starts before ``b`` starts", record a distinct
        start label and assert on that.
        """
        __tracebackhide__ = True
        first_b = self._indices(b, "label", "assert_before")[0]
        last_a = self._indices(a, "label", "assert_before")[-1]
        if last_a > first_b:
            self._fail(
                f"assert_before({a!r}, {b!r}): every {a!r} must come before every {b!r}, "
                f"but {b!r} is event {first_b + 1} and {a!r} is event {last_a + 1}",
                {first_b, last_a},
            )

    def assert_interleaved(self, a: str, b: str, *, by: GroupBy = "label") -> None:
        """Groups ``a`` and ``b`` overlap in record order: concurrency happened.

        ``by="label"``: a group is every event whose label starts with the
        string; ``by="greenlet"``: every event recorded by the greenlet of that name.
        """
        __tracebackhide__ = True
        in_a, in_b = self._groups(a, b, by, "assert_interleaved")
        if in_a[-1] < in_b[0] or in_b[-1] < in_a[0]:
            first, second = (a, b) if in_a[-1] < in_b[0] else (b, a)
            self._fail(
                f"assert_interleaved({a!r}, {b!r}, by={by!r}): no interleaving: every event "
                f"of {first!r} comes before every event of {second!r}",
                {*in_a, *in_b},
            )

    def assert_not_interleaved(self, a: str, b: str, *, by: GroupBy = "label") -> None:
        """All of group ``a`` comes before all of group ``b``, or after it: no overlap."""
        __tracebackhide__ = True
        in_a, in_b = self._groups(a, b, by, "assert_not_interleaved")
        shared = sorted(set(in_a) & set(in_b))
        if shared:  # overlapping prefixes ("a" and "ab"): an event in both groups
            self._fail(
                f"assert_not_interleaved({a!r}, {b!r}, by={by!r}): event {shared[0] + 1} "
                f"({self.events[shared[0]].label!r}) belongs to both groups",
                set(shared),
            )
        if not (in_a[-1] < in_b[0] or in_b[-1] < in_a[0]):
            outer, inner = (in_a, in_b) if in_a[0] < in_b[0] else (in_b, in_a)
            intruder = next(i for i in inner if outer[0] < i < outer[-1])
            after = max(i for i in outer if i < intruder)
            self._fail(
                f"assert_not_interleaved({a!r}, {b!r}, by={by!r}): event {intruder + 1} "
                f"comes between events {after + 1} and {outer[-1] + 1} of the other group",
                {after, intruder, outer[-1]},
            )

    def assert_one_thread(self) -> None:
        """Every event came from one process and one OS thread (greenlets share a thread)."""
        __tracebackhide__ = True
        places: dict[tuple[int, int], list[int]] = {}
        for index, event in enumerate(self.events):
            places.setdefault((event.pid, event.thread_id), []).append(index)
        if len(places) > 1:
            where = "; ".join(
                f"pid {pid} thread {tid}: {len(rows)} events, first {rows[0] + 1}"
                for (pid, tid), rows in places.items()
            )
            self._fail(
                f"assert_one_thread: events came from {len(places)} threads ({where})",
                {rows[0] for rows in places.values()},
            )

    def _indices(self, key: str, by: str, method: str) -> list[int]:
        __tracebackhide__ = True
        if by == "label" and method == "assert_before":
            found = [i for i, event in enumerate(self.events) if event.label == key]
        elif by == "label":
            found = [i for i, event in enumerate(self.events) if event.label.startswith(key)]
        else:
            found = [i for i, event in enumerate(self.events) if event.greenlet == key]
        if not found:
            known = sorted({getattr(event, by) for event in self.events})
            how = "label" if method == "assert_before" else f"{by} matching"
            self._fail(f"{method}: no event with {how} {key!r}; recorded {by}s: {known}", set())
        return found

    def _groups(self, a: str, b: str, by: str, method: str) -> tuple[list[int], list[int]]:
        __tracebackhide__ = True
        if by not in GROUP_BY:
            raise ValueError(f"{method}: by={by!r} is not one of {', '.join(GROUP_BY)}")
        return self._indices(a, by, method), self._indices(b, by, method)

    def _fail(
        self, headline: str, marks: set[int], side_by_side: Sequence[str] | None = None
    ) -> None:
        __tracebackhide__ = True
        lines = [headline]
        if side_by_side is not None:
            lines += ["", *timeline.side_by_side(side_by_side, self.labels)]
        rows = [(event.greenlet, event.label) for event in self.events]
        lines += ["", *timeline.timeline(rows, marks)]
        raise AssertionError("\n".join(lines))


def _labels_argument(expected: Iterable[str]) -> list[str]:
    if isinstance(expected, str):
        raise TypeError(f"assert_order() takes a list of str labels, got {expected!r}")
    labels = list(expected)  # once: a generator can be read only once
    if not all(isinstance(label, str) for label in labels):
        raise TypeError(f"assert_order() takes a list of str labels, got {labels!r}")
    return labels
