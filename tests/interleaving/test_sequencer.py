"""The ``sequencer`` fixture: forced order between greenlets, misuse, a broken sequence."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Lab

HEADER = """
    import gevent
    import pytest
    from pytest_gevent_lab import Sequencer
"""

ORDER_HOLDS = """
    def test_blocks_run_in_position_order(sequencer, interleaving):
        assert isinstance(sequencer, Sequencer)

        def worker(*positions):
            for position in positions:
                with sequencer(position):
                    interleaving.record(str(position))
                    gevent.sleep(0)  # a switch inside a block must not let the next one in

        # Spawned in the reverse of the order they must run in (trio's example).
        gevent.joinall(
            [gevent.spawn(worker, 1, 3), gevent.spawn(worker, 2, 5), gevent.spawn(worker, 0, 4)],
            raise_error=True,
        )
        interleaving.assert_order(["0", "1", "2", "3", "4", "5"])


    def test_a_block_that_raises_still_lets_the_next_run(sequencer, interleaving):
        def failing():
            with pytest.raises(KeyError), sequencer(0):
                raise KeyError("boom")

        def next_one():
            with sequencer(1):
                interleaving.record("1 ran")

        gevent.joinall([gevent.spawn(next_one), gevent.spawn(failing)], raise_error=True)
        interleaving.assert_order(["1 ran"])
"""


def test_order_unpatched(lab: Lab) -> None:
    lab.write(HEADER, ORDER_HOLDS)
    lab.run().assert_outcomes(passed=2)


def test_misuse_is_a_clear_error(lab: Lab) -> None:
    lab.write(
        HEADER,
        """
        def test_reuse(sequencer):
            for position in range(4):
                with sequencer(position):
                    pass
            with sequencer(3):
                pass


        @pytest.mark.parametrize("bad", [-1, "1", 1.5, True, None])
        def test_bad_position(sequencer, bad):
            with pytest.raises(ValueError) as error, sequencer(bad):
                pass
            assert str(error.value) == (
                f"sequence point {bad!r} is not valid: use an int 0, 1, 2, ... (0 runs first)"
            )
        """,
    )
    result = lab.run()
    result.assert_outcomes(passed=5, failed=1)
    result.stdout.fnmatch_lines(
        [
            "E *RuntimeError: sequence point 3 was already used: each position runs once; "
            "give this block a position no other block has (used: ?0, 1, 2, 3?)",
        ]
    )


BROKEN = """
    def test_killed_waiter_breaks_the_sequence(sequencer):
        errors = {}

        def waiter(position):
            try:
                with sequencer(position):
                    pass
            except RuntimeError as error:
                errors[position] = str(error)

        stuck = gevent.spawn(waiter, 2)  # point 1 never comes
        later = [gevent.spawn(waiter, 3), gevent.spawn(waiter, 5)]
        gevent.sleep(0)  # all three are waiting now
        stuck.kill()
        # Without the break these would wait until the loop ran dry (LoopExit): no
        # wall-clock bound here, which a stalled machine could outlast.
        assert gevent.joinall(later) == later
        expected = (
            "sequence broken before point {}: greenlet 'waiter' stopped with GreenletExit "
            "while waiting for sequence point 2; the blocks after it can no longer run in "
            "order (fix or stop that greenlet first)"
        )
        assert errors == {
            3: expected.format("3 could run"),
            5: expected.format("5 could run"),
        }
        with pytest.raises(RuntimeError, match="sequence broken before point 7 could run"):
            with sequencer(7):
                pass


    def test_timed_out_waiter_breaks_the_later_points_only(sequencer):
        with pytest.raises(gevent.Timeout), gevent.Timeout(0.01), sequencer(1):
            pass
        with sequencer(0):  # an earlier point can still run in order
            pass
        with pytest.raises(RuntimeError) as error, sequencer(2):
            pass
        assert "greenlet 'main' stopped with Timeout while waiting for sequence point 1" in str(
            error.value
        )


    def test_a_gap_nobody_fills_is_named(sequencer):
        with sequencer(0):
            pass
        with pytest.raises(RuntimeError) as error, sequencer(2):
            pass
        assert str(error.value) == (
            "sequence point 2 waits for point 1, which no greenlet reached: every other "
            "greenlet finished or is blocked"
        )
"""


def test_broken_sequence_unpatched(lab: Lab) -> None:
    lab.write(HEADER, BROKEN)
    lab.run().assert_outcomes(passed=3)


def test_order_and_broken_sequence_patched(lab: Lab) -> None:
    # one fresh interpreter for both: each costs ~0.3 s of CPU
    lab.write(HEADER, ORDER_HOLDS, BROKEN)
    lab.run_patched().assert_outcomes(passed=5)
