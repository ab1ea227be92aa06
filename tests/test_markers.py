"""The plugin's marker questions answer as pytest's ``get_closest_marker`` does.

``MarkerChecks.find`` and ``markers.closest`` are asked instead of pytest for
every collected test (issue 15): a marker on the function, its class, its
module (``pytestmark``), a parameter set (``pytest.param(marks=...)``), or
added to the item later.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from pytest_gevent_lab.markers import MarkerChecks, closest

if TYPE_CHECKING:
    from conftest import Lab

NAMES = ("on_module", "on_class", "on_function", "on_param", "added", "nowhere")
SOURCE = """
    import pytest

    pytestmark = pytest.mark.on_module(1)


    @pytest.mark.on_class("class")
    class TestGrouped:
        @pytest.mark.on_function
        @pytest.mark.on_class("closer")
        def test_marked(self):
            pass

        def test_class_only(self):
            pass


    @pytest.mark.parametrize("n", [1, pytest.param(2, marks=pytest.mark.on_param)])
    def test_params(n):
        pass


    def test_module_only():
        pass
"""


def collected(lab: Lab) -> list[pytest.Item]:
    lab.ini("markers =", *(f"    {name}" for name in NAMES), "    unwatched")
    return lab.pytester.getitems(lab.pytester.makepyfile(SOURCE))


def watching(*names: str) -> MarkerChecks:
    checks = MarkerChecks()
    checks.add(names[:2])  # several capabilities: their names are looked for together
    checks.add(names[2:])
    return checks


def test_they_agree_with_get_closest_marker_on_every_item(lab: Lab) -> None:
    items = collected(lab)
    items[-1].add_marker("added")
    items[0].add_marker("unwatched")  # carries it, but no capability asks: not found
    assert len(items) == 5
    carried = watching(*NAMES).find(items)
    for item in items:
        expected = {name: item.get_closest_marker(name) for name in NAMES}
        for name in NAMES:
            found = item in carried.items({name}) and item in carried.functions({name})
            assert found is (expected[name] is not None), (item.nodeid, name)
        assert closest(item, NAMES) == {k: v for k, v in expected.items() if v is not None}
    assert carried.items({"unwatched"}) == []
    marked = next(item for item in items if item.name == "test_marked")
    assert closest(marked, NAMES)["on_class"].args == ("closer",)  # the closest one wins


def test_items_under_different_parents_each_get_their_own(lab: Lab) -> None:
    # One walk per parent: a batch that switches parents must not keep the last one's.
    items = collected(lab)
    reordered = [items[-1], items[0], items[2], items[1]]
    carried = watching(*NAMES).find(reordered)
    assert carried.items({"on_class"}) == [items[0], items[1]]
    assert carried.items({"on_module"}) == reordered  # in the batch's order


def test_a_collector_in_the_batch_is_none_of_its_tests(lab: Lab) -> None:
    items = collected(lab)
    grouped = items[0].parent
    assert isinstance(grouped, pytest.Class)
    carried = watching(*NAMES).find([grouped, *items])
    assert carried.items({"on_class"}) == [items[0], items[1]]
    assert carried.functions({"on_class"}) == [items[0], items[1]]


@pytest.mark.parametrize("name", ["on_module", "on_class"])
def test_a_collector_carries_its_own_markers(lab: Lab, name: str) -> None:
    items = collected(lab)
    grouped = next(item for item in items if item.name == "test_class_only")
    assert grouped.parent is not None
    assert watching(name).find([grouped.parent])
    assert not watching("on_function").find([grouped.parent])


ADDED_BY_CONFTEST = """
    import pytest

    ADDED = {
        "test_on_a_virtual_clock": pytest.mark.gevent_virtual_time,
        "test_needs_patching": pytest.mark.needs_gevent_patch,
        "test_timed_out": pytest.mark.gevent_timeout(0.05),
        "test_explored": pytest.mark.gevent_schedules(runs=3, seed=1),
    }


    def pytest_collection_modifyitems(items):  # no tryfirst: as most conftests write it
        for item in items:
            if item.name in ADDED:
                item.add_marker(ADDED[item.name])
"""
MARKED_LATE = """
    import time

    import gevent

    CALLS = []


    def test_on_a_virtual_clock():
        start = time.monotonic()
        gevent.sleep(3600)  # an hour: only a virtual one passes here
        assert time.monotonic() - start >= 3600


    def test_needs_patching():
        raise AssertionError("ran in an unpatched run")


    def test_timed_out():
        gevent.sleep(2)


    def test_explored():
        CALLS.append(1)
        gevent.sleep(0)


    def test_explored_three_times():
        assert len(CALLS) == 3
"""


def test_markers_a_conftest_adds_while_modifying_items_count(lab: Lab) -> None:
    # The plugin's collection_modifyitems hooks run last (trylast): a conftest's own,
    # registered later, would otherwise run after them and add markers they never saw.
    lab.conftest(ADDED_BY_CONFTEST)
    lab.write(MARKED_LATE)
    result = lab.run_subprocess("-p", "timeout", "--timeout=60", "-rs")
    result.assert_outcomes(passed=3, failed=1, skipped=1)
    result.stdout.fnmatch_lines(
        [
            "*GeventTimeout: gevent timeout after 0.05 s in *::test_timed_out*",
            "SKIPPED*needs --gevent-patch*",
        ],
        consecutive=False,
    )
    result.stdout.no_fnmatch_line("*ran in an unpatched run*")


def test_a_bad_marker_a_conftest_adds_is_a_usage_error_naming_the_test(lab: Lab) -> None:
    lab.conftest(
        """
        import pytest

        def pytest_collection_modifyitems(items):
            for item in items:
                item.add_marker(pytest.mark.gevent_timeout("soon"))
        """
    )
    lab.write("def test_late():\n    pass\n")
    result = lab.run_subprocess()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: *::test_late: @pytest.mark.gevent_timeout: *got 'soon'*"])
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()
