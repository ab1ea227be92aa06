"""Check the built sdist and wheel: both carry the LICENSE, the wheel the pytest11 entry point.

Usage: python .ci/check_dist.py DIST_DIR (the tox env ``package`` runs it).
"""

from __future__ import annotations

import sys
import tarfile
import zipfile
from pathlib import Path


def main(dist: Path) -> int:
    (wheel,) = dist.glob("*.whl")
    (sdist,) = dist.glob("*.tar.gz")
    problems = []
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        if not any(name.endswith(".dist-info/licenses/LICENSE") for name in names):
            problems.append(f"{wheel.name}: no LICENSE in its .dist-info/licenses/")
        (entry_points,) = (name for name in names if name.endswith(".dist-info/entry_points.txt"))
        text = archive.read(entry_points).decode()
        if "[pytest11]" not in text or "gevent_lab = pytest_gevent_lab.plugin" not in text:
            problems.append(f"{wheel.name}: no pytest11 entry point gevent_lab:\n{text}")
        if not any(name == "pytest_gevent_lab/py.typed" for name in names):
            problems.append(f"{wheel.name}: no py.typed (the package declares Typing :: Typed)")
    with tarfile.open(sdist) as archive:
        if not any(name.endswith("/LICENSE") for name in archive.getnames()):
            problems.append(f"{sdist.name}: no LICENSE")
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print(f"ok: {wheel.name}, {sdist.name}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
