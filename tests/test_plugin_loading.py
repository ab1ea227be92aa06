"""The plugin's modules load as any module does, not through pytest's rewriting hook.

pytest loads every module of a ``pytest11`` plugin's distribution through its
assertion-rewriting import hook, even one that opts out of rewriting, and that
loader costs ~1.2 M instructions a module: more than half of what the plugin
added to an empty run (issue 15). The package unmarks itself when pytest
imports it (``pytest_gevent_lab._load_the_rest_plainly``); the launcher, which
imports it before pytest exists, imports the plugin before pytest starts.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Lab

RECORD = """
    import json
    import sys
    from pathlib import Path


    def pytest_unconfigure(config):
        loaders = {
            name: type(module.__loader__).__name__
            for name, module in list(sys.modules.items())
            if name.startswith("pytest_gevent_lab") or name == "conftest"
        }
        Path("loaders.json").write_text(json.dumps(loaders))
"""
TESTS = """
    import gevent


    def test_gevent(spawn):
        spawn(gevent.sleep, 0).join()
"""
HOOK = "AssertionRewritingHook"


def _loaders(lab: Lab) -> dict[str, str]:
    found: dict[str, str] = json.loads((lab.path / "loaders.json").read_text())
    return found


@pytest.mark.parametrize("how", ["plain", "--gevent-patch", "launcher"])
def test_no_module_but_the_package_loads_through_the_rewriting_hook(lab: Lab, how: str) -> None:
    lab.conftest(RECORD)
    lab.write(TESTS)
    if how == "launcher":
        launched = lab.launch()
        assert launched.returncode == 0, launched.stdout + launched.stderr
    else:
        result = lab.run_subprocess(*([] if how == "plain" else [how]))
        result.assert_outcomes(passed=1)
    loaders = _loaders(lab)
    # The hook is still pytest's for everything else: the conftest is rewritten.
    assert loaders.pop("conftest") == HOOK
    through_hook = sorted(name for name, loader in loaders.items() if loader == HOOK)
    # The package itself is imported by pytest before it can unmark itself (the
    # launcher imports it before pytest exists).
    assert through_hook == ([] if how == "launcher" else ["pytest_gevent_lab"])
    # Not vacuous: the run loaded the capabilities it used.
    assert {"pytest_gevent_lab.plugin", "pytest_gevent_lab.greenlets.fixtures"} <= set(loaders)


def test_the_users_assertions_are_still_rewritten(lab: Lab) -> None:
    lab.write(
        """
        def test_compare(spawn):
            assert [1, 2] == [1, 3]
        """
    )
    result = lab.run_subprocess()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*At index 1 diff: 2 != 3*"])
