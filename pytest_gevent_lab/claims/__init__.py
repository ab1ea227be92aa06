"""Claims: ``@pytest.mark.claim``, the ``record_figure`` fixture, and the claims table.

- ``marker``: the claim marker's arguments, attached to each test at collection;
- ``figures``: the ``record_figure`` fixture (``RecordFigure``, its type);
- ``plugin``: the hooks: claim markers found at collection, reports handed to ``verdicts``;
- ``verdicts``: each claimed test's verdict, filed where the run reports;
- ``names``: what start-up needs (the marker line, the property, the section);
- ``table``: the claims table of the terminal summary.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from .figures import RecordFigure

__all__ = ["RecordFigure"]
