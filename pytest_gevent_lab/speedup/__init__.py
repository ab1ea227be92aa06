"""The ``concurrent_speedup`` marker: one body, run sequentially and concurrently, judged.

- ``marker``: the marker's arguments, checked at collection;
- ``turns``: the two runs (greenlets take turns, or run together);
- ``runs``: calling the body in its runs and measuring them;
- ``stats``: the verdict (a rank test with two looks), pure functions;
- ``report``: the failure message, hints, summary rows and JSON entry;
- ``plugin``: the hooks.

PYTEST_DONT_REWRITE
"""
