"""For ``trivial_tests_overhead.py --profile``: a pytest run with one of the plugin's hooks out.

Loaded with ``-p hook_ablation`` (this directory on ``PYTHONPATH``), in the
reference run as in the ablated ones, so that every run pays the same for it.

- ``GEVENT_LAB_ABLATE=plugin-name:hook_name`` removes that one implementation
  as soon as the plugin holding it is registered (the module ``gevent_lab`` or
  an object it registers in ``pytest_configure``); the run fails if nothing of
  that name was registered, so a renamed hook cannot pass for a free one.
- ``GEVENT_LAB_HOOKS=PATH`` writes every ``[plugin-name, hook_name]`` of the
  package's plugins as JSON at the end of ``pytest_configure``.

The removal uses pluggy's ``HookCaller._remove_plugin``: pluggy has no public
way to take out one hook of a plugin and keep its others.
"""

from __future__ import annotations

import json
import os
import types
from typing import Any

import pytest

PACKAGE = "pytest_gevent_lab"
ABLATE = "GEVENT_LAB_ABLATE"
LIST = "GEVENT_LAB_HOOKS"

_removed: list[str] = []


def _ours(plugin: object) -> bool:
    module = plugin.__name__ if isinstance(plugin, types.ModuleType) else type(plugin).__module__
    return module == PACKAGE or module.startswith(PACKAGE + ".")


def pytest_plugin_registered(plugin: object, plugin_name: str, manager: Any) -> None:
    target = os.environ.get(ABLATE, "")
    if not target or not _ours(plugin):
        return
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
    target = os.environ.get(ABLATE, "")
    if target and target not in _removed:
        raise pytest.UsageError(f"{ABLATE}={target}: no such hook implementation was registered")
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
