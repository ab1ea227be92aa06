"""The ``spawn`` and ``gevent_pool`` fixtures, and their types for annotations.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

import pytest

from .owners import tracker_key

if TYPE_CHECKING:
    import gevent
    import gevent.pool


class Spawn(Protocol):
    """The ``spawn`` fixture: ``spawn(func, *args, **kwargs) -> gevent.Greenlet`` (started)."""

    def __call__(self, func: Any, /, *args: Any, **kwargs: Any) -> gevent.Greenlet: ...


class GeventPool(Protocol):
    """The ``gevent_pool`` fixture: ``gevent_pool(size=None)``, a tracked Pool or Group."""

    def __call__(self, size: int | None = None) -> gevent.pool.Group: ...


@pytest.fixture(scope="session")
def spawn(request: pytest.FixtureRequest) -> Spawn:
    """``spawn(func, *args)``: a greenlet, checked when the test or fixture that spawned it ends.

    One callable for the whole run (hence the session scope, so that fixtures
    of any scope can use it), but every greenlet belongs to the test, the
    fixture or the tracked greenlet that spawned it, and is checked when that
    owner ends: an unretrieved exception fails it, a greenlet still running is
    killed and reported as leaked.
    """
    return request.config.stash[tracker_key].spawn


@pytest.fixture(scope="session")
def gevent_pool(request: pytest.FixtureRequest) -> GeventPool:
    """``gevent_pool(size)``: a Pool (a Group if None) whose greenlets are checked like ``spawn``'s.

    One callable for the whole run (hence the session scope, so that fixtures
    of any scope can use it); each pool's greenlets belong to whoever spawned
    them, as with ``spawn``, and are checked when that test or fixture ends.
    """
    return request.config.stash[tracker_key].pool
