"""The ``switch_trace`` fixture: real greenlet switches, chaining and restoring a trace function."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Lab

ARTICLE = """
    import gevent
    import greenlet
    import pytest
    from pytest_gevent_lab import SwitchTrace


    def foo():
        gevent.sleep(0)


    def bar():
        gevent.sleep(0)


    def run_article():
        gevent.joinall([gevent.spawn(foo), gevent.spawn(bar)])
"""

ARTICLE_PASSES = """
    def test_article_sequence(switch_trace):
        before = greenlet.gettrace()  # the plugin's own leak watch, chained to
        with switch_trace() as trace:
            run_article()
        assert isinstance(trace, SwitchTrace)
        trace.assert_sequence(["main", "foo", "bar", "foo", "bar", "main"])
        assert greenlet.gettrace() == before


    def test_hub_included_on_request(switch_trace):
        with switch_trace(include_hub=True) as trace:
            run_article()
        assert trace.sequence[:10] == [
            "main", "hub", "foo", "hub", "bar", "hub", "foo", "hub", "bar", "hub"
        ]
        assert len(trace) >= 10
"""


def test_article_sequence_unpatched(lab: Lab) -> None:
    lab.write(ARTICLE, ARTICLE_PASSES)
    lab.run().assert_outcomes(passed=2)


def test_article_sequence_patched(lab: Lab) -> None:
    lab.write(ARTICLE, ARTICLE_PASSES)
    result = lab.run_patched()
    result.assert_outcomes(passed=2)


def test_wrong_sequence_shows_side_by_side_and_timeline(lab: Lab) -> None:
    lab.write(
        ARTICLE,
        """
        def test_wrong(switch_trace):
            with switch_trace() as trace:
                gevent.spawn(foo).join()
                gevent.spawn(bar).join()
            trace.assert_sequence(["main", "foo", "bar", "foo", "bar", "main"])
        """,
    )
    result = lab.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "E *assert_sequence: step 3 ran 'main', expected 'bar'",
            "E *expected vs actual (first difference at step 3, marked >):",
            "E *#  expected * actual",
            "E *  1  main * main",
            "E *  2  foo * foo",
            "E *> 3  bar * != main",
            "E *  4  foo * != bar",
            "E *  5  bar * != main",
            "E *  6  main * != (nothing)",
            "E *timeline (one column per greenlet, steps in order):",
            "E *#  main  foo   bar",
            "E *  1  runs",
            "E *  2        runs",
            "E *> 3  runs",
            "E *  4              runs",
            "E *  5  runs",
        ]
    )


def test_chains_to_and_restores_an_installed_trace_function(lab: Lab) -> None:
    lab.write(
        ARTICLE,
        """
        @pytest.fixture
        def coverage_like():
            seen = []

            def previous(event, args):
                seen.append(event)

            greenlet.settrace(previous)
            yield previous, seen
            greenlet.settrace(None)


        def test_restored_after_the_block(switch_trace, coverage_like):
            previous, seen = coverage_like
            with switch_trace() as trace:
                run_article()
            assert greenlet.gettrace() is previous
            assert len(seen) == len(trace) > 0  # the old one saw every switch too
            trace.assert_sequence(["main", "foo", "bar", "foo", "bar", "main"])


        def test_restored_when_the_body_raises(switch_trace, coverage_like):
            previous, _ = coverage_like
            with pytest.raises(ZeroDivisionError), switch_trace():
                run_article()
                1 / 0
            assert greenlet.gettrace() is previous
        """,
    )
    result = lab.run()
    result.assert_outcomes(passed=2)


def test_nesting(lab: Lab) -> None:
    lab.write(
        ARTICLE,
        """
        def test_nested_in_one_greenlet(switch_trace):
            before = greenlet.gettrace()
            with switch_trace() as outer:
                gevent.spawn(foo).join()
                with switch_trace() as inner:
                    gevent.spawn(bar).join()
                assert greenlet.gettrace() is outer._callback
            assert greenlet.gettrace() == before
            inner.assert_sequence(["main", "bar", "main"])
            outer.assert_sequence(["main", "foo", "main", "bar", "main"])


        def test_second_greenlet_refused(switch_trace):
            def traced_elsewhere():
                with switch_trace():
                    pass

            before = greenlet.gettrace()
            with switch_trace():
                other = gevent.spawn(traced_elsewhere)
                other.join()
            assert greenlet.gettrace() == before
            with pytest.raises(RuntimeError) as refused:
                other.get()
            assert str(refused.value) == (
                "switch_trace is already active in greenlet 'main' of this thread; a second "
                "one in greenlet 'traced_elsewhere' cannot be installed safely. Use one "
                "switch_trace around both, or nest them in the same greenlet."
            )


        def test_one_use_per_trace(switch_trace):
            trace = switch_trace()
            with trace:
                pass
            with pytest.raises(RuntimeError, match="already used; create a new one"), trace:
                pass
        """,
    )
    result = lab.run()
    result.assert_outcomes(passed=3)


def test_fixture_removes_a_trace_left_open(lab: Lab) -> None:
    lab.write(
        ARTICLE,
        """
        BEFORE = []


        def test_1_leaves_it_open(switch_trace):
            BEFORE.append(greenlet.gettrace())
            switch_trace().__enter__()
            assert greenlet.gettrace() != BEFORE[0]


        def test_2_finds_it_gone():
            assert greenlet.gettrace() == BEFORE[0]
        """,
    )
    result = lab.run()
    result.assert_outcomes(passed=2)
