"""What the ``record_figure`` fixture hands a test: the evidence a claimed test measured.

The fixture itself is in ``plugin`` (loaded at start-up); this, with the
type, only when a test asks for it.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import math
from typing import Protocol

import pytest

from .. import results
from .names import CLAIM_PROPERTY


class RecordFigure(Protocol):
    """The ``record_figure`` fixture: ``record_figure(name, value, unit, *, article=None)``."""

    def __call__(
        self,
        name: str,
        value: float | str,
        unit: str = "",
        *,
        article: float | str | None = None,
    ) -> None: ...


def _check_value(what: str, value: object) -> None:
    if isinstance(value, str):
        return
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"record_figure: {what} must be a number or a string, got {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"record_figure: {what} must be a finite number, got {value!r}")


def make_recorder(item: pytest.Item) -> RecordFigure:
    def record_figure(
        name: str,
        value: float | str,
        unit: str = "",
        *,
        article: float | str | None = None,
    ) -> None:
        if not any(key == CLAIM_PROPERTY for key, _ in item.user_properties):
            pytest.fail(
                f"record_figure({name!r}, ...) in {item.nodeid}: figures are the evidence "
                "of a claim, but this test has no @pytest.mark.claim(...) marker; add one",
                pytrace=False,
            )
        if not isinstance(name, str) or not name:
            raise TypeError(f"record_figure: name must be a non-empty string, got {name!r}")
        if not isinstance(unit, str):
            raise TypeError(f"record_figure: unit must be a string, got {unit!r}")
        _check_value("value", value)
        if article is not None:
            _check_value("article", article)
        results.add_figure(item, results.Figure(name=name, value=value, unit=unit, article=article))

    return record_figure
