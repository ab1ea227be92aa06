"""Options and fixtures of the examples: where the article's requests go, how long things take.

By default nothing leaves this machine: the request examples fetch from a local
server with a fixed latency. ``--article-url=http://...`` sends them to a real
URL instead (the article used http://baidu.com).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import gevent
import pytest
from support import LatencyServer, latency_server

from pytest_gevent_lab import patching
from pytest_gevent_lab.options import parse_seconds


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("article", "the article's examples (examples/)")
    group.addoption(
        "--article-url",
        metavar="URL",
        default=None,
        help="fetch this URL in the request examples instead of the local server "
        "with a fixed latency (the article used http://baidu.com).",
    )
    group.addoption(
        "--article-latency",
        metavar="S",
        default="0.05",
        help="latency of the local server the request examples fetch from [0.05].",
    )
    group.addoption(
        "--article-sleep",
        metavar="S",
        default="0.5",
        help="how long the gunicorn example's /for sleeps (the article: 4 s) [0.5].",
    )


def pytest_configure(config: pytest.Config) -> None:
    if patching.is_patched():
        # The controls (real threads overlapping, a blocking call) need an
        # unpatched process; every patched measurement runs a fresh interpreter.
        raise pytest.UsageError(
            "pytest examples runs unpatched: its patched measurements start fresh "
            "interpreters of their own; drop --gevent-patch (and ini gevent_patch)"
        )
    url = config.getoption("article_url")
    if url is not None and not url.startswith(("http://", "https://")):
        raise pytest.UsageError(f"--article-url: expected an http:// or https:// URL, got {url!r}")
    for name in ("article_latency", "article_sleep"):
        option = "--" + name.replace("_", "-")
        seconds = parse_seconds(config.getoption(name), option)
        if seconds <= 0:
            raise pytest.UsageError(f"{option}: expected more than 0 seconds, got {seconds}")


@pytest.fixture(scope="session")
def article_latency(pytestconfig: pytest.Config) -> float:
    return float(pytestconfig.getoption("article_latency"))


@pytest.fixture(scope="session")
def article_sleep(pytestconfig: pytest.Config) -> float:
    return float(pytestconfig.getoption("article_sleep"))


@pytest.fixture
def slow_url(wsgi_server: Callable[[Callable[..., Any]], str], article_latency: float) -> str:
    """A URL of the plugin's ``wsgi_server`` that answers after ``--article-latency``."""

    def slow_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        gevent.sleep(article_latency)  # the server's own hub: other requests go on
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "3")])
        return [b"ok\n"]

    return wsgi_server(slow_app) + "/"


@pytest.fixture(scope="session")
def local_server(article_latency: float) -> Iterator[LatencyServer]:
    """The stand-in for the article's URL: 127.0.0.1, OS-chosen port, fixed latency.

    A plain threaded server that lives for the session, so that the module-scoped
    runs of the article's script share it; ``plan`` orders answers (see support).
    """
    with latency_server(article_latency) as server:
        yield server


@pytest.fixture(scope="session")
def article_url(request: pytest.FixtureRequest) -> str:
    """What the article's fetch() requests: ``--article-url``, else the local server."""
    url: str | None = request.config.getoption("article_url")
    if url is not None:
        return url
    server: LatencyServer = request.getfixturevalue("local_server")
    return server.url


@pytest.fixture(scope="session")
def uses_real_url(pytestconfig: pytest.Config) -> bool:
    return pytestconfig.getoption("article_url") is not None
