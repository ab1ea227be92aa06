"""What the greenlet checks raise and warn, importable without importing gevent.

Users catch these, filter them (``filterwarnings = ignore::pytest_gevent_lab.GreenletLeakWarning``)
or expect them in tests; ``pytest_gevent_lab`` re-exports each one.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import pytest


class GreenletError(Exception):
    """A greenlet died with an exception nobody retrieved; ``__cause__`` is that exception."""


class LeakedGreenletError(Exception):
    """Tracked greenlets still running when their test or fixture ended."""


class GreenletLeakWarning(pytest.PytestWarning):
    """A plain ``gevent.spawn`` greenlet was still running when its test ended."""


class GeventTimeout(BaseException):
    """The test waited on greenlets past its gevent timeout.

    A ``BaseException`` like :class:`gevent.Timeout`, so ``except Exception`` in
    the code under test does not swallow it.
    """


class HubBlockedError(Exception):
    """A greenlet kept the hub from running for longer than the test's threshold."""
