"""Whether a collected node carries a marker: the question every capability asks of every test.

pytest's ``get_closest_marker`` walks the node and its parents through three
nested generators. Each capability asks it at collection whether a test
carries its marker, and almost always the answer is no: seven walks per test
in a run that uses none of the plugin. A plain loop over the same
``own_markers`` answers in a fraction of the instructions; when the answer is
yes, the marker itself still comes from pytest.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TypeVar

import pytest

ItemType = TypeVar("ItemType", bound=pytest.Item)


def carries(node: pytest.Item | pytest.Collector, name: str) -> bool:
    """``node.get_closest_marker(name) is not None``: ``name`` is on the node or a parent."""
    current: pytest.Item | pytest.Collector | None = node
    while current is not None:
        for mark in current.own_markers:
            if mark.name == name:
                return True
        current = current.parent
    return False


def marked(report: pytest.CollectReport, name: str, kind: type[ItemType]) -> list[ItemType]:
    """The ``kind`` tests (e.g. ``pytest.Function``) of a collector's report that carry ``name``."""
    return [node for node in report.result if carries(node, name) and isinstance(node, kind)]


def closest(node: pytest.Item | pytest.Collector, names: Collection[str]) -> dict[str, pytest.Mark]:
    """The closest marker of each of ``names`` the node carries (``get_closest_marker`` each)."""
    found: dict[str, pytest.Mark] = {}
    current: pytest.Item | pytest.Collector | None = node
    while current is not None:
        for mark in current.own_markers:
            if mark.name in names and mark.name not in found:
                found[mark.name] = mark
        current = current.parent
    return found
