"""``gevent_timeout``: fail a test that waits on greenlets for longer than S seconds.

The timer lives in the hub, so it is cooperative: it fires only when the test
yields to the hub (waits on a greenlet, sleeps, does patched I/O). A CPU loop
that never yields needs pytest-timeout's signal method; the two compose, the
earlier one wins. On expiry the hub throws :class:`GeventTimeout` into the
greenlet that runs the test, with the greenlet tree showing what each greenlet
was waiting on at that moment.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import gevent
from greenlet import getcurrent

from .exceptions import GeventTimeout

# After expiry, the timeout is thrown again this often until the body ends.
REPEAT_EVERY = 1.0


def _tree() -> str:
    from gevent.util import GreenletTree  # only on expiry: keeps the plugin's import light

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
    """Throw :class:`GeventTimeout` into the current greenlet if the body outlasts ``seconds``.

    Code under test may swallow the throw (``except BaseException``, a bare
    ``except``). So the expiry is remembered and fails the test when the body
    ends anyway, and the throw is repeated every :data:`REPEAT_EVERY` seconds,
    so a retry loop that swallows it is interrupted again until it gives up.
    """
    if not seconds:
        yield
        return
    waiter = getcurrent()
    timer = gevent.get_hub().loop.timer(seconds, REPEAT_EVERY)
    expired: list[str] = []  # the message, built once: the tree as it was on expiry

    def expire() -> None:
        if not expired:
            expired.append(
                f"gevent timeout after {seconds:g} s in {nodeid}: the test was still waiting "
                "on greenlets. What each greenlet was doing:\n"
                f"{_tree()}\n"
                "Raise the limit with @pytest.mark.gevent_timeout(S) or --gevent-timeout=S."
            )
        waiter.throw(GeventTimeout(expired[0]))

    timer.start(expire)
    try:
        yield
    except (GeventTimeout, KeyboardInterrupt, SystemExit):
        raise
    except BaseException as error:  # after a swallowed timeout: the timeout is the cause
        if expired:
            raise GeventTimeout(_swallowed(expired[0])) from error
        raise
    finally:
        timer.close()
    if expired:
        raise GeventTimeout(_swallowed(expired[0]))


def _swallowed(message: str) -> str:
    return (
        f"{message}\nThe code under test caught the timeout (an `except BaseException` or a "
        "bare `except`) and went on; the test fails anyway. Let GeventTimeout propagate."
    )
