"""``--gevent-trace=DIR``, ini ``gevent_trace``, ``@pytest.mark.gevent_trace``: what users meet."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from trace_rules import problems

if TYPE_CHECKING:
    from conftest import Lab, RunTraced

OUTCOMES = """
    import gevent
    import pytest


    @pytest.fixture
    def broken():
        raise RuntimeError("setup broke")


    def test_passes():
        gevent.sleep(0)


    def test_fails():
        gevent.joinall([gevent.spawn(gevent.sleep, 0)])
        assert 1 == 2


    @pytest.mark.gevent_trace
    def test_marked():
        gevent.sleep(0)


    def test_setup_error(broken):
        pass


    @pytest.mark.gevent_trace
    def test_marked_but_skipped():
        pytest.skip("not today")


    @pytest.mark.gevent_trace
    @pytest.mark.xfail(reason="known")
    def test_marked_xfail():
        assert False
"""


def test_files_for_failed_and_marked_tests_only(run_traced: RunTraced) -> None:
    run = run_traced(OUTCOMES)
    run.result.assert_outcomes(passed=2, failed=1, errors=1, skipped=1, xfailed=1)
    stems = ["test_fails", "test_marked", "test_marked_xfail", "test_setup_error"]
    assert run.files() == sorted(f"test_module.py__{s}.{x}" for s in stems for x in ("json", "svg"))
    outcomes = {s: run.trace(f"test_module.py__{s}")["otherData"]["outcome"] for s in stems}
    assert outcomes == {
        "test_fails": "failed",
        "test_marked": "passed",
        "test_marked_xfail": "xfailed",
        "test_setup_error": "error in setup",
    }
    assert "failed · " in run.svg("test_module.py__test_fails")


def test_the_failure_report_names_both_files(run_traced: RunTraced) -> None:
    run = run_traced(OUTCOMES)
    run.result.stdout.fnmatch_lines(
        [
            "*_ test_fails _*",
            "*- gevent-lab trace -*",
            "picture: traces/test_module.py__test_fails.svg",
            "trace:   traces/test_module.py__test_fails.json (Trace Event Format: open it in "
            "https://ui.perfetto.dev, chrome://tracing or speedscope)",
        ]
    )
    run.result.stdout.fnmatch_lines(
        [
            "*- gevent-lab: traces -*",
            "4 test(s) traced into traces (open the .svg in a browser, the .json in *):",
            "  test_module.py::test_fails: test_module.py__test_fails.svg",
        ]
    )
    # the names printed are files that exist (relative to where pytest ran)
    for line in run.result.stdout.lines:
        if line.startswith(("picture: ", "trace:   ")):
            assert (run.directory.parent / line.split()[1]).is_file(), line


def test_teardown_is_in_the_picture_with_the_leak_checks_kill(run_traced: RunTraced) -> None:
    run = run_traced(
        """
        import gevent


        def forever():
            gevent.sleep(60)


        def test_leaks(spawn):
            spawn(forever)
            gevent.sleep(0)
        """
    )
    run.result.assert_outcomes(passed=1, errors=1)
    trace = run.trace("test_module.py__test_leaks")
    assert problems(trace) == []
    assert trace["otherData"]["outcome"] == "error in teardown"
    events = trace["traceEvents"]
    tid = next(e["tid"] for e in events if e["ph"] == "M" and e["args"].get("name") == "forever")
    teardown = next(e for e in events if e.get("cat") == "phase" and e["name"] == "teardown")
    kill = next(e for e in events if e["ph"] == "i" and e["cat"] == "kill")
    assert kill["tid"] == tid
    assert teardown["ts"] <= kill["ts"] <= teardown["ts"] + teardown["dur"]


def test_the_ini_value_names_the_folder_and_the_command_line_beats_it(lab: Lab) -> None:
    lab.ini("gevent_trace = from_ini")
    lab.write("def test_fails():\n    assert False\n", name="test_fails")
    lab.run().assert_outcomes(failed=1)
    assert sorted(p.name for p in (lab.path / "from_ini").iterdir()) == [
        "test_fails.py__test_fails.json",
        "test_fails.py__test_fails.svg",
    ]
    lab.run("--gevent-trace=from_cli").assert_outcomes(failed=1)
    assert len(list((lab.path / "from_cli").iterdir())) == 2
    assert len(list((lab.path / "from_ini").iterdir())) == 2  # not written again


def test_the_ini_folder_is_relative_to_the_ini_file(
    lab: Lab, monkeypatch: pytest.MonkeyPatch
) -> None:
    lab.ini("gevent_trace = pictures")
    lab.write("def test_fails():\n    assert False\n", name="test_fails")
    monkeypatch.chdir(lab.pytester.mkdir("elsewhere"))  # pytest starts here, the ini is above
    lab.run(str(lab.path)).assert_outcomes(failed=1)
    assert (lab.path / "pictures" / "test_fails.py__test_fails.svg").is_file()
    assert not (lab.path / "elsewhere" / "pictures").exists()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "a_file/traces",
            "--gevent-trace=a_file/traces: cannot write trace files into *a_file/traces: "
            "Not a directory",
        ),
        ("a_file", "--gevent-trace=a_file: *a_file is a file; give a folder for the trace files"),
        ("", "--gevent-trace: expected a folder to write traces into, got ''"),
    ],
)  # fmt: skip
def test_a_folder_that_cannot_be_written_is_a_usage_error(
    lab: Lab, value: str, message: str
) -> None:
    lab.pytester.makefile("", a_file="not a folder")
    lab.write("def test_fails():\n    assert False\n")
    result = lab.run(f"--gevent-trace={value}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: {message}"])
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()
    assert "Traceback" not in result.stderr.str()


def test_a_bad_ini_folder_is_named_as_the_ini_value(lab: Lab) -> None:
    lab.pytester.makefile("", a_file="not a folder")
    lab.ini("gevent_trace = a_file")
    result = lab.run()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["ERROR: ini gevent_trace=a_file: *a_file is a file; give a folder*"]
    )


def test_the_marker_takes_no_arguments(run_traced: RunTraced) -> None:
    run = run_traced(
        """
        import pytest


        @pytest.mark.gevent_trace("always")
        def test_x():
            pass
        """
    )
    run.result.assert_outcomes(errors=1)
    run.result.stdout.fnmatch_lines(
        [
            "*test_module.py::test_x: @pytest.mark.gevent_trace takes no arguments, "
            "got args=('always',) kwargs={}; write it bare: @pytest.mark.gevent_trace"
        ]
    )
    assert "INTERNALERROR" not in run.result.stdout.str()


RECORDER_STATE = """
    import gevent
    import pytest
    from pytest_gevent_lab.traces import active_recorder, recorder_of


    @pytest.mark.gevent_trace
    def test_state(request):
        recorder = active_recorder()
        assert recorder_of(request.node) is recorder
        if recorder is None:
            print("STATE: off", request.config.pluginmanager.get_plugin("gevent_lab_traces"))
            return
        before = recorder.switches
        gevent.joinall([gevent.spawn(gevent.sleep, 0) for _ in range(5)])
        print("STATE: on, switches recorded:", recorder.switches - before)
