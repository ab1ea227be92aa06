"""``gevent.monkey.patch_all()`` for a whole process, and the record of what it did.

Patching is process-wide and cannot be undone, so its record lives at module
level (:func:`process_report`): whoever patched first (the launcher,
``python -m pytest_gevent_lab``, or the plugin's earliest hook) writes it, and
every later reader reports the same facts. This module imports neither pytest
nor anything gevent patches: the launcher uses it before pytest is imported.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import inspect
import sys
import warnings
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import native, xdist
from .versions import unpatched_line
from .versions import versions as installed

# The standard-library modules patch_all() replaces attributes of (less os,
# sys, time, builtins and _thread, which the interpreter loads at start-up). A module
# imported before patching is patched in place, but a name someone imported
# from it ("from socket import socket") keeps the original: see stale_references.
PATCH_TARGETS = (
    "contextvars",
    "queue",
    "select",
    "selectors",
    "signal",
    "socket",
    "ssl",
    "subprocess",
    "threading",
)
# patch_all keyword -> the modules of PATCH_TARGETS it patches (others: the same name)
_MODULES_OF = {"select": ("select", "selectors"), "thread": ("threading",)}
_SETTINGS_KEY = "_gevent_saved_patch_all_module_settings"
# Hold originals on purpose or harmlessly: gevent itself, pytest, and execnet
# (xdist's transport, which patching.xdist keeps on real threads in a worker).
_NOT_HOLDERS = frozenset({"gevent", "_pytest", "execnet", "xdist"})


@dataclass
class PatchReport:
    """What patching did in this process, in the words the report header uses."""

    enabled: bool
    by: str = ""  # "--gevent-patch", "ini gevent_patch", "python -m pytest_gevent_lab", ...
    role: xdist.Role = "serial"
    skipped: list[str] = field(default_factory=list)
    patched_modules: list[str] = field(default_factory=list)
    imported_before: list[str] = field(default_factory=list)
    # holder module -> names in it that still point at an unpatched original
    stale_references: dict[str, list[str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def header_lines(self) -> list[str]:
        versions = installed()
        if self.role == "controller" and self.by:
            return [
                f"gevent-lab: {versions}; patching: off in this xdist controller (it runs "
                f"no tests); every worker patches itself ({self.by})",
                *self._skip_line(),
            ]
        if not self.enabled:
            return [unpatched_line()]
        where = " in this xdist worker" if self.role == "worker" else ""
        lines = [f"gevent-lab: {versions}; patching: on{where} ({self.by})"]
        lines.append("gevent-lab: patched modules: " + (", ".join(self.patched_modules) or "none"))
        lines.extend(self._skip_line())
        if self.imported_before:
            lines.append(
                "gevent-lab: imported before patching (patched in place): "
                + ", ".join(self.imported_before)
            )
        if self.stale_references:
            held = "; ".join(
                f"{holder} ({', '.join(names)})" for holder, names in self.stale_references.items()
            )
            lines.append(f"gevent-lab: unpatched originals still held by: {held}")
        return lines

    def _skip_line(self) -> list[str]:
        return ["gevent-lab: left unpatched: " + ", ".join(self.skipped)] if self.skipped else []


LAUNCHER = "python -m pytest_gevent_lab"

# Set by whoever patches this process first; see the module docstring.
_process_report: PatchReport | None = None


def process_report() -> PatchReport | None:
    """What patching did in this process, if anyone patched it through this package."""
    return _process_report


def valid_skip_names() -> list[str]:
    """The boolean keyword names of the installed gevent's ``patch_all``."""
    from gevent import monkey

    return [
        name
        for name, parameter in inspect.signature(monkey.patch_all).parameters.items()
        if isinstance(parameter.default, bool)
    ]


class UnknownPatchName(ValueError):
    """A skip name that is not a keyword of this gevent's ``patch_all``."""


def split_names(value: str | Sequence[str]) -> list[str]:
    """``"socket, thread"`` or ``["socket,thread", "ssl"]`` -> ``["socket", "thread", "ssl"]``."""
    parts = [value] if isinstance(value, str) else list(value)
    return [name.strip() for part in parts for name in part.split(",") if name.strip()]


def check_skip_names(names: Iterable[str], what: str) -> list[str]:
    names = list(names)
    if not names:
        return names  # nothing to check: gevent need not be imported
    valid = valid_skip_names()
    unknown = [name for name in names if name not in valid]
    if unknown:
        raise UnknownPatchName(
            f"{what}: unknown module name(s) {', '.join(map(repr, unknown))}; "
            f"valid names (keyword arguments of this gevent's patch_all): {', '.join(valid)}"
        )
    return names


def patch_process(
    skip: Sequence[str],
    by: str,
    role: xdist.Role = "serial",
    loaded: Iterable[str] | None = None,
    natives: Collection[str] = native.COPIED,
) -> PatchReport:
    """Run ``patch_all`` (once per process) and describe what it did.

    ``loaded`` is the set of modules to call "imported before patching" when the
    caller took it earlier than now (the launcher does, before gevent imports
    the modules it patches itself). ``natives``: the unpatched copies to make
    first (see native; all of them by default, as the launcher needs).
    """
    global _process_report
    if _process_report is not None:
        return _process_report

    loaded = set(sys.modules if loaded is None else loaded)
    left_alone = {module for name in skip for module in _MODULES_OF.get(name, (name,))}
    imported_before = sorted(
        name for name in PATCH_TARGETS if name in loaded and name not in left_alone
    )
    native.prepare(natives)  # before patch_all: the copies must be unpatched

    from gevent import monkey

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        monkey.patch_all(**{name: False for name in skip})
    native.give_natives()

    _process_report = PatchReport(
        enabled=True,
        by=by,
        role=role,
        skipped=list(skip),
        patched_modules=saved_modules(),
        imported_before=imported_before,
        stale_references=stale_references(monkey.saved),
        warnings=[str(w.message) for w in caught],
    )
    return _process_report


def stale_references(saved: dict[str, dict[str, Any]]) -> dict[str, list[str]]:
    """Modules outside the standard library holding an original that gevent replaced.

    These are the "by whom" of an import before patching: a module that ran
    ``from socket import create_connection`` keeps the blocking function.
    """
    originals: dict[int, str] = {}
    for module_name, attributes in saved.items():
        if module_name == _SETTINGS_KEY:
            continue
        for attribute, original in attributes.items():
            if callable(original):
                originals[id(original)] = f"{module_name}.{attribute}"
    holders: dict[str, list[str]] = {}
    wanted = originals.keys()
    for holder_name, module in list(sys.modules.items()):
        top = holder_name.partition(".")[0]
        if module is None or top in sys.stdlib_module_names or top in _NOT_HOLDERS:
            continue
        if top == __name__.partition(".")[0] or top.startswith(native.PREFIX):
            continue  # ours, and our unpatched copies (held on purpose)
        namespace = getattr(module, "__dict__", {})
        # Most modules hold none: a set intersection (in C) says so without a loop here.
        if wanted.isdisjoint(map(id, list(namespace.values()))):
            continue
        for name, value in list(namespace.items()):
            original = originals.get(id(value))
            if original is not None:
                holders.setdefault(holder_name, []).append(f"{name} = {original}")
    return holders


def saved_modules() -> list[str]:
    from gevent import monkey

    return sorted(name for name in monkey.saved if name != _SETTINGS_KEY)


def is_patched() -> bool:
    """Whether this process runs patched (by this plugin, its launcher, or anyone)."""
    monkey = sys.modules.get("gevent.monkey")
    return bool(monkey and monkey.is_anything_patched())
