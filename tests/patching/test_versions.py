"""The header's versions come from the dist-info directory's name, without importing gevent."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from pytest_gevent_lab.patching import versions


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
