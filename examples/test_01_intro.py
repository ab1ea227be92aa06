"""The article's introduction (before "## 异步执行"): what gevent and greenlets are.

The introduction has no code of its own, so these tests measure what it states,
each beside a control: the same work on threads, or on CPU instead of IO.

    > gevent 是一个基于 libev 的并发库。
    Python 中多线程的性能极差，替代它的另一种“并发”方式是协程。
    ...Greenlet, 它是以C扩展模块形式接入Python的轻量级协程。 Greenlet全部运行在主程序
    操作系统进程的内部，但它们被协作式地调度。
    > 在任何时刻，只有一个协程在运行。
    换句话说，协程并不会切换线程或进程（所以性能会比多线程高很多），而是在 IO 阻塞时，
    可以切换到其他的 Greenlet ... 所以协程可以解决 IO 密集的性能问题，而 CPU 密集则无能为力。
"""

from __future__ import annotations

import importlib.machinery
import json
import os
import queue
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable
from statistics import median
from typing import Any

import gevent
import gevent.queue
import gevent.socket
import greenlet
import pytest
import requests
from ratios import Ratio, ratio_above, ratio_below
from support import busy, run_python

from pytest_gevent_lab import Interleaving, RecordFigure

SECTION = "introduction"


@pytest.mark.claim(
    "libev",
    "gevent 是一个基于 libev 的并发库。\ngevent is a concurrency library built on libev.",
    source=SECTION,
)
def test_gevent_runs_on_libev_by_default(record_figure: RecordFigure) -> None:
    # A fresh interpreter without GEVENT_LOOP: the default, not this process's choice.
    env = {key: value for key, value in os.environ.items() if key != "GEVENT_LOOP"}
    code = (
        "import json, gevent; loop = gevent.get_hub().loop; "
        "print(json.dumps([type(loop).__module__, getattr(loop, 'backend', ''), "
        "gevent.config.settings['loop'].default]))"
    )
    module, backend, default_order = json.loads(run_python(code, env=env))
    record_figure("default event loop", module)
    record_figure("loop backend", backend)
    record_figure("loop order tried", ", ".join(default_order))
    assert module.startswith("gevent.libev."), module


@pytest.mark.claim(
    "c-greenlets",
    "Greenlet 是以C扩展模块形式接入Python的轻量级协程。\n"
    "Greenlets are lightweight coroutines provided by a C extension module.",
    source=SECTION,
)
def test_greenlets_are_a_c_extension_and_cheaper_than_threads(record_figure: RecordFigure) -> None:
    extension = greenlet._greenlet.__file__ or ""
    assert extension.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES)), extension
    record_figure("greenlet is", os.path.basename(extension))

    def greenlets() -> None:
        gevent.joinall([gevent.spawn(int) for _ in range(1000)])

    def threads() -> None:
        started = [threading.Thread(target=int) for _ in range(100)]
        for thread in started:
            thread.start()
        for thread in started:
            thread.join()

    # Per greenlet and per thread, timed alternately: a thread costs over 2x a greenlet?
    cost = ratio_above(threads, greenlets, 2, units=(100, 1000), on_threads=(True, False))
    record_figure("start+join one greenlet, median", median(cost.second) * 1e6, "µs")
    record_figure("start+join one thread, median", median(cost.first) * 1e6, "µs")
    _record_ratio(record_figure, "thread / greenlet", cost)
    assert cost.holds, f"a greenlet should cost far less than a thread: {cost}"


def _record_ratio(record_figure: RecordFigure, name: str, ratio: Ratio) -> None:
    """The ratio's median and what the rounds support beyond noise (see examples/ratios.py)."""
    record_figure(f"{name}: median", ratio.median, "x")
    word = "at least" if ratio.claim == "above" else "at most"
    if ratio.supported is not None:
        record_figure(
            f"{name}: {word}, beyond noise ({len(ratio.first)} rounds)", ratio.supported, "x"
        )


def _busy_workers(
    log: Interleaving, start: Callable[[Callable[[], None]], None], yield_: Callable[[], None]
) -> None:
    """Five workers, each busy 5 ms at a time with no yield inside, logging each stretch."""

    def worker() -> None:
        for _ in range(3):
            log.record("enter")
            busy(0.005)  # a thread gets preempted in here; a greenlet does not
            log.record("leave")
            yield_()

    start(worker)


def _most_running_at_once(log: Interleaving) -> int:
    running: set[str] = set()
    most = 0
    for event in log:
        if event.label == "enter":
            running.add(event.greenlet)
            most = max(most, len(running))
        else:
            running.discard(event.greenlet)
    return most


@pytest.mark.claim(
    "one-at-a-time",
    "Greenlet全部运行在主程序操作系统进程的内部，但它们被协作式地调度。"
    "在任何时刻，只有一个协程在运行。\n"
    "All greenlets run inside the main program's process, scheduled cooperatively; "
    "at any moment only one greenlet runs.",
    source=SECTION,
)
def test_only_one_greenlet_runs_at_a_time_in_one_process_and_thread(
    record_figure: RecordFigure,
    interleaving: Interleaving,
    spawn: Callable[..., gevent.Greenlet],
) -> None:
    def on_greenlets(worker: Callable[[], None]) -> None:
        gevent.joinall([spawn(worker) for _ in range(5)], raise_error=True)

    _busy_workers(interleaving, on_greenlets, lambda: gevent.sleep(0))
    interleaving.assert_one_thread()
    greenlets_most = _most_running_at_once(interleaving)

    # The control, so that this test can fail: the same workers on threads overlap.
    threads_log = Interleaving()
    interval = sys.getswitchinterval()
    sys.setswitchinterval(0.0005)  # preempt a busy thread often
    try:
        _busy_workers(threads_log, _on_five_threads, lambda: time.sleep(0))
    finally:
        sys.setswitchinterval(interval)
    threads_most = _most_running_at_once(threads_log)
    record_figure("greenlets running at once, at most", greenlets_most)
    record_figure("threads running at once, at most (control)", threads_most)
    assert greenlets_most == 1
    assert interleaving.events[0].pid == os.getpid()
    assert threads_most > 1, "control failed: the threads never overlapped"
    with pytest.raises(AssertionError, match=r"events came from \d+ threads"):
        threads_log.assert_one_thread()


