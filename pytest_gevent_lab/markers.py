"""Which collected tests carry the plugin's markers: what every capability asks of every test.

pytest's ``get_closest_marker`` walks the node and its parents through three
nested generators, and six capabilities each ask it of every collected test,
twice (when the collector reports, and after the conftests' own
``pytest_collection_modifyitems``), while the answer is almost always no. So
one object asks for all of them, behind one collection wrapper and one
``modifyitems`` hook: it finds, in one pass over a batch (a collector's
report, or the run's items), the nodes that carry any of the markers
registered with it, walking each parent once per batch, and hands each
capability only the nodes that carry one of its markers. A test no marker
touches costs a loop iteration. When the answer is yes, the marker itself
still comes from pytest (``iter_markers``) or :func:`closest`.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Generator, Sequence
from typing import Any

import pytest

Node = pytest.Item | pytest.Collector


def closest(node: Node, names: Collection[str]) -> dict[str, pytest.Mark]:
    """The closest marker of each of ``names`` the node carries (``get_closest_marker`` each)."""
    found: dict[str, pytest.Mark] = {}
    current: Node | None = node
    while current is not None:
        for mark in current.own_markers:
            if mark.name in names and mark.name not in found:
                found[mark.name] = mark
        current = current.parent
    return found


class Carried:
    """The nodes of one batch that carry any of the registered markers, and which ones."""

    __slots__ = ("_found",)

    def __init__(self, found: list[tuple[Node, frozenset[str]]]) -> None:
        self._found = found  # in the batch's order

    def __bool__(self) -> bool:
        return bool(self._found)

    def items(self, names: Collection[str]) -> list[pytest.Item]:
        """The tests that carry any of ``names``."""
        return self._carrying(names, pytest.Item)

    def functions(self, names: Collection[str]) -> list[pytest.Function]:
        """The Python test functions that carry any of ``names``."""
        return self._carrying(names, pytest.Function)

    def _carrying(self, names: Collection[str], kind: type) -> list[Any]:
        return [
            node
            for node, carried in self._found
            if not carried.isdisjoint(names) and isinstance(node, kind)
        ]


# A check of a collector's report (it may fail the report); a check of the run's items.
ReportCheck = Callable[[pytest.CollectReport, Carried], None]
ItemsCheck = Callable[[list[pytest.Item], Carried], None]


class MarkerChecks:
    """Every capability's marker checks, one pass per batch for all of them.

    Checks run in the order they were added (the order the capabilities are
    configured in), each after the ones before it changed the report.
    """

    def __init__(self) -> None:
        self._names: frozenset[str] = frozenset()
        self._report_checks: list[ReportCheck] = []
        self._items_checks: list[ItemsCheck] = []

    def add(
        self,
        names: Collection[str],
        report: ReportCheck | None = None,
        items: ItemsCheck | None = None,
    ) -> None:
        """Look for ``names`` too; call ``report`` per collector and ``items`` once per run.

        Each is called every time, also with no node carrying its markers: a
        capability may look at every test (an option that applies to all of them).
        """
        self._names |= frozenset(names)
        if report is not None:
            self._report_checks.append(report)
        if items is not None:
            self._items_checks.append(items)

    def find(self, nodes: Sequence[Node]) -> Carried:
        """The nodes that carry any of the registered markers, on themselves or a parent."""
        ours = self._names
        found: list[tuple[Node, frozenset[str]]] = []
        parent: Node | None = None
        above: frozenset[str] = frozenset()
        for node in nodes:
            if node.parent is not parent:  # a batch's nodes mostly share their parent
                parent = node.parent
                above = frozenset(closest(parent, ours)) if parent is not None else frozenset()
            names = above
            for mark in node.own_markers:  # most tests have none
                if mark.name in ours:
                    names = names | {mark.name}
            if names:
                found.append((node, names))
        return Carried(found)

    @pytest.hookimpl(wrapper=True)
    def pytest_make_collect_report(
        self,
    ) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
        # Per collector, not per item: every kind of item, and every wrong marker of a
        # module is named at once (pytest's own checks stop at the first).
        report = yield
        carried = self.find(report.result)
        for check in self._report_checks:
            check(report, carried)
        return report

    # trylast: after the conftests' own, so that a marker one adds to an item counts.
    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        carried = self.find(items)
        for check in self._items_checks:
            check(items, carried)


_checks_key = pytest.StashKey[MarkerChecks]()


def configure(config: pytest.Config) -> None:
    """Register the checks' hooks; before any capability adds its checks."""
    config.stash[_checks_key] = checks = MarkerChecks()
    config.pluginmanager.register(checks, "gevent_lab.markers")


def checks(config: pytest.Config) -> MarkerChecks:
    return config.stash[_checks_key]
