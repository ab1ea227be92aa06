"""``gevent_timeout``: fail a test that waits on greenlets for longer than S seconds.

The timer lives in the hub, so it is cooperative: it fires only when the test
yields to the hub (waits on a greenlet, sleeps, does patched I/O). A CPU loop
that never yields needs pytest-timeout's signal method; the two compose, the
earlier one wins. On expiry the hub throws :class:`GeventTimeout` into the
greenlet that runs the test, with the greenlet tree showing what each greenlet
was waiting on at that moment.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import gevent
from gevent.util import GreenletTree
from greenlet import getcurrent

MARKER_HELP = (
    "gevent_timeout(seconds): fail the test if it waits on greenlets longer than this "
    "(cooperative; 0 = off; beats --gevent-timeout and ini gevent_timeout)."
)


class GeventTimeout(BaseException):
    """The test waited on greenlets past its gevent timeout.

    A ``BaseException`` like :class:`gevent.Timeout`, so ``except Exception`` in
    the code under test does not swallow it.
    """


def _tree() -> str:
    try:
        tree: str = GreenletTree.current_tree().format(
            # innermost frames only: the main greenlet's full stack is all of pytest
            details={
                "running_stacks": True,
                "running_stack_limit": 12,
                "spawning_stacks": False,
                "locals": False,
            }
        )
        return tree
    except Exception as error:  # the tree is a diagnostic; never mask the timeout
        return f"(greenlet tree unavailable: {error!r})"


@contextlib.contextmanager
def limit(seconds: float, nodeid: str) -> Iterator[None]:
    """Throw :class:`GeventTimeout` into the current greenlet if the body outlasts ``seconds``."""
    if not seconds:
        yield
        return
    waiter = getcurrent()
    timer = gevent.get_hub().loop.timer(seconds)

    def expire() -> None:
        waiter.throw(
            GeventTimeout(
                f"gevent timeout after {seconds:g} s in {nodeid}: the test was still waiting "
                "on greenlets. What each greenlet was doing:\n"
                f"{_tree()}\n"
                "Raise the limit with @pytest.mark.gevent_timeout(S) or --gevent-timeout=S."
            )
        )

    timer.start(expire)
    try:
        yield
    finally:
        timer.close()
