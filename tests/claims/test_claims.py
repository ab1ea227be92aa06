"""The claim marker, the record_figure fixture, the claims table and its JSON report."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from pytest_gevent_lab.claims import table as claims_table

if TYPE_CHECKING:
    from conftest import Lab

CLAIMED = """
    import pytest

    @pytest.mark.claim(
        "one-at-a-time",
        "在任何时刻，只有一个协程在运行。\\nOnly one greenlet runs.",
        source="intro",
    )
    def test_measured(record_figure):
        record_figure("asynchronous", 0.0412, "s", article=0.039)
        record_figure("socket class", "<class 'gevent._socket3.socket'>")

    @pytest.mark.claim("threads-slow", "Python threads perform very poorly",
                       verdict="does not hold")
    def test_refuted(record_figure):
        record_figure("thread speedup", 4.8, "x")
"""


def test_passing_claims_show_their_verdict_and_figures(lab: Lab) -> None:
    lab.write(CLAIMED)
    result = lab.run("--strict-markers")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        [
            "*= gevent-lab: claims =*",
            "id *verdict *claim",
            "one-at-a-time *holds *在任何时刻，只有一个协程在运行。",
            "*Only one greenlet runs.",
            "*source: intro",
            "*- asynchronous: 0.0412 s  (article: 0.039 s)",
            "*- socket class: <class 'gevent._socket3.socket'>",
            "threads-slow *does not hold *Python threads perform very poorly",
            "*- thread speedup: 4.8 x",
            "claims: 2 (holds: 1, does not hold: 1)",
        ]
    )


@pytest.mark.parametrize(
    ("body", "outcome"),
    [
        ("def test_it():\n    assert False", "failed"),
        (
            "@pytest.fixture\ndef boom():\n    raise RuntimeError\n\ndef test_it(boom):\n    pass",
            "error",
        ),
        ("def test_it():\n    pytest.skip('later')", "skipped"),
        ("@pytest.mark.xfail(reason='known')\ndef test_it():\n    assert False", "xfailed"),
    ],
)
def test_a_claim_whose_test_did_not_pass_is_unverified(lab: Lab, body: str, outcome: str) -> None:
    lab.write("import pytest\n\npytestmark = pytest.mark.claim('c1', 'the claim')\n\n", body)
    result = lab.run()
    result.stdout.fnmatch_lines([f"c1 *unverified (1 {outcome}) *the claim"])
    result.stdout.no_fnmatch_line("c1 *holds*")


def test_teardown_error_makes_a_passed_claim_unverified(lab: Lab) -> None:
    lab.write(
        """
        import pytest

        @pytest.fixture
        def broken_teardown():
            yield
            raise RuntimeError("teardown")

        @pytest.mark.claim("c1", "the claim")
        def test_it(broken_teardown):
            pass
        """
    )
    result = lab.run()
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["c1 *unverified (1 error) *the claim"])


def test_skip_marker_before_any_fixture_still_lists_the_claim(lab: Lab) -> None:
    lab.write(
        """
        import pytest

        @pytest.mark.skip(reason="not here")
        @pytest.mark.claim("c1", "the claim")
        def test_it(record_figure):
            pass
        """
    )
    result = lab.run()
    result.stdout.fnmatch_lines(["c1 *unverified (1 skipped) *the claim"])


def test_one_claim_checked_by_two_tests_holds_only_if_both_pass(lab: Lab) -> None:
    lab.write(
        """
        import pytest

        @pytest.mark.claim("c1", "the claim")
        @pytest.mark.parametrize("ok", [True, False])
        def test_it(ok):
            assert ok
        """
    )
    result = lab.run()
    result.stdout.fnmatch_lines(
        ["c1 *unverified (1 failed) *the claim", "claims: 1 (unverified: 1)"]
    )


@pytest.mark.parametrize(
    ("marker", "message"),
    [
        (
            "claim('c1', 'text', verdict='hold')",
            "*test_it: bad @pytest.mark.claim(...) marker: unknown verdict 'hold'; "
            "valid verdicts: 'holds', 'does not hold', or 'changed since <when>'*",
        ),
        (
            "claim('c1', 'text', verdict='changed since ')",
            "*test_it: bad *marker: unknown verdict 'changed since '; valid verdicts*",
        ),
        ("claim('c1')", "*test_it: bad *marker: missing a required argument: 'text'; expected*"),
        ("claim(1, 'text')", "*test_it: bad *marker: id must be a non-empty string, got 1*"),
        ("claim('c1', 'text', 'src')", "*test_it: bad *marker: too many positional arguments*"),
        ("claim('c1', 'text', gloss='x')", "*test_it: bad *unexpected keyword argument 'gloss'*"),
    ],
)
def test_bad_marker_arguments_are_a_collection_error_naming_the_test(
    lab: Lab, marker: str, message: str
) -> None:
    lab.write(f"import pytest\n\n@pytest.mark.{marker}\ndef test_it():\n    pass\n")
    result = lab.run()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*ERROR collecting test_bad_marker*", message])


def test_record_figure_without_a_claim_fails_the_test(lab: Lab) -> None:
    lab.write(
        """
        def test_it(record_figure):
            record_figure("speedup", 3.0, "x")
        """
    )
    result = lab.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*record_figure('speedup', ...) in *test_it: figures are the evidence of a claim*"]
    )


@pytest.mark.parametrize(
    ("call", "message"),
    [
        ("record_figure('x', [1], 's')", "*value must be a number or a string, got [[]1[]]*"),
        ("record_figure('x', float('nan'), 's')", "*value must be a finite number, got nan*"),
        ("record_figure('x', 1.0, 's', article=True)", "*article must be a number*got True*"),
        ("record_figure('', 1.0, 's')", "*name must be a non-empty string*"),
    ],
)
def test_record_figure_rejects_bad_values(lab: Lab, call: str, message: str) -> None:
    lab.write(
        f"import pytest\n\n@pytest.mark.claim('c1', 'claim')\n"
        f"def test_it(record_figure):\n    {call}\n"
    )
    result = lab.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([message, "c1 *unverified (1 failed)*"])


def test_claims_travel_from_xdist_workers(lab: Lab) -> None:
    lab.write(CLAIMED)
    result = lab.run("-n", "2")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        [
            "one-at-a-time *holds *在任何时刻，只有一个协程在运行。",
            "*- asynchronous: 0.0412 s  (article: 0.039 s)",
            "threads-slow *does not hold *",
        ]
    )


def test_gevent_report_includes_the_claims(lab: Lab) -> None:
    lab.write(
        CLAIMED, "\n@pytest.mark.claim('broken', 'x')\ndef test_broken():\n    assert False\n"
    )
    result = lab.run("--gevent-report=out/report.json")
    result.assert_outcomes(passed=2, failed=1)
    document = lab.report("out/report.json")
    by_id = {entry["id"]: entry for entry in document["claims"]}
    assert by_id["one-at-a-time"]["verdict"] == "holds"
    assert by_id["one-at-a-time"]["source"] == "intro"
    assert by_id["one-at-a-time"]["figures"][0] == {
        "name": "asynchronous",
        "value": 0.0412,
        "unit": "s",
        "article": 0.039,
    }
    assert by_id["threads-slow"]["verdict"] == "does not hold"
    assert by_id["broken"]["verdict"] == "unverified"
    assert by_id["broken"]["declared_verdict"] == "holds"
    assert by_id["broken"]["outcome"] == "failed"
    assert by_id["broken"]["test"].endswith("::test_broken")


def test_no_claims_no_table(lab: Lab) -> None:
    lab.write("def test_it():\n    pass\n")
    result = lab.run()
    result.assert_outcomes(passed=1)
    result.stdout.no_fnmatch_line("*gevent-lab: claims*")


def test_wide_characters_wrap_by_display_width() -> None:
    lines = claims_table.wrap("协程并不会切换线程或进程 so threads lose", 12)
    assert lines == ["协程并不会切", "换线程或进程", "so threads", "lose"]
    assert all(claims_table.display_width(line) <= 12 for line in lines)


def test_a_claimed_speedup_test_shows_its_measurement_as_figures(lab: Lab) -> None:
    lab.write(
        """
        import gevent
        import pytest

        @pytest.mark.claim("overlap", "waits overlap")
        @pytest.mark.concurrent_speedup(min_speedup=1.5)
        def test_waits_overlap(spawn):
            gevent.joinall([spawn(gevent.sleep, 0.005) for _ in range(5)], raise_error=True)
        """
    )
    result = lab.run()
    # Whatever the verdict on a loaded machine, the measurement is the claim's figures.
    result.stdout.fnmatch_lines(
        [
            "overlap *waits overlap",
            "*- concurrent_speedup: sequential, median: * s",
            "*- concurrent_speedup: concurrent, median: * s",
            "*- concurrent_speedup: speedup, median: * x",
        ]
    )


def test_a_changed_verdict_names_what_it_changed_since(lab: Lab) -> None:
    # issue 10 item 16: "changed since the article" was the only wording, fit for
    # one article; a claim from a changelog or a benchmark changed since something else.
    lab.write(
        """
        import pytest

        @pytest.mark.claim("old-api", "the old API", verdict="changed since gevent 1.4")
        def test_a():
            pass

        @pytest.mark.claim("article", "the article's claim", verdict="changed since the article")
        def test_b():
            pass
        """
    )
    result = lab.run()
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        [
            "old-api *changed since gevent 1.4 *the old API",
            "article *changed since the article *the article's claim",
        ]
    )
