"""A run pays per test only for the capabilities it uses (issue 15).

Every test of every run with the plugin installed goes through its per-test
hooks, so each capability registers its own only once a test needs it: the
results filing at the first value a test attaches, the call check once gevent
is in the process, the speedup's call once a test carries the marker. The
hooks a run ended with are the measure here: a hook registered for nothing
costs every test, whatever it then does.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from conftest import Lab

RECORD = """
    import json
    import sys
    from pathlib import Path

    import pytest

    PER_TEST = (
        "pytest_runtest_protocol",
        "pytest_runtest_setup",
        "pytest_runtest_call",
        "pytest_pyfunc_call",
        "pytest_runtest_teardown",
        "pytest_runtest_logreport",
    )
    PER_COLLECTED = (
        "pytest_make_collect_report",
        "pytest_collection_modifyitems",
        "pytest_pycollect_makeitem",
        "pytest_itemcollected",
        "pytest_collectreport",
    )


    @pytest.fixture(scope="session", autouse=True)
    def session_resource():  # as other plugins' session fixtures: no gevent in it
        yield


    def pytest_unconfigure(config):
        hooks = config.pluginmanager.hook
        def ours(names):
            return sorted(
                f"{impl.plugin_name}:{name}"
                for name in names
                for impl in getattr(hooks, name).get_hookimpls()
                if (impl.plugin_name or "").startswith("gevent_lab")
            )

        found = {
            "hooks": ours(PER_TEST),
            "collection": ours(PER_COLLECTED),
            "gevent": "gevent" in sys.modules,
        }
        Path("per_test.json").write_text(json.dumps(found))
"""
ALWAYS = [
    "gevent_lab.greenlets:pytest_runtest_setup",
    "gevent_lab.greenlets:pytest_runtest_teardown",
]
CALL_CHECK = "gevent_lab.greenlets.call:pytest_runtest_call"
FILING = [
    "gevent_lab.results.filing:pytest_runtest_logreport",
    "gevent_lab.results.filing:pytest_runtest_setup",
]


def ended_with(lab: Lab, *sources: str, verdict_matters: bool = True) -> dict[str, Any]:
    lab.conftest(RECORD)
    lab.write(*sources)
    result = lab.run_subprocess()
    allowed = [pytest.ExitCode.OK] if verdict_matters else [pytest.ExitCode.OK, 1]
    assert result.ret in allowed, result.stdout.str()
    found: dict[str, Any] = json.loads((lab.path / "per_test.json").read_text())
    return found


def test_a_run_that_never_touches_gevent_has_two_hooks_and_no_gevent(lab: Lab) -> None:
    found = ended_with(lab, "def test_plain():\n    pass\n")
    assert found["hooks"] == ALWAYS
    assert found["gevent"] is False  # not even at the teardown of a session fixture


def test_every_capability_checks_its_markers_behind_one_hook_of_each_kind(lab: Lab) -> None:
    # Each capability's collection-time marker check used to be a hook of its own:
    # six wrappers around each collector's report and four modifyitems, each asking
    # every test for its marker. One pass per batch asks for all of them.
    found = ended_with(
        lab, "import pytest\n\n\n@pytest.mark.gevent_timeout(5)\ndef test_t():\n    pass\n"
    )
    assert found["collection"] == [
        "gevent_lab.markers:pytest_collection_modifyitems",
        "gevent_lab.markers:pytest_make_collect_report",
    ]


def test_gevent_in_the_process_adds_the_call_check(lab: Lab) -> None:
    found = ended_with(lab, "import gevent\n\n\ndef test_sleeps():\n    gevent.sleep(0)\n")
    assert found["hooks"] == sorted([*ALWAYS, CALL_CHECK])


def test_a_claim_adds_the_results_filing(lab: Lab) -> None:
    found = ended_with(
        lab,
        """
        import pytest

        @pytest.mark.claim("c1", "a claim")
        def test_claimed(record_figure):
            record_figure("answer", 42)
        """,
    )
    assert found["hooks"] == sorted([*ALWAYS, *FILING])


def test_a_speedup_test_adds_its_call_and_the_filing(lab: Lab) -> None:
    found = ended_with(
        lab,
        """
        import gevent
        import pytest

        @pytest.mark.concurrent_speedup(rounds=2, warmup=0)
        def test_waits(spawn):
            for _ in range(4):
                spawn(gevent.sleep, 0.01)
        """,
        verdict_matters=False,  # measured in real time: only which hooks ran is asserted here
    )
    expected = [*ALWAYS, CALL_CHECK, *FILING, "gevent_lab.speedup.calls:pytest_pyfunc_call"]
    assert found["hooks"] == sorted(expected)
