"""Repros of what real code and real projects' suites found (issues 10 and 16).

Each test writes a minimal project and runs it in a fresh pytest
(``lab.run_isolated``: a deadline, its own process group, no orphans; see
``tests/plugins/isolated_run.py``). A test of a bug not fixed yet is marked
``xfail(strict=True)`` with its issue item, so it turns red once fixed.
"""
