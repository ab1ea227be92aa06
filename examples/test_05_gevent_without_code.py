"""The article's section "## gevent without code": the same Flask app under gunicorn,
first with its default (sync) worker, then with ``-k gevent``.

The app is the article's file, unchanged but for its 4 s sleep (``--article-sleep``,
0.5 s by default). A second module adds two routes of ours to the same app, to
look inside the worker (/patched) and to give it CPU-bound work (/cpu); the
article's /for and /bar are untouched.
"""

from __future__ import annotations

# ruff: noqa: E402 (the article's code comes first, the imports of the tests after it)
# The article's app, gevent_without_code.py, unchanged (its sleep is set in app_dir).
ARTICLE_APP = """\
#!/usr/bin/env python
# -*- coding:utf-8 -*-
# Author: wxnacy(wxnacy@gmail.com)
# Description:

import time
import socket
from flask import Flask
app = Flask(__name__)

print(socket.socket)

@app.route('/for')
def get():
    time.sleep(4)
    return "for"

@app.route('/bar')
def get2():
    return "bar"
"""


import json
import socket
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from gunicorn_runner import Gunicorn, gunicorn

from pytest_gevent_lab import RecordFigure

PROBE_APP = """\
# The article's app with two routes of ours; /for and /bar are the article's.
import json, socket, sys, time
from gevent_without_code import app

@app.route('/cpu')
def cpu():  # as long as /for, spent computing instead of waiting
    print("cpu started")  # the test sends /bar only once this line is out
    deadline = time.perf_counter() + SLEEP
    while time.perf_counter() < deadline:
        pass
    return "cpu"

@app.route('/patched')
def patched():
    monkey = sys.modules.get("gevent.monkey")
    saved = sorted(n for n in monkey.saved if not n.startswith("_gevent")) if monkey else []
    return json.dumps({"socket.socket": repr(socket.socket), "patched": saved})
"""

SECTION = "gevent without code"
SERVER_CLAIM = (
    "/bar 需要等待 /for 返回结果后才能执行 ... 当 /for 阻塞时，gevent 直接跳过执行 /bar ... "
    "gevent 在这里隐形的调用了 gevent.monkey.patch_all() 方法\n"
    "With gunicorn's default worker /bar waits for /for; with -k gevent it does not, and "
    "the app sees gevent's socket although it has no gevent code, because the worker "
    "calls patch_all()."
)
SLOW_PATH_SECONDS_IN_ARTICLE = 4


@pytest.fixture(scope="module")
def app_dir(tmp_path_factory: pytest.TempPathFactory, article_sleep: float) -> Path:
    folder = tmp_path_factory.mktemp("app")
    assert "time.sleep(4)" in ARTICLE_APP
    article_app = ARTICLE_APP.replace("time.sleep(4)", f"time.sleep({article_sleep!r})")
    (folder / "gevent_without_code.py").write_text(article_app, encoding="utf-8")
    probe_app = PROBE_APP.replace("+ SLEEP", f"+ {article_sleep!r}")
    (folder / "probe_app.py").write_text(probe_app, encoding="utf-8")
    return folder


def _serve(app_dir: Path, home: Path, *options: str) -> Iterator[Gunicorn]:
    with gunicorn("probe_app:app", app_dir, home, *options) as server:
        yield server
    leftovers = sorted(path.name for path in home.iterdir())
    assert not leftovers, f"gunicorn left {leftovers} in its home folder {home}"


@pytest.fixture(scope="module")
def sync_worker(app_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gunicorn]:
    yield from _serve(app_dir, tmp_path_factory.mktemp("home"))


@pytest.fixture(scope="module")
def gevent_worker(app_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gunicorn]:
    yield from _serve(app_dir, tmp_path_factory.mktemp("home"), "-k", "gevent")


