"""The ``interleaving`` fixture: recording, each assertion passing and failing, the output.

Patched runs happen in a subprocess (patching cannot be undone in this process).
"""

from __future__ import annotations

import subprocess
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Lab

ARTICLE = """
    import os
    import gevent


    def run_article(log):
        # The article's foo and bar (section 异步执行), recording instead of printing.
        def foo():
            log.record("Running in foo")
            gevent.sleep(0)
            log.record("Explicit context switch to foo again")

        def bar():
            log.record("Explicit context to bar")
            gevent.sleep(0)
            log.record("Implicit context switch back to bar")

        gevent.joinall([gevent.spawn(foo), gevent.spawn(bar)])


    def run_one_after_the_other(log):
        def foo():
            log.record("foo start")
            gevent.sleep(0)
            log.record("foo end")

        def bar():
            log.record("bar start")
            gevent.sleep(0)
            log.record("bar end")

        gevent.spawn(foo).join()
        gevent.spawn(bar).join()
"""

ARTICLE_ORDER = [
    "Running in foo",
    "Explicit context to bar",
    "Explicit context switch to foo again",
    "Implicit context switch back to bar",
]

ARTICLE_PASSES = f"""
    from gevent import monkey
    from pytest_gevent_lab import Interleaving

    _os_thread = monkey.get_original("_thread", "get_ident")


    def test_article_order(interleaving):
        assert isinstance(interleaving, Interleaving)
        run_article(interleaving)
        interleaving.assert_order({ARTICLE_ORDER!r})
        interleaving.assert_interleaved("foo", "bar", by="greenlet")
        interleaving.assert_one_thread()
        assert [e.greenlet for e in interleaving.events] == ["foo", "bar", "foo", "bar"]
        places = {{(e.pid, e.thread_id) for e in interleaving.events}}
        assert places == {{(os.getpid(), _os_thread())}}
        times = [e.time for e in interleaving.events]
        assert times == sorted(times)
"""


def test_article_order_unpatched(lab: Lab) -> None:
    lab.write(ARTICLE, ARTICLE_PASSES)
    lab.run().assert_outcomes(passed=1)


def test_article_order_patched(lab: Lab) -> None:
    lab.write(ARTICLE, ARTICLE_PASSES)
    result = lab.run_patched()
    result.assert_outcomes(passed=1)


def test_assert_order_shows_side_by_side_and_timeline(lab: Lab) -> None:
    lab.write(
        ARTICLE,
        """
        def test_wrong(interleaving):
            run_article(interleaving)
            interleaving.assert_order([
                "Running in foo",
                "Explicit context switch to foo again",
                "Explicit context to bar",
                "Implicit context switch back to bar",
            ])
        """,
    )
    result = lab.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "E *assert_order: event 2 is 'Explicit context to bar', "
            "expected 'Explicit context switch to foo again' (4 recorded, 4 expected)",
            "E *expected vs actual (first difference at event 2, marked >):",
            "E *#  expected * actual",
            "E *  1  Running in foo * Running in foo",
            "E *> 2  Explicit context switch to foo again != Explicit context to bar",
            "E *  3  Explicit context to bar * != Explicit context switch to foo again",
            "E *  4  Implicit context switch back to bar *Implicit context switch back to bar",
            "E *timeline (one column per greenlet, events in order):",
            "E *#  foo * bar",
            "E *  1  Running in foo",
            "E *> 2  * Explicit context to bar",
            "E *  3  Explicit context switch to foo again",
            "E *  4  * Implicit context switch back to bar",
        ]
    )
    # The plugin's frames are hidden: the failure points at the test's own line.
    result.stdout.no_fnmatch_line("*pytest_gevent_lab/interleaving/*")


def test_assert_order_missing_and_extra_events(lab: Lab) -> None:
    lab.write(
        ARTICLE,
        """
        def test_too_few_expected(interleaving):
            interleaving.record("a")
            interleaving.record("b")
            interleaving.assert_order(["a"])

        def test_too_many_expected(interleaving):
            interleaving.record("a")
            interleaving.assert_order(["a", "b"])
        """,
    )
    result = lab.run()
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(
        [
            "E *assert_order: event 2 is 'b', expected no more events (2 recorded, 1 expected)",
            "E *> 2  (nothing) != b",
            "E *assert_order: event 2 is no more events, expected 'b' (1 recorded, 2 expected)",
            "E *> 2  b  * != (nothing)",
        ]
    )


