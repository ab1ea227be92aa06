"""An exception that kills a greenlet fails the test it happened in, unless retrieved."""

from __future__ import annotations

from textwrap import dedent
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Lab


def test_unretrieved_exception_fails_the_test_with_its_traceback(lab: Lab) -> None:
    lab.write(
        """
        import gevent

        def explode():
            raise ValueError("kaboom from the greenlet")

        def test_it(spawn):
            spawn(explode)
            gevent.sleep(0.01)
        """
    )
    result = lab.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            '*raise ValueError("kaboom from the greenlet")*',
            "*GreenletError: explode() spawned at test_*.py:7 (<Greenlet at *>) "
            "died with ValueError: kaboom*"
            "*during call of test_*::test_it*",
        ]
    )


@pytest.mark.parametrize(
    "retrieve",
    [
        "with pytest.raises(ValueError):\n        g.get()",
        "with pytest.raises(ValueError):\n        gevent.joinall([g], raise_error=True)",
        "g.join()\n    with pytest.raises(ValueError):\n        g.get()",
    ],
)
def test_retrieved_exception_does_not_fail(lab: Lab, retrieve: str) -> None:
    template = """
        import gevent, pytest

        def explode():
            raise ValueError("expected")

        def test_it(spawn):
            g = spawn(explode)
            {retrieve}
    """
    lab.write(dedent(template).format(retrieve=retrieve))  # retrieve's lines fit the dedented body
    lab.run().assert_outcomes(passed=1)


def test_pool_join_raise_error_retrieves(lab: Lab) -> None:
    lab.write(
        """
        import pytest

        def explode():
            raise KeyError("expected")

        def test_it(gevent_pool):
            pool = gevent_pool(2)
            pool.spawn(explode)
            with pytest.raises(KeyError):
                pool.join(raise_error=True)
        """
    )
    lab.run().assert_outcomes(passed=1)


def test_plain_gevent_spawn_errors_fail_too(lab: Lab) -> None:
    lab.write(
        """
        import gevent

        def explode():
            raise RuntimeError("untracked")

        def test_it():
            gevent.spawn(explode).join()
        """
    )
    result = lab.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*RuntimeError: untracked*", "*GreenletError*explode*"])


def test_several_errors_become_one_group_naming_the_test(lab: Lab) -> None:
    lab.write(
        """
        import gevent

        def explode(n):
            raise ValueError(n)

        def test_many(spawn):
            gevent.joinall([spawn(explode, 1), spawn(explode, 2)])
        """
    )
    result = lab.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*2 greenlets died with exceptions nobody retrieved during call of *::test_many*"]
    )


def test_kill_and_greenlet_exit_are_not_errors(lab: Lab) -> None:
    lab.write(
        """
        import gevent

        def quits():
            raise gevent.GreenletExit()

        def test_it(spawn):
            waiting = spawn(gevent.sleep, 10)
            gevent.sleep(0)
            waiting.kill()
            spawn(quits).join()
        """
    )
    lab.run().assert_outcomes(passed=1)


def test_errors_in_fixture_setup_error_the_test(lab: Lab) -> None:
    lab.write(
        """
        import gevent, pytest

        def explode():
            raise ValueError("in setup")

        @pytest.fixture
        def broken(spawn):
            spawn(explode).join()

        def test_it(broken):
            pass
        """
    )
    result = lab.run()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*during setup of*test_it*"])


def test_opt_out_marker_lets_the_test_pass_and_gevent_print(lab: Lab) -> None:
    lab.write(
        """
        import gevent, pytest

        def explode():
            raise ValueError("printed, not failing")

        @pytest.mark.gevent_allow_errors
        def test_opted_out(spawn):
            spawn(explode).join()

        def test_still_checked(spawn):
            spawn(explode).join()
        """
    )
    result = lab.run("-rfP")  # P: the passed test's captured output, where gevent printed
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*_ test_opted_out _*",
            "*- Captured stderr call -*",
            "ValueError: printed, not failing",
            "*<Greenlet at *: explode> failed with ValueError",
            "FAILED *::test_still_checked*",
        ]
    )


HUB_PROBE = """
import gevent.hub
from gevent._hub_local import get_hub_if_exists

def pytest_sessionfinish(session):
    restored = gevent.hub.Hub.handle_error.__module__ == "gevent.hub"
    print(f"PROBE hub={get_hub_if_exists() is not None} restored={restored}")
"""


def test_no_hub_is_created_when_gevent_is_not_used(lab: Lab) -> None:
    lab.conftest(HUB_PROBE)
    lab.write("def test_a():\n    pass\n\ndef test_b():\n    assert 1\n")
    result = lab.run_subprocess("-s")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*PROBE hub=False restored=True*"])


def test_hub_handler_is_restored_after_the_tests(lab: Lab) -> None:
    lab.conftest(HUB_PROBE)
    lab.write("import gevent\n\ndef test_uses_gevent(spawn):\n    spawn(gevent.sleep, 0).join()\n")
    result = lab.run_subprocess("-s")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*PROBE hub=True restored=True*"])


def test_a_greenlet_killed_by_an_expired_timeout_fails_too(lab: Lab) -> None:
    # gevent.Timeout is a BaseException: it must not slip past the capture.
    lab.write(
        """
        import gevent

        def waits_too_long():
            with gevent.Timeout(0.001):
                gevent.sleep(1)

        def test_it():
            gevent.spawn(waits_too_long)
            gevent.sleep(0.05)
        """
    )
    result = lab.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*GreenletError: waits_too_long() spawned at *.py:8 (<Greenlet*) "
            "died with Timeout: 0.001 second*"
        ]
    )


def test_pdb_stops_where_the_greenlet_died(lab: Lab) -> None:
    # issue 10 item 16: --pdb on a greenlet's error landed in pluggy.
    lab.write(
        """
        import gevent

        def explode():
            secret = 42
            raise ValueError("kaboom")

        def test_it():
            gevent.spawn(explode).join()
        """
    )
    # pytester itself: an interactive (pexpect) session, which lab has no method for
    child = lab.pytester.spawn_pytest("-p no:randomly --pdb", expect_timeout=60)
    child.expect(r"\(Pdb\)")
    child.sendline("p secret")
    child.expect("42")
    child.sendline("q")
    child.wait()


def test_a_wsgi_app_error_names_the_request(lab: Lab) -> None:
    # issue 10 item 16: it named the environ dict as the greenlet.
    lab.write(
        """
        import urllib.error, urllib.request
        import pytest

        def app(environ, start_response):
            raise ValueError("the app broke")

        def test_serves(wsgi_server):
            url = wsgi_server(app)
            with pytest.raises(urllib.error.HTTPError):
                urllib.request.urlopen(url + "/boom", timeout=30)
        """
    )
    result = lab.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*GreenletError: app() (defined at *) (the WSGI request GET /boom) died with ValueError*"]
    )
