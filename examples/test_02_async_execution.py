#!/usr/bin/env python
# -*- coding:utf-8 -*-
# Author: wxnacy(wxnacy@gmail.com)
# Description:
# -- The article's section "## 异步执行" (asynchronous execution), its code unchanged
# -- down to the __main__ block; the tests below run it and judge what the section says.
# fmt: off
# ruff: noqa: E402, I001, UP009, UP032

import gevent

import os
import threading
import time

def print_func_progress():
    print('[{}] Greenlet {} Process {} - Thread {}'.format(
        time.time(), gevent.getcurrent(), os.getpid(), threading.current_thread().ident))

def foo():
    print_func_progress()
    print('Running in foo')
    gevent.sleep(0)
    print('Explicit context switch to foo again')

def bar():
    print_func_progress()
    print('Explicit context to bar')
    gevent.sleep(0)
    print('Implicit context switch back to bar')

if __name__ == "__main__":
    gevent.joinall([
        gevent.spawn(foo),
        gevent.spawn(bar),
    ])

# [1553694796.1719072] Greenlet <Greenlet at 0x10e9a4930: foo> Process 2022 - Thread 4683818432
# Running in foo
# [1553694796.171974] Greenlet <Greenlet at 0x10e9a4a60: bar> Process 2022 - Thread 4683818432
# Explicit context to bar
# Explicit context switch to foo again
# Implicit context switch back to bar

# fmt: on
# -- The tests. ----------------------------------------------------------------------------
import re
import subprocess
import sys
import types
from collections.abc import Callable

import pytest
from gevent import joinall, spawn

from pytest_gevent_lab import Interleaving, RecordFigure, SwitchTrace

# Who printed each of the article's messages.
SPEAKER = {
    "Running in foo": "foo",
    "Explicit context to bar": "bar",
    "Explicit context switch to foo again": "foo",
    "Implicit context switch back to bar": "bar",
}
ARTICLE_OUTPUT = [
    "Running in foo",
    "Explicit context to bar",
    "Explicit context switch to foo again",
    "Implicit context switch back to bar",
]
PROGRESS = re.compile(
    r"\[[\d.]+\] Greenlet <Greenlet at 0x[0-9a-f]+: (?P<name>\w+)> "
    r"Process (?P<pid>\d+) - Thread (?P<thread>\d+)"
)
CLAIM = (
    "使用 gevent.sleep(0) 主动让程序交出执行权 ... 无论是进程 Process，还是线程 Thread，"
    "整个过程都是没有变化的\n"
    "gevent.sleep(0) hands over control explicitly: foo and bar print in the article's "
    "order, and the process and thread never change."
)


def _judge(output: str, record_figure: RecordFigure, where: str) -> None:
    lines = output.splitlines()
    progress = [PROGRESS.fullmatch(line) for line in lines]
    messages = [line for line, match in zip(lines, progress, strict=True) if match is None]
    seen = [match for match in progress if match is not None]
    record_figure(
        f"who printed, in order ({where})",
        " ".join(SPEAKER.get(line, "?") for line in messages),
        article="foo bar foo bar",
    )
    assert messages == ARTICLE_OUTPUT
    assert [match["name"] for match in seen] == ["foo", "bar"]
    assert len({(match["pid"], match["thread"]) for match in seen}) == 1, lines
    # Each greenlet announces itself just before its first message, as in the article.
    assert [bool(match) for match in progress] == [True, False, True, False, False, False]


@pytest.mark.claim("sleep-0", CLAIM, source="异步执行 (asynchronous execution)")
def test_the_article_script_prints_the_articles_order(record_figure: RecordFigure) -> None:
    # Run as the article runs it: `python <file>`, in a fresh interpreter.
    output = subprocess.run(
        [sys.executable, __file__], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    _judge(output, record_figure, "python this file")


@pytest.mark.claim("sleep-0", CLAIM, source="异步执行 (asynchronous execution)")
def test_foo_and_bar_take_turns_at_each_sleep_0(
    record_figure: RecordFigure,
    interleaving: Interleaving,
    switch_trace: Callable[..., SwitchTrace],
    spawn: Callable[..., gevent.Greenlet],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The article's foo and bar, unchanged; what they print goes to the interleaving log.
    def record(*args: object) -> None:
        line = " ".join(map(str, args))
        interleaving.record(line if line in SPEAKER else "progress")

    monkeypatch.setitem(globals(), "print", record)
    with switch_trace() as trace:
        joinall([spawn(foo), spawn(bar)], raise_error=True)
    record_figure("greenlets that ran, in order (switch_trace)", " ".join(trace.sequence))
    interleaving.assert_order(["progress", ARTICLE_OUTPUT[0], "progress", *ARTICLE_OUTPUT[1:]])
    interleaving.assert_interleaved("foo", "bar", by="greenlet")
    interleaving.assert_one_thread()
    trace.assert_sequence(["main", "foo", "bar", "foo", "bar", "main"])


@pytest.mark.claim("sleep-0", CLAIM, source="异步执行 (asynchronous execution)")
def test_without_sleep_0_foo_runs_to_its_end_before_bar_starts(
    record_figure: RecordFigure,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The control: the article's foo and bar with gevent.sleep(0) doing nothing.
    no_yield = types.SimpleNamespace(getcurrent=gevent.getcurrent, sleep=lambda seconds: None)
    monkeypatch.setitem(globals(), "gevent", no_yield)
    joinall([spawn(foo), spawn(bar)], raise_error=True)
    messages = [line for line in capsys.readouterr().out.splitlines() if not PROGRESS.match(line)]
    record_figure("who printed, without sleep(0) (control)", " ".join(map(SPEAKER.get, messages)))
    assert messages == [ARTICLE_OUTPUT[0], ARTICLE_OUTPUT[2], ARTICLE_OUTPUT[1], ARTICLE_OUTPUT[3]]