def test_assert_before_is_every_before_every(lab: Lab) -> None:
    # Documented choice: the last "a" must precede the first "b". "first a before
    # first b" holds in test_first_only_is_not_enough, yet the assertion fails.
    lab.write(
        ARTICLE,
        """
        def test_holds(interleaving):
            run_one_after_the_other(interleaving)
            interleaving.assert_before("foo end", "bar start")

        def test_first_only_is_not_enough(interleaving):
            for label in ["a", "b", "a"]:
                interleaving.record(label)
            interleaving.assert_before("a", "b")

        def test_article_fails(interleaving):
            run_article(interleaving)
            interleaving.assert_before(
                "Explicit context switch to foo again", "Explicit context to bar"
            )
        """,
    )
    result = lab.run()
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines(
        [
            "E *assert_before('a', 'b'): every 'a' must come before every 'b', "
            "but 'b' is event 2 and 'a' is event 3",
            "E *  1  a",
            "E *> 2  *b",
            "E *> 3  a",
            "E *every 'Explicit context switch to foo again' must come before every "
            "'Explicit context to bar', but 'Explicit context to bar' is event 2 and *event 3",
        ]
    )


def test_assert_interleaved(lab: Lab) -> None:
    lab.write(
        ARTICLE,
        """
        def test_article_by_greenlet(interleaving):
            run_article(interleaving)
            interleaving.assert_interleaved("foo", "bar", by="greenlet")

        def test_by_label_prefix(interleaving):
            interleaving.record("producer: put 1")
            interleaving.record("consumer: got 1")
            interleaving.record("producer: put 2")
            interleaving.assert_interleaved("producer", "consumer")

        def test_sequential_fails(interleaving):
            run_one_after_the_other(interleaving)
            interleaving.assert_interleaved("foo", "bar")
        """,
    )
    result = lab.run()
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        [
            "E *assert_interleaved('foo', 'bar', by='label'): no interleaving: "
            "every event of 'foo' comes before every event of 'bar'",
            "E *timeline (one column per greenlet, events in order):",
            "E *#  foo * bar",
            "E *> 1  foo start",
            "E *> 2  foo end",
            "E *> 3  * bar start",
            "E *> 4  * bar end",
        ]
    )


def test_assert_not_interleaved(lab: Lab) -> None:
    lab.write(
        ARTICLE,
        """
        def test_sequential_holds(interleaving):
            run_one_after_the_other(interleaving)
            interleaving.assert_not_interleaved("foo", "bar", by="greenlet")
            interleaving.assert_not_interleaved("bar", "foo")

        def test_article_fails(interleaving):
            run_article(interleaving)
            interleaving.assert_not_interleaved("foo", "bar", by="greenlet")
        """,
    )
    result = lab.run()
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "E *assert_not_interleaved('foo', 'bar', by='greenlet'): event 2 comes between "
            "events 1 and 3 of the other group",
            "E *> 1  Running in foo",
            "E *> 2  * Explicit context to bar",
            "E *> 3  Explicit context switch to foo again",
            "E *  4  * Implicit context switch back to bar",
        ]
    )


def test_assert_one_thread_fails_for_a_real_thread(lab: Lab) -> None:
    lab.write(
        ARTICLE,
        """
        import threading

        def test_two_threads(interleaving):
            interleaving.record("in main")
            worker = threading.Thread(
                target=interleaving.record, args=("in worker",), name="worker"
            )
            worker.start()
            worker.join()
            assert [e.greenlet for e in interleaving.events] == ["main", "worker"]
            interleaving.assert_one_thread()
        """,
    )
    result = lab.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "E *assert_one_thread: events came from 2 threads (pid * thread *: 1 events, "
            "first 1; pid * thread *: 1 events, first 2)",
            "E *#  main * worker",
            "E *> 1  in main",
            "E *> 2  * in worker",
        ]
    )


