"""Force an order between greenlets: ``with seq(0):`` here, ``with seq(1):`` there.

Modelled on ``trio.testing.Sequencer``. Block 0 starts at once; block N starts
when block N-1 has ended (also when it raised). Each position is used once.

A greenlet killed or timed out while it waits for its turn breaks the sequence:
the blocks after it can never run in order, so every later waiter gets a
``RuntimeError`` saying who broke it instead of waiting forever.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import operator
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager

from gevent.event import Event
from gevent.exceptions import LoopExit
from greenlet import getcurrent

from ..greenlets.naming import GreenletNames


class Sequencer:
    """Runs ``with seq(n):`` blocks from different greenlets in the order of ``n``.

    Example, printing 0 1 2 3 whatever the scheduling::

        seq = Sequencer()

        def first():
            with seq(0):
                print(0)
            with seq(2):
                print(2)

        def second():
            with seq(1):
                print(1)
            with seq(3):
                print(3)

        gevent.joinall([gevent.spawn(second), gevent.spawn(first)])

    The greenlets share one thread (gevent's events belong to one hub).
    """

    def __init__(self) -> None:
        self._turns: defaultdict[int, Event] = defaultdict(Event)
        self._used: set[int] = set()
        self._broken: str | None = None  # why the sequence broke ...
        self._broken_at: int | None = None  # ... at which point: later ones cannot run
        self._name_of = GreenletNames()

    @contextmanager
    def __call__(self, position: int) -> Iterator[None]:
        position = _position(position)
        if position in self._used:
            raise RuntimeError(
                f"sequence point {position} was already used: each position runs once; "
                f"give this block a position no other block has (used: {sorted(self._used)})"
            )
        self._check_broken(position)
        self._used.add(position)
        if position > 0:
            # Named now: gevent forgets a killed greenlet's function before we could ask.
            waiter = self._name_of(getcurrent())
            try:
                self._turns[position].wait()
            except LoopExit as error:  # nothing else can run: no block will ever end
                self._break(position, waiter, error)
                raise RuntimeError(
                    f"sequence point {position} waits for point {position - 1}, which no "
                    "greenlet reached: every other greenlet finished or is blocked"
                ) from error
            except BaseException as error:  # GreenletExit, gevent.Timeout...
                self._break(position, waiter, error)
                raise
            self._check_broken(position)
        try:
            yield
        finally:
            self._turns[position + 1].set()

    def _break(self, position: int, waiter: str, error: BaseException) -> None:
        # Earlier points can still run in order; every later one is woken to fail.
        if self._broken_at is None or position < self._broken_at:
            self._broken_at = position
            self._broken = (
                f"greenlet {waiter!r} stopped with "
                f"{type(error).__name__} while waiting for sequence point {position}"
            )
        for later, turn in list(self._turns.items()):
            if later > position:
                turn.set()

    def _check_broken(self, position: int) -> None:
        if self._broken_at is not None and position > self._broken_at:
            raise RuntimeError(
                f"sequence broken before point {position} could run: {self._broken}; "
                "the blocks after it can no longer run in order (fix or stop that greenlet first)"
            )


def _position(position: object) -> int:
    try:
        value = operator.index(position)  # type: ignore[arg-type]
    except TypeError:
        value = -1
    if value < 0 or isinstance(position, bool):
        raise ValueError(
            f"sequence point {position!r} is not valid: use an int 0, 1, 2, ... (0 runs first)"
        )
    return value
