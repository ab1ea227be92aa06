"""The pytest side of virtual time: options, which tests get a clock, ``gevent_clock``.

The per-test hooks (``per_test.VirtualTimeRuns``, registered at the first
test that needs them) start and stop each clock, and their order matters:
the clock starts in a wrapper around setup, before any
fixture (and before the call, so the plugin's own gevent timeout counts virtual
seconds), and stops in a ``tryfirst`` wrapper around teardown, after the leak
checks (so killing a leaked greenlet waits virtual seconds). The markers'
parsing (``settings``) is imported when a test carries the marker or the
fixture, or every test runs on a virtual clock; the clock itself when one starts.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pytest

from .. import markers
from ..markers import Carried, Node
from .names import FIXTURE, VIRTUAL_BOUND, VIRTUAL_MARKER, VIRTUAL_MARKER_LINE

if TYPE_CHECKING:
    from .activation import VirtualTest
    from .clock import VirtualClock
    from .settings import VirtualTimeSpec

PLUGIN_NAME = "gevent_lab_virtual_time"
OPTION = "--gevent-virtual-time"
INI = "gevent_virtual_time"

VIRTUAL_NAMES = frozenset((VIRTUAL_MARKER,))

spec_key: pytest.StashKey[VirtualTimeSpec | str] = pytest.StashKey()  # a str: the marker's error
active_key: pytest.StashKey[VirtualTest] = pytest.StashKey()


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("gevent-lab")
    group.addoption(
        OPTION,
        action="store_true",
        default=None,
        dest="gevent_virtual_time",
        help="run every test (except concurrent_speedup ones) on a virtual clock: sleeps, "
        "timeouts and timers take no real time (ini: gevent_virtual_time = true).",
    )
    parser.addini(
        INI,
        type="bool",
        default=False,
        help="gevent-lab: run every test on a virtual clock (as --gevent-virtual-time).",
    )


def configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", VIRTUAL_MARKER_LINE)
    config.pluginmanager.register(VirtualTimePlugin(config), PLUGIN_NAME)


class VirtualTimePlugin:
    """Which tests run on a virtual clock (checked at collection), and the header line."""

    def __init__(self, config: pytest.Config) -> None:
        option = config.getoption("gevent_virtual_time")
        self.every_test = bool(config.getini(INI)) if option is None else bool(option)
        self.config = config
        markers.checks(config).add(VIRTUAL_NAMES, self._check_report, self._store_specs)

    def pytest_report_header(self) -> list[str]:
        if not self.every_test:
            return []
        return [
            "gevent-lab: virtual time: every test except concurrent_speedup ones "
            f"(autojump_threshold 0 s unless marked; bound {VIRTUAL_BOUND:g} virtual s)"
        ]

    def _check_report(self, report: pytest.CollectReport, carried: Carried) -> None:
        # Per collector, as the other markers are checked: every wrong one of a
        # module is named at once.
        asking = [
            node
            for node in _asking(report.result, carried.items(VIRTUAL_NAMES))
            if isinstance(node, pytest.Function)
        ]
        if asking:
            from ..failures import fail_collection
            from .settings import collection_problem

            fail_collection(report, map(collection_problem, asking))

    def _store_specs(self, items: list[pytest.Item], carried: Carried) -> None:
        used = False
        for item in items if self.every_test else _asking(items, carried.items(VIRTUAL_NAMES)):
            from . import settings

            try:
                spec = settings.resolve(item, self.every_test)
            except ValueError as error:  # an item type collection did not check
                item.stash[spec_key] = f"{item.nodeid}: @pytest.mark.{VIRTUAL_MARKER}: {error}"
                used = True
                continue
            if spec is not None:
                item.stash[spec_key] = spec
                used = True
        # The per-test hooks cost every test of every run: only where a test needs them.
        if used and not self.config.pluginmanager.has_plugin(RUNS_NAME):
            from .per_test import VirtualTimeRuns

            self.config.pluginmanager.register(VirtualTimeRuns(), RUNS_NAME)


def _asking(nodes: Sequence[Node], marked: list[pytest.Item]) -> list[pytest.Item]:
    """The tests among ``nodes`` that are ``marked`` or request the clock, in their order."""
    marked_ids = {id(node) for node in marked}  # most often none
    return [
        node
        for node in nodes
        if (id(node) in marked_ids or FIXTURE in getattr(node, "fixturenames", ()))
        and isinstance(node, pytest.Item)
    ]


RUNS_NAME = PLUGIN_NAME + ".runs"


@pytest.fixture
def gevent_clock(request: pytest.FixtureRequest) -> VirtualClock:
    """The test's virtual clock; requesting it runs the test on one.

    ``.time()`` (virtual ``time.monotonic()``), ``.advance(seconds)``,
    ``.autojump_threshold`` (real seconds of quiet before a jump; settable),
    ``.jumps``. See README, "Deterministic time".
    """
    test = request.node.stash.get(active_key, None)
    if test is None:
        pytest.fail(
            f"{request.node.nodeid}: gevent_clock was requested after setup began "
            "(request.getfixturevalue?); request it as a test argument, or mark the test "
            f"@pytest.mark.{VIRTUAL_MARKER}, so that the clock starts before setup",
            pytrace=False,
        )
    clock: VirtualClock = test.clock
    return clock
