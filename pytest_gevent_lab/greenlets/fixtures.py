"""The ``spawn`` and ``gevent_pool`` fixtures (their types for annotations: ``fixture_types``).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from .owners import tracker_key

if TYPE_CHECKING:
    from .fixture_types import GeventPool, Spawn


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
