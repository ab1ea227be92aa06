"""The types of the ``spawn`` and ``gevent_pool`` fixtures, for annotations.

Apart from the fixtures themselves: a Protocol class costs its creation at
import, and the fixtures are imported at every run's start-up; these only
when someone names them (``from pytest_gevent_lab import Spawn``).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import gevent
    import gevent.pool


class Spawn(Protocol):
    """The ``spawn`` fixture: ``spawn(func, *args, **kwargs) -> gevent.Greenlet`` (started)."""

    def __call__(self, func: Any, /, *args: Any, **kwargs: Any) -> gevent.Greenlet: ...


class GeventPool(Protocol):
    """The ``gevent_pool`` fixture: ``gevent_pool(size=None)``, a tracked Pool or Group."""

    def __call__(self, size: int | None = None) -> gevent.pool.Group: ...
