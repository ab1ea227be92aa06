"""What the example files share: a fresh interpreter, a slow local HTTP server, timing.

Nothing here patches: patching cannot be undone, so every patched measurement
runs in a fresh interpreter (``run_python``), and the server runs on real
threads so that it keeps answering while a test waits for that interpreter.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def run_python(
    code: str, *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> str:
    """Run ``code`` in a fresh interpreter (this venv's); its stdout, or AssertionError."""
    result = subprocess.run(
        [sys.executable, "-c", code, *args],
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise AssertionError(
            f"the fresh interpreter exited with {result.returncode}\n"
            f"--- stdout\n{result.stdout}--- stderr\n{result.stderr}"
        )
    return result.stdout


def busy(seconds: float) -> None:
    """CPU work that never yields: what neither a greenlet nor the GIL can overlap.

    ``seconds`` of this thread's CPU time, not of wall time: on a loaded machine
    the same work then takes the same own time (see examples/ratios.py).
    """
    deadline = time.thread_time() + seconds
    while time.thread_time() < deadline:
        pass


class LatencyServer(ThreadingHTTPServer):
    """An HTTP server on 127.0.0.1 whose every answer takes ``latency`` seconds.

    ``plan`` gives the next connections their own latencies, in the order they
    were accepted (then ``latency`` again): the way to make responses arrive out
    of order. Accepting is sequential, so that order is the order of connecting.
    """

    daemon_threads = True

    def __init__(self, latency: float) -> None:
        super().__init__(("127.0.0.1", 0), _SlowHandler)
        self.latency = latency
        self.plan: list[float] = []
        self._latencies: dict[object, float] = {}
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}/"

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._lock:
            self._latencies[request] = self.plan.pop(0) if self.plan else self.latency
        super().process_request(request, client_address)

    def latency_of(self, request: object) -> float:
        with self._lock:
            return self._latencies.pop(request, self.latency)


class _SlowHandler(BaseHTTPRequestHandler):
    server: LatencyServer

    def do_GET(self) -> None:
        time.sleep(self.server.latency_of(self.request))
        body = b"ok\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: pytest shows captured stderr of failing tests, not every request."""


@contextmanager
def latency_server(latency: float) -> Iterator[LatencyServer]:
    server = LatencyServer(latency)
    thread = threading.Thread(target=server.serve_forever, name="latency-server", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# Runs in the fresh interpreter: replays an interactive session the way the REPL
# would (expression values shown with sys.displayhook), and reports each output.
_SESSION_RUNNER = r"""
import contextlib, io, json, sys
statements, expected = [], []
for line in sys.argv[1].strip("\n").splitlines():
    if line.startswith(">>> "):
        statements.append(line[4:])
        expected.append([])
    elif line.startswith("...") and statements:
        statements[-1] += "\n" + line[4:]
    else:
        expected[-1].append(line)
namespace = {"__name__": "__main__"}
steps = []
for source, lines in zip(statements, expected):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(source + "\n", "<session>", "single"), namespace)
    got = out.getvalue().rstrip("\n")
    steps.append({"source": source, "expected": "\n".join(lines), "got": got})
print(json.dumps(steps))
"""


def run_session(session: str) -> list[dict[str, str]]:
    """Replay a ``>>>`` session in a fresh interpreter: each step's source, expected, got."""
    steps: list[dict[str, str]] = json.loads(run_python(_SESSION_RUNNER, session))
    return steps


def without_addresses(text: str) -> str:
    """``<function select at 0x100e40f28>`` -> ``<function select at 0x...>``."""
    return re.sub(r"0x[0-9a-fA-F]+", "0x...", text)
