"""Exceptions that die in greenlets fail the test (or fixture) whose greenlet it was.

Modelled on pytest's ``_pytest/threadexception.py``. Every greenlet reports its
death by exception to its hub's ``handle_error``; the monitor (greenlets.monitor)
files each error under the greenlet's owner. At the end of each phase the
test raises what its greenlets died of; a wider fixture raises its own at its
teardown. An exception counts as retrieved when someone re-raised it
(``g.get()``, ``joinall(raise_error=True)``, ``pool.join(raise_error=True)``):
re-raising always gives it a new ``__traceback__``, so comparing with the one
it had when the greenlet died tells, without wrapping any gevent method.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any

from ..failures import raise_together
from .exceptions import GreenletError
from .naming import describe

if TYPE_CHECKING:
    from .owners import Owner


@dataclass
class Captured:
    context: object  # the greenlet (or callback) that raised
    error: BaseException
    traceback: TracebackType | None  # as the greenlet died; a re-raise replaces it
    phase: str  # what was running when it died: setup, call, teardown, ...
    test: str | None  # the test running then, if any
    # With --gevent-trace: the recorder on when it died and its clock's reading then,
    # so that an error found unretrieved later is marked where it happened.
    recorder: Any = None
    moment: float | None = None

    @property
    def retrieved(self) -> bool:
        return self.error.__traceback__ is not self.traceback

    def describe(self) -> str:
        """The greenlet and its function, found from the traceback (a dead greenlet forgets)."""
        return describe(self.context, traceback=self.traceback)


def take_unretrieved(owner: Owner) -> list[Captured]:
    """The errors ``owner``'s greenlets died of that nobody retrieved; forgets all of them."""
    captured, owner.errors = owner.errors, []
    lost = [item for item in captured if not item.retrieved]
    for item in lost:
        if item.recorder is not None:
            from . import trace_marks

            trace_marks.lost_error(item)
    return lost


def as_failures(captured: list[Captured], owner: Owner) -> list[Exception]:
    errors: list[Exception] = []
    belongs = "" if owner.kind == "test" else f" (it belongs to {owner.name})"
    for item in captured:
        during = f"{item.phase} of {item.test}" if item.test else item.phase
        error = GreenletError(
            f"{item.describe()} died with {type(item.error).__name__}: {item.error} "
            f"during {during}{belongs}, and nothing retrieved it.\n"
            "Retrieve it with g.get() (inside pytest.raises when it is expected), "
            "or mark the test @pytest.mark.gevent_allow_errors."
        )
        error.__cause__ = item.error
        # The greenlet's own frames end this error's traceback too, so that
        # --pdb stops where the greenlet died, not in the hook that reports it.
        errors.append(error.with_traceback(item.traceback))
    return errors


def raise_unretrieved(owner: Owner | None, whose: str, phase: str) -> None:
    """Fail now with the exceptions ``owner``'s greenlets died of, one group if several."""
    __tracebackhide__ = True
    if owner is None or not owner.errors:
        return
    errors = as_failures(take_unretrieved(owner), owner)
    raise_together(
        errors,
        f"{len(errors)} greenlets died with exceptions nobody retrieved during {phase} of {whose}",
    )
