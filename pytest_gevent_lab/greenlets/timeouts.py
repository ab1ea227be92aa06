"""``gevent_timeout``: fail a test that waits on greenlets for longer than S seconds.

The timer lives in the hub, so it is cooperative: it fires only when the test
yields to the hub (waits on a greenlet, sleeps, does patched I/O). A CPU loop
that never yields needs pytest-timeout's signal method; the two compose, the
earlier one wins. On expiry the hub throws :class:`GeventTimeout` into the
greenlet that runs the test, saying where the test and each greenlet it
started were waiting at that moment (greenlets.waiting).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import gevent
from greenlet import getcurrent

from .exceptions import GeventTimeout
from .owners import Owner
from .waiting import owned_greenlets, report

# After expiry, the timeout is thrown again this often until the body ends.
REPEAT_EVERY = 1.0
ADVICE = "\nRaise the limit with @pytest.mark.gevent_timeout(S) or --gevent-timeout=S."


@contextlib.contextmanager
def limit(seconds: float, nodeid: str, owner: Owner | None = None) -> Iterator[None]:
    """Throw :class:`GeventTimeout` into the current greenlet if the body outlasts ``seconds``.

    Code under test may swallow the throw (``except BaseException``, a bare
    ``except``). So the expiry is remembered and fails the test when the body
    ends anyway, and the throw is repeated every :data:`REPEAT_EVERY` seconds,
    so a retry loop that swallows it is interrupted again until it gives up.
    A body that overran without ever letting the timer fire (a blocking call
    or a long computation, then a yield whose callbacks ran before any timer)
    fails too: the loop's clock says how long it ran.

    With ``owner`` (the test), the message shows where its greenlets wait, and
    they are killed on expiry: one failure that says both, not a timeout and
    then a leak at teardown.
    """
    if not seconds:
        yield
        return
    waiter = getcurrent()
    loop = gevent.get_hub().loop
    loop.update_now()  # libev caches now() at each iteration: it may be long stale
    started = loop.now()
    timer = loop.timer(seconds, REPEAT_EVERY)
    expired: list[str] = []  # the message, built once: the waiting as it was on expiry

    def expire() -> None:
        if not expired:
            expired.append(_expired(seconds, nodeid, waiter, owner))
        waiter.throw(GeventTimeout(expired[0]))

    timer.start(expire)
    try:
        yield
    except GeventTimeout as error:
        if expired:
            error.args = (expired[0] + _killed(owner) + ADVICE,)
        raise
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as error:  # after a swallowed timeout: the timeout is the cause
        if expired:
            raise GeventTimeout(_swallowed(expired[0] + _killed(owner) + ADVICE)) from error
        raise
    finally:
        timer.close()
    if expired:
        raise GeventTimeout(_swallowed(expired[0] + _killed(owner) + ADVICE))
    loop.update_now()
    ran = loop.now() - started
    if ran >= seconds:
        raise GeventTimeout(
            f"gevent timeout after {seconds:g} s in {nodeid}: the test ran for {ran:.3f} s and "
            "never let the timeout fire: it blocked or computed without yielding to gevent "
            "(an unpatched blocking call, a CPU loop), so the timer could only fire after "
            "the fact. Yield (or patch) in long-running code; pytest-timeout's signal method "
            "interrupts code that never yields." + _killed(owner) + ADVICE
        )


def _expired(seconds: float, nodeid: str, test_greenlet: Any, owner: Owner | None) -> str:
    try:
        waiting = report(test_greenlet, owned_greenlets(owner) if owner is not None else [])
    except Exception as error:  # a diagnostic: never mask the timeout
        waiting = f"(what the greenlets wait on is unavailable: {error!r})"
    return f"gevent timeout after {seconds:g} s in {nodeid}: the test was still waiting.\n{waiting}"


def _killed(owner: Owner | None) -> str:
    """Kill the test's greenlets (they would be leaks at teardown); say so."""
    if owner is None:
        return ""
    alive = owned_greenlets(owner)
    if not alive:
        return ""
    from .leaks import kill

    kill(alive)
    refused = sum(1 for glet in alive if not glet.dead)
    text = f"\nIts {len(alive)} greenlet(s) still running were killed"
    return text + (f" ({refused} refused to die)." if refused else ".")


def _swallowed(message: str) -> str:
    return (
        f"{message}\nThe code under test caught the timeout (an `except BaseException` or a "
        "bare `except`) and went on; the test fails anyway. Let GeventTimeout propagate."
    )
