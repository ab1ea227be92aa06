"""A run pays for claims only when a test carries the marker (issue 15: start-up cost)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Lab

RECORD = """
    import sys
    from pathlib import Path


    def pytest_unconfigure(config):
        loaded = sorted(m for m in sys.modules if m.startswith("pytest_gevent_lab.claims."))
        Path("loaded.txt").write_text(" ".join(name.rpartition(".")[2] for name in loaded))
"""


def loaded(lab: Lab, source: str) -> list[str]:
    lab.conftest(RECORD)
    lab.write(source)
    result = lab.run_subprocess()
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    return (lab.path / "loaded.txt").read_text().split()


def test_a_run_without_claims_imports_only_the_names_and_the_plugin(lab: Lab) -> None:
    modules = loaded(lab, "def test_plain():\n    pass\n")
    assert modules == ["names", "plugin"]


def test_a_claimed_test_brings_the_marker_the_verdicts_and_the_table(lab: Lab) -> None:
    modules = loaded(
        lab,
        """
        import pytest

        @pytest.mark.claim("c1", "a claim")
        def test_claimed(record_figure):
            record_figure("answer", 42)
        """,
    )
    assert {"marker", "verdicts", "table", "figures"} <= set(modules)