def bar_latency_while(
    server: Gunicorn, slow_path: str, started: str | None = None
) -> tuple[float, float]:
    """Send ``slow_path`` first, then /bar: the seconds /bar and the slow path took.

    With ``started``, /bar goes out only once the app has printed that line: the
    gevent worker could otherwise serve /bar while the slow request's bytes were
    still on their way.
    """
    address = urllib.parse.urlsplit(server.url)
    # A raw connection: once connect() returns, the request is queued ahead of /bar's.
    slow = socket.create_connection((address.hostname, address.port), timeout=30)
    start = time.perf_counter()  # before the server can have read the request
    slow.sendall(f"GET {slow_path} HTTP/1.0\r\nHost: {address.netloc}\r\n\r\n".encode())
    slow_answer: list[bytes] = []
    slow_seconds: list[float] = []

    def read_slow_answer() -> None:
        # Read it at once, as a browser would: gunicorn's sync worker lingers after
        # answering until its client closes (up to 2 s, gunicorn.util.close_graceful).
        with slow:
            slow_answer.extend(iter(lambda: slow.recv(65536), b""))
        slow_seconds.append(time.perf_counter() - start)

    reader = threading.Thread(target=read_slow_answer)
    reader.start()
    try:
        if started is not None:
            server.wait_for_app_line(started)
        bar_start = time.perf_counter()
        bar = requests.get(server.url + "bar", timeout=30)
        bar_seconds = time.perf_counter() - bar_start
    finally:
        reader.join(timeout=30)
    assert bar.text == "bar"
    answer = b"".join(slow_answer)
    assert answer.startswith(b"HTTP/1.")
    assert answer.endswith(slow_path[1:].encode())
    return bar_seconds, slow_seconds[0]


@pytest.mark.claim("gunicorn", SERVER_CLAIM, source=SECTION)
def test_with_the_sync_worker_bar_waits_for_for(
    sync_worker: Gunicorn, record_figure: RecordFigure, article_sleep: float
) -> None:
    bar_seconds, for_seconds = bar_latency_while(sync_worker, "/for")
    record_figure("/for sleeps", article_sleep, "s", article=SLOW_PATH_SECONDS_IN_ARTICLE)
    record_figure("sync worker: /bar while /for sleeps", bar_seconds, "s")
    assert bar_seconds > article_sleep / 2, "/bar should have waited for /for"
    assert for_seconds >= article_sleep


@pytest.mark.claim("gunicorn", SERVER_CLAIM, source=SECTION)
def test_with_the_gevent_worker_bar_does_not_wait(
    gevent_worker: Gunicorn, record_figure: RecordFigure, article_sleep: float
) -> None:
    bar_seconds, for_seconds = bar_latency_while(gevent_worker, "/for")
    record_figure("gevent worker: /bar while /for sleeps", bar_seconds, "s")
    assert bar_seconds < article_sleep / 2, "/bar should not have waited for /for"
    assert for_seconds >= article_sleep


@pytest.mark.claim("gunicorn", SERVER_CLAIM, source=SECTION)
def test_the_app_sees_gevents_socket_only_under_the_gevent_worker(
    sync_worker: Gunicorn, gevent_worker: Gunicorn, record_figure: RecordFigure
) -> None:
    record_figure(
        "print(socket.socket), sync", sync_worker.app_output[0], article="<class 'socket.socket'>"
    )
    record_figure(
        "print(socket.socket), -k gevent",
        gevent_worker.app_output[0],
        article="<class 'gevent._socket3.socket'>",
    )
    assert sync_worker.app_output[0] == "<class 'socket.socket'>"
    assert gevent_worker.app_output[0] == "<class 'gevent._socket3.socket'>"


@pytest.mark.claim("gunicorn", SERVER_CLAIM, source=SECTION)
def test_the_gevent_worker_ran_patch_all(
    sync_worker: Gunicorn, gevent_worker: Gunicorn, record_figure: RecordFigure
) -> None:
    under_sync = json.loads(requests.get(sync_worker.url + "patched", timeout=30).text)
    under_gevent = json.loads(requests.get(gevent_worker.url + "patched", timeout=30).text)
    record_figure("modules patched, -k gevent", ", ".join(under_gevent["patched"]))
    assert under_sync["patched"] == []
    # patch_all(), not only the socket: the whole standard set is patched.
    assert {"socket", "ssl", "select", "threading", "time", "os", "signal"} <= set(
        under_gevent["patched"]
    )


@pytest.mark.claim(
    "whatever-code",
    "不管你代码写的怎么样，用 gevent 来启动你的项目吧，一定会让你觉得物有所值。\n"
    "Whatever your code is like, start your project with gevent and it will be worth it. "
    "Measured with a CPU-bound route: under -k gevent, /bar waits for it as under the "
    "sync worker.",
    source=SECTION,
    verdict="does not hold",
)
def test_with_the_gevent_worker_bar_still_waits_for_cpu_work(
    gevent_worker: Gunicorn, record_figure: RecordFigure, article_sleep: float
) -> None:
    bar_seconds, cpu_seconds = bar_latency_while(gevent_worker, "/cpu", started="cpu started")
    record_figure("/cpu computes", article_sleep, "s")
    record_figure("gevent worker: /bar while /cpu computes", bar_seconds, "s")
    assert bar_seconds > article_sleep / 2, "/bar waited for the CPU-bound route"
    assert cpu_seconds >= article_sleep
