"""One test never breaks the next: what the plugin installs is restored, whatever happened."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Lab


def test_a_test_that_destroys_the_hub_does_not_break_the_next(lab: Lab) -> None:
    # issue 10 item 6: the plugin's kill failed on the destroyed hub, and the
    # next tests died in RecursionError / InvalidSwitchError / IndexError.
    # In a subprocess: after gevent recreates a destroyed default loop, a wait
    # that should raise LoopExit blocks forever, in whatever process ran it.
    lab.write(
        """
        import gevent

        def test_destroys_the_hub(spawn):
            spawn(gevent.sleep, 30)
            gevent.spawn(gevent.sleep, 30)
            gevent.sleep(0)
            gevent.get_hub().destroy(destroy_loop=True)

        def test_next_uses_gevent(spawn):
            assert spawn(lambda: 42).get() == 42
            gevent.joinall([gevent.spawn(gevent.sleep, 0) for _ in range(3)])

        def test_and_errors_are_still_caught():
            gevent.spawn(lambda: 1 / 0).join()
        """
    )
    result = lab.run_subprocess("-W", "default")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["FAILED *::test_and_errors_are_still_caught*"])
    result.stdout.no_fnmatch_line("*RecursionError*")
    result.stdout.no_fnmatch_line("*InvalidSwitchError*")


def test_switch_traces_closed_out_of_order_do_not_break_the_next(lab: Lab) -> None:
    # issue 10 item 6: the second exit reinstalled the first, finished trace.
    lab.write(
        """
        import gevent

        def test_closes_out_of_order(switch_trace):
            outer, inner = switch_trace(), switch_trace()
            outer.__enter__()
            inner.__enter__()
            gevent.sleep(0)
            outer.__exit__(None, None, None)
            inner.__exit__(None, None, None)
            recorded = len(outer), len(inner)
            gevent.joinall([gevent.spawn(gevent.sleep, 0) for _ in range(3)])
            assert (len(outer), len(inner)) == recorded  # both stopped recording

        def test_next_traces_normally(switch_trace):
            with switch_trace() as trace:
                gevent.spawn(gevent.sleep, 0).join()
            assert "sleep" in trace.sequence

        def test_and_errors_are_still_caught():
            gevent.spawn(lambda: 1 / 0).join()
        """
    )
    result = lab.run()
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.no_fnmatch_line("*RecursionError*")
