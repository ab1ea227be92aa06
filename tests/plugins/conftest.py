"""The coexistence suite: this plugin beside other plugins, each run a fresh pytest.

Every test writes a small project with ``lab`` and runs it with
``lab.run_isolated``: a subprocess with a deadline, in its own process group, so a
hang is a failure (``Hung``) and so is an orphan (``Orphaned``); see
``isolated_run.py``. Each test needs its peer plugin installed (the tox env
``plugins`` has all of them) and skips without it.
"""

from __future__ import annotations

import pytest

# Both modes of every coexistence test; patching is process-wide, hence subprocesses.
MODES = {"plain": (), "patched": ("--gevent-patch",)}


@pytest.fixture(params=list(MODES))
def mode_args(request: pytest.FixtureRequest) -> tuple[str, ...]:
    """The plugin's mode: ``()`` or ``("--gevent-patch",)``."""
    return MODES[request.param]