"""


def test_off_records_nothing_and_writes_nothing(lab: Lab) -> None:
    lab.write(RECORDER_STATE, name="test_module")
    result = lab.run("-s", "--strict-markers")
    result.assert_outcomes(passed=1)  # the marker is registered even when tracing is off
    result.stdout.fnmatch_lines(["*STATE: off None"])
    assert not [p for p in lab.path.rglob("*") if p.suffix in (".svg", ".json")]


def test_on_every_switch_of_the_test_is_recorded(run_traced: RunTraced) -> None:
    run = run_traced(RECORDER_STATE, "-s")
    run.result.assert_outcomes(passed=1)
    # five greenlets, each switched into and out of twice (started; back from sleep(0))
    run.result.stdout.fnmatch_lines(["*STATE: on, switches recorded: *"])
    switches = int(run.result.stdout.str().split("switches recorded: ")[1].split()[0])
    assert switches >= 20


CHAINED = """
    import greenlet
    from pathlib import Path

    SEEN = []


    def user_trace(event, args):
        SEEN.append(event)


    def pytest_configure(config):
        greenlet.settrace(user_trace)


    def pytest_unconfigure(config):
        Path("restored.txt").write_text(str(greenlet.gettrace() is user_trace))
"""
DESTROYS_THE_HUB = """
    import gevent
    import conftest
    from pytest_gevent_lab.traces import active_recorder

    held = {}


    def test_a_destroys_the_hub_and_fails():
        held["a"] = active_recorder()
        gevent.joinall([gevent.spawn(gevent.sleep, 0) for _ in range(3)])
        gevent.get_hub().destroy(destroy_loop=True)
        assert False


    def test_b_is_recorded_alone():
        a, me = held["a"], active_recorder()
        assert me is not None and me is not a
        a_before, seen_before, me_before = a.switches, len(conftest.SEEN), me.switches
        gevent.joinall([gevent.spawn(gevent.sleep, 0) for _ in range(3)])
        assert a.switches == a_before  # test_a's recorder was removed with its test
        assert me.switches - me_before >= 6
        assert len(conftest.SEEN) - seen_before >= me.switches - me_before  # chained
