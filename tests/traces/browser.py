"""A real headless browser (Debian's ``chromium``) for the SVG tests: screenshots and the DOM.

Every run gets a new empty profile and no network use of its own; each call
has a timeout (a hung browser is a failure, not a hang). ``HOME`` points into
the profile, so font caches and the like never touch the user's.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
TIMEOUT = 120  # seconds: a cold start on a loaded 2-core machine takes a few
FLAGS = (
    "--headless",
    "--no-sandbox",  # it runs as root in CI
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
)


def find() -> str | None:
    for name in CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return None


def require() -> str:
    """The browser's path; skips when there is none, unless this is CI (``CI`` is set)."""
    path = find()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but no browser was found (looked for {', '.join(CANDIDATES)})")
        pytest.skip("no headless browser installed (apt-get install chromium); CI never skips")
    return path


def _run(browser: str, *args: str) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory(prefix="gevent-lab-browser-") as profile:
        env = {**os.environ, "HOME": profile, "XDG_CONFIG_HOME": profile, "XDG_CACHE_HOME": profile}
        result = subprocess.run(
            [browser, *FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            env=env,
            check=False,
        )
    if result.returncode != 0:
        raise AssertionError(f"{browser} exited {result.returncode}:\n{result.stderr[-3000:]}")
    return result


def screenshot(browser: str, page: Path, png: Path, width: int, height: int) -> None:
    """Render ``page`` (an .svg or .html file) in a ``width`` x ``height`` window into ``png``."""
    _run(browser, f"--window-size={width},{height}", f"--screenshot={png}", page.as_uri())
    if not png.is_file():
        raise AssertionError(f"{browser} wrote no screenshot to {png}")


def dump_dom(browser: str, page: Path) -> str:
    """The page's DOM after its load event (scripts included) as HTML."""
    return _run(browser, "--dump-dom", page.as_uri()).stdout
