"""One test's greenlets, timers and breakage stay in that test (issue 10 items 6 and 9).

DESIGN.md, "Whose greenlet is it": only the owner is blamed; what the plugin
installed for a test is restored whatever the test did.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Lab

LATER_TESTS = ("test_next_one", "test_and_the_one_after")


def _later_tests_unharmed(result: pytest.RunResult) -> None:
    """Run with -rA: each later test passed, and neither failed nor erred in any phase."""
    for name in LATER_TESTS:
        result.stdout.fnmatch_lines([f"PASSED *::{name}"])
        result.stdout.no_fnmatch_line(f"FAILED *::{name}*")
        result.stdout.no_fnmatch_line(f"ERROR *::{name}*")


DESTROYS_THE_HUB = """
    import gevent


    def test_destroys_the_hub(spawn):
        spawn(gevent.sleep, 10)  # still running: the leak check will kill it
        gevent.sleep(0)
        gevent.get_hub().destroy(destroy_loop=True)


    def test_next_one():
        gevent.spawn(gevent.sleep, 0).join()


    def test_and_the_one_after():
        assert gevent.spawn(lambda: 42).get() == 42
"""


def test_a_destroyed_hub_does_not_break_the_next_tests(lab: Lab) -> None:
    lab.write(DESTROYS_THE_HUB)
    result = lab.run_isolated("-rA")
    # The destroyer may be blamed for its own leak; the tests after it must pass.
    _later_tests_unharmed(result)


SWITCH_TRACES_OUT_OF_ORDER = """
    import gevent


    def test_exits_two_traces_out_of_order(switch_trace):
        outer = switch_trace()
        inner = switch_trace()
        outer.__enter__()
        inner.__enter__()
        gevent.sleep(0)
        outer.__exit__(None, None, None)
        inner.__exit__(None, None, None)


    def test_next_one():
        assert gevent.spawn(lambda: 42).get() == 42


    def test_and_the_one_after():
        gevent.joinall([gevent.spawn(gevent.sleep, 0) for _ in range(3)])
"""


def test_switch_traces_exited_out_of_order_do_not_break_the_next_tests(lab: Lab) -> None:
    lab.write(SWITCH_TRACES_OUT_OF_ORDER)
    result = lab.run_isolated("-rA")
    # The misuse may fail its own test; it must not fail any other.
    _later_tests_unharmed(result)


CATCHES_GREENLET_EXIT = """
    import gevent


    def stubborn():
        while True:
            try:
                gevent.sleep(0.01)
            except gevent.GreenletExit:
                pass  # refuses every kill, keeps working


    def test_leaves_a_stubborn_greenlet():
        gevent.spawn(stubborn)
        gevent.sleep(0)


    def test_two():
        gevent.sleep(0.05)


    def test_three():
        gevent.sleep(0.05)
"""


def test_a_leak_is_reported_in_its_own_test_only(lab: Lab) -> None:
    lab.write(CATCHES_GREENLET_EXIT)
    result = lab.run_isolated("-rw")
    text = result.stdout.str()
    assert "test_leaves_a_stubborn_greenlet: greenlet(s) started" in text, text
    for later in ("test_two", "test_three"):
        assert f"::{later}: greenlet(s) started" not in text, text


IMPORT_TIME_GREENLET = {
    "test_a_first": """
        import gevent


        def test_yields():
            gevent.sleep(0.05)
    """,
    "test_b_spawns_at_import": """
        import gevent


        def fails_later():
            gevent.sleep(0.01)
            raise RuntimeError("spawned at import")


        gevent.spawn(fails_later)


        def test_here():
            pass
    """,
}


def test_an_import_time_greenlet_is_not_blamed_on_a_test(lab: Lab) -> None:
    for name, source in IMPORT_TIME_GREENLET.items():
        lab.write(source, name=name)
    result = lab.run_isolated()
    result.assert_outcomes(passed=2)


TIMER_LEFT_BEHIND = """
    import gevent


    def test_leaves_a_timeout_running():
        gevent.Timeout.start_new(0.1)


    def test_next_one_waits():
        gevent.sleep(0.5)
"""


def test_a_timer_left_behind_does_not_fire_in_the_next_test(lab: Lab) -> None:
    lab.write(TIMER_LEFT_BEHIND)
    result = lab.run_isolated()
    result.assert_outcomes(passed=2)
