"""The test runner's own threads stay real threads in a patched process.

Patching makes every ``threading.Thread`` a greenlet. For the code under test
that is the point; for the machinery that runs the tests it is a bug:

- execnet (pytest-xdist's transport) hands work from its native receiver
  thread to the worker's main thread through an Event and a lock that xdist
  creates from execnet's thread model. Made from the patched ``threading``, a
  native thread setting a gevent Event never wakes the main greenlet, and the
  worker dies in ``LoopExit`` (pytest-xdist issues 254 and 1069) — also when
  the patching is done by a project's conftest, not by this plugin.
- pytest-timeout's ``thread`` method arms a ``threading.Timer``: as a greenlet
  it can only fire when the test yields, which a hanging test never does.
- pytest-rerunfailures (with xdist installed) serves its status database from
  a thread blocked in ``accept()``: as a greenlet it keeps the hub alive (so
  nothing ever ends in ``LoopExit``), or, with sockets left unpatched, blocks
  the whole process before collection.

So before anything is patched, a private copy of ``threading``, ``queue`` and
``socket`` is loaded, bound to the real ``_thread`` and ``_socket``; once
patched, those plugins are given the copies (``give_natives``). A copy costs
about what importing its module did (``socket`` builds its enums again): a run
makes only those that the machinery it has loaded will be given (``needed``);
the launcher, which patches before any of it is loaded, makes all three. This module
imports neither pytest nor gevent: the launcher uses it before both.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import importlib.util
import sys
import types
from collections.abc import Collection
from typing import Any

PREFIX = "_gevent_lab_native_"  # the copies' names in sys.modules


def _private_copy(name: str) -> types.ModuleType:
    """A fresh copy of the standard module ``name``, registered under a private name.

    Registered, because some modules look themselves up in ``sys.modules`` as
    they load (``socket`` builds its enums that way); under a private name, so
    that nothing else imports the copy by mistake.
    """
    found = importlib.util.find_spec(name)
    if found is None or found.origin is None:  # pragma: no cover - standard modules
        raise ImportError(f"cannot copy the standard module {name!r}")
    alias = f"{PREFIX}{name}"
    spec = importlib.util.spec_from_file_location(alias, found.origin)
    if spec is None or spec.loader is None:  # pragma: no cover
        raise ImportError(f"cannot load a copy of the standard module {name!r}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[alias] = module
    spec.loader.exec_module(module)
    return module


COPIED = ("threading", "queue", "socket")


class Natives:
    """Unpatched copies of the modules the runner's threads need (``names`` of them)."""

    def __init__(self, names: Collection[str] = COPIED) -> None:
        import _thread
        import time

        # queue.Queue finds its locks through the module global "threading".
        names = {"threading", *names} if "queue" in names else set(names)
        self.copies = {name: _private_copy(name) for name in COPIED if name in names}
        if "queue" in self.copies:
            self.copies["queue"].threading = self.copies["threading"]  # type: ignore[attr-defined]
        self.start_new_thread = _thread.start_new_thread
        self.get_ident = _thread.get_ident
        self.sleep = time.sleep

    @property
    def threading(self) -> Any:
        return self.copies["threading"]

    @property
    def queue(self) -> Any:
        return self.copies["queue"]


_natives: Natives | None = None

# plugin module -> its globals that must be the unpatched copies
_PLUGIN_GLOBALS = {
    "pytest_timeout": ("threading",),
    "pytest_rerunfailures": ("threading", "socket"),
}
_EXECNET = ("threading", "queue")  # its thread model's locks, events and queues


def needed(pluginmanager: Any, worker: bool) -> set[str]:
    """The copies that the machinery loaded by now will be given.

    execnet carries an xdist ``worker``'s work (it is imported in other runs
    too, but runs no thread there); pytest-rerunfailures starts its thread and
    socket only when xdist is registered (its own ``pytest_configure`` asks
    the same).
    """
    wanted: set[str] = set()
    if worker:
        wanted.update(_EXECNET)
    for name, globals_ in _PLUGIN_GLOBALS.items():
        if name not in sys.modules:
            continue
        if name == "pytest_rerunfailures" and not pluginmanager.has_plugin("xdist"):
            continue
        wanted.update(globals_)
    return wanted


def prepare(names: Collection[str] = COPIED) -> Natives | None:
    """Load the copies, before anything is patched; None if it is too late for that."""
    global _natives
    if _natives is None:
        monkey = sys.modules.get("gevent.monkey")
        if monkey is not None and monkey.is_anything_patched():
            return None  # patched before us (gevent's own launcher): nothing to copy from
        _natives = Natives(names)
    return _natives


def give_natives() -> None:
    """Give execnet and the thread-starting plugins loaded so far their unpatched modules."""
    natives = _natives
    if natives is None:
        return
    gateway_base = sys.modules.get("execnet.gateway_base")
    if gateway_base is not None and "queue" in natives.copies:
        _give_execnet(gateway_base, natives)
    for name, globals_ in _PLUGIN_GLOBALS.items():
        module = sys.modules.get(name)
        if module is not None:
            for attribute in globals_:
                if hasattr(module, attribute) and attribute in natives.copies:
                    setattr(module, attribute, natives.copies[attribute])


def _give_execnet(gateway_base: Any, natives: Natives) -> None:
    model: Any = gateway_base.ThreadExecModel
    model.queue = property(lambda self: natives.queue)
    model.Lock = lambda self: natives.threading.RLock()
    model.RLock = lambda self: natives.threading.RLock()
    model.Event = lambda self: natives.threading.Event()
    model.start = lambda self, func, args=(): natives.start_new_thread(func, args)
    model.get_ident = lambda self: natives.get_ident()
    model.sleep = lambda self, delay: natives.sleep(delay)
