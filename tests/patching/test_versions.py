"""What a run that does not patch imports of patching: the header's versions, found
from the dist-info directory's name without importing gevent, and no more."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pytest_gevent_lab.patching import versions

if TYPE_CHECKING:
    from conftest import Lab


@pytest.mark.parametrize("name", ["gevent", "greenlet", "pytest"])
def test_the_dist_info_name_agrees_with_the_metadata(name: str) -> None:
    assert versions._from_dist_info(name) == version(name)


def test_a_package_beside_its_dist_info(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "fakepkg").mkdir()
    (tmp_path / "fakepkg" / "__init__.py").write_text("")
    (tmp_path / "fakepkg-1.2.3.dist-info").mkdir()
    monkeypatch.syspath_prepend(str(tmp_path))
    assert versions._from_dist_info("fakepkg") == "1.2.3"
    (tmp_path / "fakepkg-2.0.dist-info").mkdir()  # two: the metadata decides, not a guess
    assert versions._from_dist_info("fakepkg") is None
    assert versions._from_dist_info("no_such_package_here") is None


def test_the_header_line_imports_no_gevent() -> None:
    code = (
        "import sys\n"
        "from pytest_gevent_lab.patching.versions import unpatched_line\n"
        "print(unpatched_line())\n"
        "print('gevent' in sys.modules, 'greenlet' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    line, imported = done.stdout.splitlines()
    assert line == (
        f"gevent-lab: gevent {version('gevent')}, greenlet {version('greenlet')}; "
        "patching: off (enable with --gevent-patch)"
    )
    assert imported == "False False"


LOADED = """
    import sys
    from pathlib import Path


    def pytest_unconfigure(config):
        ours = sorted(m for m in sys.modules if m.startswith("pytest_gevent_lab.patching."))
        Path("loaded.txt").write_text(" ".join(name.rpartition(".")[2] for name in ours))
"""


@pytest.mark.parametrize(
    ("patched", "expected"),
    [
        (False, ["mode", "versions", "xdist"]),  # versions: for the header
        (True, ["mode", "native", "process", "versions", "xdist"]),
    ],
    ids=["plain", "patched"],
)
def test_only_a_patched_run_imports_process_and_native(
    lab: Lab, patched: bool, expected: list[str]
) -> None:
    # issue 15: process and native (with PatchReport, a dataclass) cost every
    # run's start-up ~10 M instructions; a run that does not patch needs neither.
    lab.conftest(LOADED)
    lab.write("def test_plain():\n    pass\n")
    result = lab.run_patched() if patched else lab.run_subprocess()
    result.assert_outcomes(passed=1)
    assert (lab.path / "loaded.txt").read_text().split() == expected
