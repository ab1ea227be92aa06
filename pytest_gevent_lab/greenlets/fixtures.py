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
    """``spawn(func, *args, **kwargs)``: start a tracked greenlet and return it.

    Usable from fixtures of any scope: a greenlet belongs to the test, or to
    the module/session fixture being set up, or to the tracked greenlet that
    spawned it. When its owner ends, an unretrieved exception fails it and a
    greenlet still running is killed and reported as leaked.
    """
    return request.config.stash[tracker_key].spawn


@pytest.fixture(scope="session")
def gevent_pool(request: pytest.FixtureRequest) -> GeventPool:
    """``gevent_pool(size=None)``: a tracked ``Pool(size)``, or ``Group`` when size is None."""
    return request.config.stash[tracker_key].pool