def _ping_pong(
    make_queue: Callable[[], Any],
    start: Callable[[Callable[[], None]], Callable[[], None]],
    rounds: int,
) -> None:
    """Hand a token back and forth ``rounds`` times: two switches per round."""
    ping, pong = make_queue(), make_queue()

    def echo() -> None:
        for _ in range(rounds):
            pong.put(ping.get())

    join = start(echo)
    for token in range(rounds):
        ping.put(token)
        pong.get()
    join()


def _start_greenlet(func: Callable[[], None]) -> Callable[[], None]:
    return gevent.spawn(func).join


def _start_thread(func: Callable[[], None]) -> Callable[[], None]:
    thread = threading.Thread(target=func)
    thread.start()
    return thread.join


@pytest.mark.claim(
    "cheap-switches",
    "协程并不会切换线程或进程（所以性能会比多线程高很多）\n"
    "Coroutines do not switch threads or processes, and so perform much better than threads.",
    source=SECTION,
)
def test_switching_greenlets_is_much_cheaper_than_switching_threads(
    record_figure: RecordFigure,
) -> None:
    switches = ratio_above(
        lambda: _ping_pong(queue.Queue, _start_thread, 500),
        lambda: _ping_pong(gevent.queue.Queue, _start_greenlet, 2000),
        2,
        units=(500, 2000),
        on_threads=(True, False),
    )
    record_figure("hand-over round trip, greenlets, median", median(switches.second) * 1e6, "µs")
    record_figure("hand-over round trip, threads, median", median(switches.first) * 1e6, "µs")
    _record_ratio(record_figure, "threads / greenlets", switches)
    assert switches.holds, f"switching threads should cost over 2x switching greenlets: {switches}"


@pytest.mark.claim(
    "threads-poor",
    "Python 中多线程的性能极差\n"
    "Python threads perform very poorly. Measured on IO-bound work (what the article uses "
    "greenlets for): threads overlap their waits as well as greenlets do.",
    source=SECTION,
    verdict="does not hold",
)
def test_threads_overlap_io_waits_too(record_figure: RecordFigure, slow_url: str) -> None:
    def fetch() -> None:
        requests.get(slow_url, timeout=10).raise_for_status()

    def one_after_another() -> None:
        for _ in range(5):
            fetch()

    # 2x: far from "very poorly" (1x), and below what five threads waiting for a
    # CPU on a loaded machine still reach (3.2x at a load average of 20 on 2 cores).
    # the server answers from a thread of its own in both: wall time for both
    overlap = ratio_above(
        one_after_another, lambda: _on_five_threads(fetch), 2, on_threads=(True, True)
    )
    record_figure("5 requests one after another, median", median(overlap.first), "s")
    record_figure("5 requests on 5 threads, median", median(overlap.second), "s")
    _record_ratio(record_figure, "speedup of threads", overlap)
    # "Very poorly" would be no speedup; waits that overlap give about 5x.
    assert overlap.holds, f"five threads should overlap their waits: {overlap}"


def _on_five_threads(func: Callable[[], object]) -> None:
    threads = [threading.Thread(target=func) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _gevent_get(url: str) -> bytes:
    """GET with gevent's own socket: cooperative IO without patching this process."""
    parts = urllib.parse.urlsplit(url)
    with gevent.socket.create_connection((parts.hostname, parts.port or 80), timeout=10) as sock:
        sock.sendall(f"GET {parts.path or '/'} HTTP/1.0\r\nHost: {parts.netloc}\r\n\r\n".encode())
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    response = b"".join(chunks)
    assert response.split(b" ", 2)[1] == b"200", response[:80]
    return response


IO_NOT_CPU = (
    "在 IO 阻塞时，可以切换到其他的 Greenlet ... "
    "所以协程可以解决 IO 密集的性能问题，而 CPU 密集则无能为力。\n"
    "On IO waits execution switches to other greenlets: coroutines solve IO-bound "
    "performance problems, and can do nothing for CPU-bound ones."
)


@pytest.mark.claim("io-not-cpu", IO_NOT_CPU, source=SECTION)
@pytest.mark.concurrent_speedup(min_speedup=2.5)
def test_greenlets_overlap_io_waits(spawn: Callable[..., gevent.Greenlet], slow_url: str) -> None:
    # Five requests through gevent's own socket: IO that waits cooperatively.
    gevent.joinall([spawn(_gevent_get, slow_url) for _ in range(5)], raise_error=True)


@pytest.mark.claim("io-not-cpu", IO_NOT_CPU, source=SECTION)
def test_greenlets_do_not_overlap_cpu_work(
    record_figure: RecordFigure, article_latency: float
) -> None:
    def one_after_another() -> None:
        for _ in range(5):
            busy(article_latency / 2)

    def five_greenlets() -> None:
        gevent.joinall([gevent.spawn(busy, article_latency / 2) for _ in range(5)])

    cpu = ratio_below(one_after_another, five_greenlets, 1.5)
    _record_ratio(record_figure, "CPU-bound work: speedup of 5 greenlets", cpu)
    assert cpu.holds, f"greenlets should not overlap CPU work: {cpu}"
