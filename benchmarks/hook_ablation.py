"""For ``trivial_tests_overhead.py --profile``: a pytest run with one of the plugin's hooks out.

Loaded with ``-p hook_ablation`` (this directory on ``PYTHONPATH``), in the
reference run as in the ablated ones, so that every run pays the same for it.

- ``GEVENT_LAB_ABLATE=plugin-name:hook_name[,...]`` removes those
  implementations as soon as the plugin holding each is registered (the module
  ``gevent_lab`` or an object it registers in ``pytest_configure``); the run
  fails if one was never registered, so a renamed hook cannot pass for a free one.
- ``GEVENT_LAB_HOOKS=PATH`` writes every ``[plugin-name, hook_name]`` of the
  package's plugins as JSON at the end of ``pytest_configure``.
- ``GEVENT_LAB_NO_GC=1`` turns the garbage collector off as this module is
  imported (before the plugin's): a hook's allocations otherwise move the
  session's full collections, and one moved collection shifts a run's count by
  ~20 M instructions, ~10 k per test of 2,000, as much as a small hook costs.

The removal uses pluggy's ``HookCaller._remove_plugin``: pluggy has no public
way to take out one hook of a plugin and keep its others.
"""

from __future__ import annotations

import gc
import json
import os
import types
from typing import Any

import pytest

PACKAGE = "pytest_gevent_lab"
ABLATE = "GEVENT_LAB_ABLATE"
LIST = "GEVENT_LAB_HOOKS"
NO_GC = "GEVENT_LAB_NO_GC"

if os.environ.get(NO_GC) == "1":
    gc.disable()

_removed: list[str] = []


def _ours(plugin: object) -> bool:
    module = plugin.__name__ if isinstance(plugin, types.ModuleType) else type(plugin).__module__
    return module == PACKAGE or module.startswith(PACKAGE + ".")


def _targets() -> list[str]:
    return [target for target in os.environ.get(ABLATE, "").split(",") if target]


def pytest_plugin_registered(plugin: object, plugin_name: str, manager: Any) -> None:
    if not _ours(plugin):
        return
    for target in _targets():
        name, hook = target.split(":")
        caller = getattr(manager.hook, hook, None)
        if (
            plugin_name == name
            and caller is not None
            and any(impl.plugin is plugin for impl in caller.get_hookimpls())
        ):
            caller._remove_plugin(plugin)
            _removed.append(target)


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    missing = [target for target in _targets() if target not in _removed]
    if missing:
        raise pytest.UsageError(
            f"{ABLATE}: no such hook implementation was registered: {', '.join(missing)}"
        )
    path = os.environ.get(LIST)
    if path:
        hooks = config.pluginmanager.hook
        found = [
            [impl.plugin_name, name]
            for name in sorted(vars(hooks))
            for impl in getattr(hooks, name).get_hookimpls()
            if _ours(impl.plugin)
        ]
        with open(path, "w") as out:
            json.dump(found, out)
