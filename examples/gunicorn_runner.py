"""Real gunicorn in a subprocess, for the section "gevent without code".

gunicorn binds 127.0.0.1 on a port the OS chooses and says which one on its
"Listening at:" line. It runs in a session of its own, so that stopping it by
its PID's process group also stops its worker, on failure too. Its HOME is a
temporary folder and, where gunicorn has one (25.1+), ``--no-control-socket``
keeps it from creating ``~/.gunicorn/gunicorn.ctl``.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

LISTENING = re.compile(r"Listening at: (http://127\.0\.0\.1:\d+) ")
START_TIMEOUT = 30.0


@dataclass
class Gunicorn:
    pid: int
    url: str = ""  # "http://127.0.0.1:PORT/"
    app_output: list[str] = field(default_factory=list)  # what the app printed
    log: list[str] = field(default_factory=list)  # gunicorn's own lines
    lines: queue.Queue[tuple[str, str]] = field(default_factory=queue.Queue)

    def wait_for(self, found: Callable[[], bool], what: str, timeout: float) -> None:
        """File output lines until ``found()``; RuntimeError naming ``what`` on timeout."""
        deadline = time.monotonic() + timeout
        while not found():
            try:
                name, line = self.lines.get(timeout=max(deadline - time.monotonic(), 0.01))
            except queue.Empty:
                raise RuntimeError(
                    f"gunicorn: no {what} within {timeout} s; its output so far:\n"
                    + "\n".join(self.log + self.app_output)
                ) from None
            if line:
                (self.app_output if name == "app" else self.log).append(line)
            if match := LISTENING.search(line):
                self.url = match[1] + "/"

    def wait_for_app_line(self, text: str, timeout: float = 10.0) -> None:
        self.wait_for(lambda: text in self.app_output, f"line {text!r} from the app", timeout)


def control_socket_flag() -> list[str]:
    from gunicorn.config import KNOWN_SETTINGS

    names = {setting.name for setting in KNOWN_SETTINGS}
    return ["--no-control-socket"] if "control_socket_disable" in names else []


def _pump(stream: IO[str], name: str, lines: queue.Queue[tuple[str, str]]) -> None:
    for line in stream:
        lines.put((name, line.rstrip("\n")))


@contextmanager
def gunicorn(app: str, chdir: Path, home: Path, *options: str) -> Iterator[Gunicorn]:
    """``gunicorn APP -b 127.0.0.1:0 OPTIONS``, ready once its app has printed a line."""
    env = {**os.environ, "HOME": str(home), "PYTHONUNBUFFERED": "1"}
    env.pop("XDG_RUNTIME_DIR", None)  # the control socket's other default place
    command = [sys.executable, "-m", "gunicorn", "-b", "127.0.0.1:0", "--chdir", str(chdir)]
    command += [*control_socket_flag(), *options, app]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
    )
    server = Gunicorn(pid=process.pid)
    pumps = [
        threading.Thread(target=_pump, args=(stream, name, server.lines), daemon=True)
        for stream, name in ((process.stdout, "app"), (process.stderr, "log"))
    ]
    for pump in pumps:
        pump.start()
    try:
        server.wait_for(
            lambda: bool(server.url and server.app_output) or process.poll() is not None,
            "'Listening at' line and app output",
            START_TIMEOUT,
        )
        if process.poll() is not None:
            raise RuntimeError(
                f"gunicorn exited with {process.returncode} before serving:\n"
                + "\n".join(server.log + server.app_output)
            )
        yield server
    finally:
        _stop(process)
        for pump in pumps:
            pump.join(timeout=10)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()
        with suppress(RuntimeError):
            server.wait_for(server.lines.empty, "end of output", 0)


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with suppress(ProcessLookupError):  # the whole group has exited already
        os.killpg(pid, sig)


def _stop(process: subprocess.Popen[str]) -> None:
    """SIGQUIT (gunicorn's quick shutdown) to its group; then SIGKILL to whatever is left."""
    _signal_group(process.pid, signal.SIGQUIT)
    with suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)
    _signal_group(process.pid, signal.SIGKILL)  # a worker its master left behind, if any
    process.wait(timeout=10)