"""


def test_a_previous_trace_function_is_chained_and_restored_after_a_hub_destroying_failure(
    run_traced: RunTraced, lab: Lab
) -> None:
    lab.conftest(CHAINED)
    run = run_traced(DESTROYS_THE_HUB, subprocess=True)
    run.result.assert_outcomes(passed=1, failed=1)
    assert (lab.path / "restored.txt").read_text() == "True"
    trace = run.trace("test_module.py__test_a_destroys_the_hub_and_fails")
    assert problems(trace) == []


def test_under_xdist_every_worker_writes_into_the_folder(run_traced: RunTraced) -> None:
    run = run_traced(
        """
        import gevent
        import pytest


        @pytest.mark.parametrize("n", range(8))
        def test_fails(n):
            gevent.joinall([gevent.spawn(gevent.sleep, 0.01) for _ in range(3)])
            assert n < 0
        """,
        "-n",
        "2",
        subprocess=True,
    )
    run.result.assert_outcomes(failed=8)
    written = sorted(run.directory.glob("*.json"))
    assert len(written) == 8
    assert len(list(run.directory.glob("*.svg"))) == 8
    traces = [json.loads(path.read_text("utf-8")) for path in written]
    assert all(problems(trace) == [] for trace in traces)
    pids = {event["pid"] for trace in traces for event in trace["traceEvents"]}
    assert len(pids) == 2  # both workers wrote
    run.result.stdout.fnmatch_lines(["picture: traces/test_module.py__test_fails_3.svg"])
    run.result.stdout.fnmatch_lines(["8 test(s) traced into traces *"])


def test_a_patched_run_records_the_patched_blocking_calls(run_traced: RunTraced) -> None:
    run = run_traced(
        """
        import time

        import gevent
        import gevent.monkey
        import pytest


        @pytest.mark.gevent_trace
        def test_patched_sleeps():
            assert gevent.monkey.is_module_patched("time")
            gevent.joinall([gevent.spawn(time.sleep, 0.02) for _ in range(3)])
        """,
        "--gevent-patch",
        subprocess=True,
    )
    run.result.assert_outcomes(passed=1)
    trace = run.trace("test_module.py__test_patched_sleeps")
    assert problems(trace) == []
    names = {e["args"]["name"] for e in trace["traceEvents"] if e["name"] == "thread_name"}
    assert {"sleep", "sleep#2", "sleep#3"} <= names
    # patched, the three sleeps overlap: all three started before the first one ended
    sleepers = {e["tid"] for e in trace["traceEvents"] if e["name"] == "thread_name"
                and e["args"]["name"].startswith("sleep")}  # fmt: skip
    marks = sorted(
        (e["ts"], e["cat"])
        for e in trace["traceEvents"]
        if e["ph"] == "i" and e["tid"] in sleepers and e["cat"] in ("start", "death")
    )
    assert [kind for _, kind in marks] == ["start"] * 3 + ["death"] * 3
    assert trace["otherData"]["duration_us"] >= 20_000  # microseconds: each slept 20 ms


def test_help_lists_the_option_in_the_gevent_lab_group(lab: Lab) -> None:
    result = lab.run("--help")
    text = result.stdout.str()
    group = text[text.index("gevent-lab: testing code") :]
    assert "--gevent-trace=DIR" in group
    assert (
        "gevent_trace (string)" in text or "gevent_trace" in text.split("[pytest] ini-options")[1]
    )


def test_a_traced_test_id_becomes_a_file_safe_name(run_traced: RunTraced) -> None:
    run = run_traced(
        """
        import pytest


        @pytest.mark.parametrize("value", ["a/b", "x y", "plain"])
        def test_ids(value):
            assert False
        """
    )
    run.result.assert_outcomes(failed=3)
    names = run.files()
    assert "test_module.py__test_ids_plain.json" in names
    weird = [n for n in names if n.endswith(".json") and "plain" not in n]
    assert len(weird) == 2
    assert all(Path(n).stem.rsplit("-", 1)[1].isalnum() for n in weird)
    assert all("/" not in n and " " not in n for n in names)


def test_switch_trace_inside_a_traced_test_works_and_the_recording_goes_on(
    run_traced: RunTraced,
) -> None:
    run = run_traced(
        """
        import gevent
        import pytest


        def foo():
            gevent.sleep(0)


        @pytest.mark.gevent_trace
        def test_both(switch_trace):
            with switch_trace() as trace:
                gevent.joinall([gevent.spawn(foo)])
            trace.assert_sequence(["main", "foo", "main"])
            gevent.joinall([gevent.spawn(foo)])  # after the block: still recorded
        """
    )
    run.result.assert_outcomes(passed=1)
    trace = run.trace("test_module.py__test_both")
    names = {e["args"]["name"] for e in trace["traceEvents"] if e["name"] == "thread_name"}
    assert {"foo", "foo#2"} <= names


def test_a_trace_that_cannot_be_written_is_reported_and_the_run_goes_on(
    run_traced: RunTraced,
) -> None:
    run = run_traced(
        """
        import shutil
        from pathlib import Path


        def test_pulls_the_folder_away(request):
            folder = Path(request.config.getoption("gevent_trace"))
            shutil.rmtree(folder)
            folder.write_text("a file now")  # the trace cannot go there any more
            assert False


        def test_next():
            pass
        """
    )
    run.result.assert_outcomes(failed=1, passed=1)
    assert run.result.ret == pytest.ExitCode.TESTS_FAILED
    run.result.stdout.fnmatch_lines(
        [
            "*- gevent-lab: traces -*",
            "not written: test_module.py::test_pulls_the_folder_away: "
            "traces/test_module.py__test_pulls_the_folder_away.svg: NotADirectoryError: *",
        ]
    )
    assert "INTERNALERROR" not in run.result.stdout.str()
    assert "traced into" not in run.result.stdout.str()
