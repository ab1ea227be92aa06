"""Claims: ``@pytest.mark.claim``, the ``record_figure`` fixture, and the claims table.

- ``marker``: the claim marker's arguments, attached to each test at collection;
- ``figures``: what the ``record_figure`` fixture records with (``RecordFigure``, its type);
- ``plugin``: the hooks (claim markers found at collection, reports handed to
  ``verdicts``) and the ``record_figure`` fixture;
- ``verdicts``: each claimed test's verdict, filed where the run reports;
- ``names``: what start-up needs (the marker line, the property, the section);
- ``table``: the claims table of the terminal summary.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .figures import RecordFigure

__all__ = ["RecordFigure"]


def __getattr__(name: str) -> Any:
    if name == "RecordFigure":  # a Protocol costs its creation: only for those who name it
        from .figures import RecordFigure

        return RecordFigure
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
