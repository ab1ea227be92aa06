"""Claims: ``@pytest.mark.claim``, the ``record_figure`` fixture, and the claims table.

- ``marker``: the claim marker's arguments, attached to each test at collection;
- ``figures``: the ``record_figure`` fixture (``RecordFigure``, its type);
- ``plugin``: each claimed test's verdict, filed where the run reports;
- ``table``: the claims table of the terminal summary.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from .figures import RecordFigure

__all__ = ["RecordFigure"]