def test_bad_arguments_are_clear_errors(lab: Lab) -> None:
    lab.write(
        ARTICLE,
        """
        import pytest

        def test_errors(interleaving):
            interleaving.record("x")
            with pytest.raises(TypeError, match="takes a str label, got 3"):
                interleaving.record(3)
            with pytest.raises(TypeError, match="takes a list of str labels, got 'x'"):
                interleaving.assert_order("x")
            with pytest.raises(ValueError, match="by='thread' is not one of label, greenlet"):
                interleaving.assert_interleaved("x", "y", by="thread")

        def test_unknown_group(interleaving):
            interleaving.record("foo 1")
            interleaving.record("bar 1")
            interleaving.assert_interleaved("foo", "baz")
        """,
    )
    result = lab.run()
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "E *assert_interleaved: no event with label matching 'baz'; "
            "recorded labels: ?'bar 1', 'foo 1'?",
        ]
    )


def test_greenlet_names(lab: Lab) -> None:
    lab.write(
        ARTICLE,
        """
        import greenlet

        def test_names(interleaving):
            def work():
                interleaving.record("work")

            named = gevent.Greenlet(work)
            named.name = "producer"
            named.start()
            gevent.joinall([gevent.spawn(work), gevent.spawn(work), named])
            greenlet.greenlet(work).switch()
            interleaving.record("test body")
            names = [e.greenlet for e in interleaving.events]
            assert names == ["producer", "work", "work#2", "work#3", "main"]
        """,
    )
    result = lab.run()
    result.assert_outcomes(passed=1)


def test_long_log_elides_the_middle(lab: Lab) -> None:
    lab.write(
        ARTICLE,
        """
        def test_long(interleaving):
            def worker(name):
                for step in range(50):
                    interleaving.record(f"{name} {step}")
                    gevent.sleep(0)

            gevent.joinall([gevent.spawn(worker, "a"), gevent.spawn(worker, "b")])
            expected = interleaving.labels
            expected[59], expected[60] = expected[60], expected[59]
            interleaving.assert_order(expected)
        """,
    )
    result = lab.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "E *assert_order: event 60 is 'b 29', expected 'a 30' (100 recorded, 100 expected)",
            "E *    1  a 0 * a 0",
            "E *... 47 events elided ...",
            "E *>  60  a 30 * != b 29",
            "E *   61  b 29 * != a 30",
            "E *... 28 events elided ...",
            "E *  100  b 49 * b 49",
            "E *timeline (one column per greenlet, events in order):",
            "E *#  worker * worker#2",
            "E *... 47 events elided ...",
            "E *>  60  * b 29",
            "E *... 28 events elided ...",
            "E *  100  * b 49",
        ]
    )
    message = [line for line in result.outlines if line.startswith("E ")]
    assert len(message) < 80, len(message)


def test_package_import_stays_light() -> None:
    code = (
        "import sys, pytest_gevent_lab as lab; "
        "assert 'gevent' not in sys.modules, 'gevent imported by the package'; "
        "assert lab.Interleaving.__name__ == 'Interleaving'; "
        "assert lab.SwitchTrace and lab.Sequencer; "
        "print(sorted(set(lab.__all__)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "Interleaving" in done.stdout


def test_threads_keep_their_names_when_patched(lab: Lab) -> None:
    # Patched, a threading.Thread is a greenlet running Thread._bootstrap.
    lab.write(
        """
        import threading

        def test_names(interleaving):
            threads = [
                threading.Thread(target=interleaving.record, args=(f"from {n}",), name=n)
                for n in ("worker-0", "worker-1")
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert sorted(e.greenlet for e in interleaving.events) == ["worker-0", "worker-1"]
        """
    )
    lab.run_patched().assert_outcomes(passed=1)
    lab.run().assert_outcomes(passed=1)  # unpatched: real threads


def test_many_greenlets_get_one_row_per_event(lab: Lab) -> None:
    # Fifty columns would be unreadable: the timeline names each event's greenlet instead.
    lab.write(
        ARTICLE,
        """
        def test_many(interleaving):
            def worker(n):
                interleaving.record(f"start {n}")
                gevent.sleep(0)
                interleaving.record(f"end {n}")

            gevent.joinall([gevent.spawn(worker, n) for n in range(50)])
            interleaving.assert_order([])
        """,
    )
    result = lab.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*timeline (50 greenlets, too many for columns; events in order):",
            "*#  greenlet  *event",
            "E       >*1  worker *start 0",
        ]
    )
    # The timeline's own rows; the short summary's line is as long as pytest
    # likes (untruncated when CI is set).
    timeline = [line for line in result.stdout.lines if line.startswith("E ")]
    assert timeline
    assert max(len(line) for line in timeline) < 160
