"""Greenlets still running when their owner ends are killed and reported; owners by scope."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from pytest_gevent_lab.greenlets import leaks

if TYPE_CHECKING:
    from conftest import Lab


@pytest.mark.timeout(60)  # without the kill, the inner run would wait 100 s for the greenlet
def test_leaked_tracked_greenlet_is_killed_and_reported(lab: Lab) -> None:
    lab.write(
        """
        import gevent

        leaked = []

        def test_leaks(spawn):
            leaked.append(spawn(gevent.sleep, 100))
            gevent.sleep(0)

        def test_next_one_is_clean():
            assert leaked[0].dead
        """
    )
    result = lab.run()
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*LeakedGreenletError: leaked greenlet(s) from test *::test_leaks*",
            "*killed:*",
            "*sleep() spawned at *test_leaked_tracked_greenlet_is_killed_and_reported.py:6*",
        ]
    )


def test_greenlet_that_refuses_to_die_is_reported_not_awaited(
    lab: Lab, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(leaks, "KILL_TIMEOUT", 0.05)
    lab.write(
        """
        import gevent

        STUBBORN = []

        def stubborn():
            try:
                gevent.sleep(100)
            except gevent.GreenletExit:
                gevent.sleep(10)  # ignores the kill for a while

        def test_it(spawn):
            STUBBORN.append(spawn(stubborn))
            gevent.sleep(0)

        def test_next_starts_while_it_still_runs():
            # not awaited: the teardown gave up after 0.05 s, 10 s before it would end
            assert not STUBBORN[0].dead
            STUBBORN[0].kill()  # a second kill lands in its sleep
            assert STUBBORN[0].dead
        """
    )
    result = lab.run()
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*refused to die within 0.05 s of kill()*", "*stubborn()*"])


def test_plain_gevent_spawn_leak_is_killed_with_a_warning(lab: Lab) -> None:
    lab.write(
        """
        import gevent

        leaked = []

        def test_leaks_plain():
            leaked.append(gevent.spawn(gevent.sleep, 100))
            gevent.sleep(0)

        def test_after():
            assert leaked[0].dead
        """
    )
    result = lab.run("-W", "default")
    result.assert_outcomes(passed=2, warnings=1)
    result.stdout.fnmatch_lines(
        ["*GreenletLeakWarning: *::test_leaks_plain: greenlet(s) started with plain gevent.spawn*"]
    )


def test_joined_and_pooled_greenlets_pass(lab: Lab) -> None:
    lab.write(
        """
        import gevent

        def test_it(spawn, gevent_pool):
            assert spawn(lambda a, b=0: a + b, 1, b=2).get() == 3
            pool, group = gevent_pool(2), gevent_pool()
            assert type(pool).__name__ == "Pool" and type(group).__name__ == "Group"
            assert pool.map(lambda x: x * 2, range(5)) == [0, 2, 4, 6, 8]
            group.spawn(gevent.sleep, 0)
            group.join()
        """
    )
    lab.run().assert_outcomes(passed=1)


def test_pool_greenlets_are_tracked(lab: Lab) -> None:
    lab.write(
        """
        import gevent

        def test_pool_leak(gevent_pool):
            gevent_pool(3).spawn(gevent.sleep, 100)
            gevent.sleep(0)
        """
    )
    result = lab.run()
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*leaked greenlet(s) from test *test_pool_leak*"])


def test_nested_spawns_belong_to_the_outer_owner(lab: Lab) -> None:
    lab.write(
        """
        import gevent, pytest

        @pytest.fixture(scope="module")
        def background(spawn):
            def parent():
                spawn(child)          # spawned by a tracked greenlet: same owner
                gevent.sleep(100)

            def child():
                gevent.sleep(100)

            spawn(parent)
            gevent.sleep(0.01)
            yield

        def test_one(background):
            gevent.sleep(0)   # the fixture's greenlets are not this test's leak

        def test_two(background):
            gevent.sleep(0)
        """
    )
    result = lab.run()
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_two*",
            "*leaked greenlet(s) from fixture 'background' (module scope)*",
            "*parent() spawned at*",
            "*child() spawned at*",
        ]
    )


def test_module_fixture_that_stops_its_greenlets_is_clean(lab: Lab) -> None:
    lab.write(
        """
        import gevent, pytest

        @pytest.fixture(scope="module")
        def server(spawn):
            g = spawn(gevent.sleep, 100)
            yield g
            g.kill()

        def test_one(server):
            assert not server.dead

        def test_two(server):
            assert not server.dead
        """
    )
    lab.run().assert_outcomes(passed=2)


@pytest.mark.parametrize(
    "call", ["spawn(42)", "gevent_pool().spawn(42)", "gevent_pool(2).spawn(42)"]
)
def test_non_callable_is_a_clear_error(lab: Lab, call: str) -> None:
    lab.write(f"def test_it(spawn, gevent_pool):\n    {call}\n")
    result = lab.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*TypeError: spawn: expected a callable*got 42 (int)*"])
    result.stdout.no_fnmatch_line("*pytest_gevent_lab/greenlets/*")  # no plugin source


def test_bad_pool_size_is_a_clear_error(lab: Lab) -> None:
    lab.write("def test_it(gevent_pool):\n    gevent_pool(0)\n")
    result = lab.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*gevent_pool: expected size=None*or a positive int, got 0*"])
    result.stdout.no_fnmatch_line("*pytest_gevent_lab/greenlets/*")


def test_session_fixture_leak_names_the_fixture_not_plugin_code(
    lab: Lab,
) -> None:
    lab.write(
        """
        import gevent, pytest

        @pytest.fixture(scope="session")
        def background(spawn):
            spawn(gevent.sleep, 100)
            gevent.sleep(0)

        def test_it(background):
            pass
        """
    )
    result = lab.run()
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*leaked greenlet(s) from fixture 'background' (session scope)*",
            "*kill it before the fixture's teardown ends.",
        ]
    )
    if pytest.version_tuple >= (9,):  # older pytest shows hidden frames inside a group
        result.stdout.no_fnmatch_line("*leaks.py*")
    result.stdout.no_fnmatch_line("*before the test ends*")


def test_leaks_are_killed_even_when_a_fixture_teardown_fails(lab: Lab) -> None:
    lab.write(
        """
        import gevent, pytest

        leaked = []

        @pytest.fixture
        def breaks_at_teardown():
            yield
            raise RuntimeError("teardown broke")

        def test_leaks(breaks_at_teardown, spawn):
            leaked.append(spawn(gevent.sleep, 100))
            gevent.sleep(0)

        def test_next():
            assert leaked[0].dead
        """
    )
    result = lab.run()
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*RuntimeError: teardown broke*", "*leaked greenlet(s)*"])


def test_plain_greenlets_never_run_or_owned_by_a_wider_fixture(lab: Lab) -> None:
    lab.write(
        """
        import gevent, pytest

        started = []

        @pytest.fixture(scope="module")
        def plain_server():
            server = gevent.spawn(gevent.sleep, 100)   # belongs to the fixture
            gevent.sleep(0)
            yield server
            server.kill()

        def test_uses_server(plain_server):
            gevent.sleep(0)

        def test_spawns_without_yielding(plain_server):
            started.append(gevent.spawn(gevent.sleep, 100))  # queued, never ran

        def test_after(plain_server):
            assert started[0].dead and not plain_server.dead
        """
    )
    result = lab.run("-W", "default")
    result.assert_outcomes(passed=3, warnings=1)
    result.stdout.fnmatch_lines(["*GreenletLeakWarning: *::test_spawns_without_yielding:*"])


def test_plain_leak_as_error_does_not_hide_other_teardown_problems(
    lab: Lab,
) -> None:
    # -W error (the README's way to make plain leaks errors) must not drop the
    # tracked leak nor a greenlet error from fixture teardown
    lab.write(
        """
        import gevent, pytest

        def explode():
            raise ValueError("boom in fixture teardown")

        @pytest.fixture
        def breaks_at_teardown(spawn):
            yield
            spawn(explode)
            gevent.sleep(0.01)

        def test_both(spawn, breaks_at_teardown):
            spawn(gevent.sleep, 100)
            gevent.spawn(gevent.sleep, 100)
            gevent.sleep(0)
        """
    )
    result = lab.run("-W", "error::pytest_gevent_lab.GreenletLeakWarning")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines_random(
        [
            "*greenlet problems at teardown of *::test_both (3 sub-exceptions)*",
            "*LeakedGreenletError: leaked greenlet(s) from test *::test_both*",
            "*GreenletLeakWarning: *::test_both: greenlet(s) started with plain gevent.spawn*",
            "*GreenletError: *explode()*boom in fixture teardown*during teardown*",
        ]
    )
    if pytest.version_tuple >= (9,):  # older pytest shows hidden frames inside a group
        result.stdout.no_fnmatch_line("*leaks.py*")


def test_plain_leak_warning_points_at_the_test(lab: Lab) -> None:
    lab.write(
        """
        import gevent

        def test_leaks_plain():
            gevent.spawn(gevent.sleep, 100)
            gevent.sleep(0)
        """
    )
    result = lab.run("-W", "default")
    result.assert_outcomes(passed=1, warnings=1)
    result.stdout.fnmatch_lines(
        ["*test_plain_leak_warning_points_at_the_test.py:3: GreenletLeakWarning*"]
    )


def test_spawn_later_leak_is_reported_for_its_test_not_the_next(lab: Lab) -> None:
    lab.write(
        """
        import gevent, pytest

        def boom():
            raise ValueError("late boom")

        @pytest.fixture(scope="module")
        def scheduled():
            g = gevent.Greenlet(gevent.sleep, 100)
            g.start_later(0.01)  # a wider fixture's: never the test's leak
            yield g
            g.kill()

        def test_a(scheduled):
            gevent.spawn_later(0.05, boom)

        def test_b(scheduled):
            gevent.sleep(0.1)  # boom would run here if test_a's greenlet survived
        """
    )
    result = lab.run("-W", "default")
    result.assert_outcomes(passed=2, warnings=1)
    result.stdout.fnmatch_lines(
        [
            "*::test_a: greenlet(s) started with plain gevent.spawn (or spawn_later)*",
            "*<Greenlet at *: boom>*",
        ]
    )
    result.stdout.no_fnmatch_line("*::test_b: greenlet*")
    result.stdout.no_fnmatch_line("*sleep(100)*")
