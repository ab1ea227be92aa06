"""Beyond the article: a race gevent's own order hides, found and replayed by seed.

The code under test is a small client for a config service: one TCP
connection to the server (127.0.0.1, a port the OS picks), a reader greenlet
that hands each reply to the request waiting for it, and a cache in front::

    def get(self, key):
        if key in self.cache:          # check ...
            return self.cache[key]
        value = self.request(key)      # a round trip over the socket
        self.cache[key] = value        # ... then act

Two requests that want the same key can both miss the cache and both ask the
server: a check-then-act across a socket read. Under gevent's FIFO order it
never happens here: both replies come in one read, and the greenlet that
asked first always runs first and fills the cache before the other one
looks. So a plain run passes, a hundred times out of a hundred. Under
``@pytest.mark.gevent_schedules`` the two wake-ups run in either order, and
the failure prints the seed that replays it with ``--gevent-schedule-seed``.
Plain tests: these are the plugin's promises, not the article's claims.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gevent
import pytest
from gevent import socket
from gevent.event import AsyncResult
from gevent.pool import Pool
from gevent.server import StreamServer

# --- the code under test ---


class ConfigClient:
    """One connection, replies matched to requests in order, a cache in front (the bug)."""

    def __init__(self, address: tuple[str, int]) -> None:
        self.sock = socket.create_connection(address)
        self.cache: dict[str, str] = {}
        self.waiting: list[AsyncResult] = []  # one per request sent, in order
        self.reader = gevent.spawn(self._read_replies)

    def get(self, key: str) -> str:
        if key in self.cache:
            return self.cache[key]
        value = self.request(key)
        self.cache[key] = value
        return value

    def request(self, key: str) -> str:
        reply = AsyncResult()
        self.waiting.append(reply)
        self.sock.sendall(f"GET {key}\n".encode())
        return str(reply.get(timeout=10))

    def _read_replies(self) -> None:
        buffered = b""
        while True:
            data = self.sock.recv(4096)
            if not data:
                return
            buffered += data
            *lines, buffered = buffered.split(b"\n")
            for line in lines:
                self.waiting.pop(0).set(line.decode().split("=", 1)[1])

    def close(self) -> None:
        self.reader.kill()
        self.sock.close()


class FixedConfigClient(ConfigClient):
    """The fix: a second request for a key in flight waits for the first one's reply."""

    def __init__(self, address: tuple[str, int]) -> None:
        super().__init__(address)
        self.in_flight: dict[str, AsyncResult] = {}

    def get(self, key: str) -> str:
        if key in self.cache:
            return self.cache[key]
        if key in self.in_flight:
            return str(self.in_flight[key].get(timeout=10))
        pending = self.in_flight[key] = AsyncResult()
        value = self.request(key)
        self.cache[key] = value
        del self.in_flight[key]
        pending.set(value)
        return value


class ConfigServer:
    """Answers ``GET key`` lines with ``key=value`` lines; counts what it was asked."""

    def __init__(self) -> None:
        self.asked: Counter[str] = Counter()
        # Its own pool: stop() then waits for the handlers of closed connections.
        self.server = StreamServer(("127.0.0.1", 0), self._serve, spawn=Pool(100))

    def _serve(self, sock: Any, address: Any) -> None:
        while True:
            data = sock.recv(4096)
            if not data:
                return
            keys = [line.split()[1] for line in data.decode().splitlines()]
            self.asked.update(keys)
            sock.sendall("".join(f"{key}=value-of-{key}\n" for key in keys).encode())


def two_requests(client: ConfigClient) -> None:
    """A page that needs "db"; a worker that needs "flags", then "db"."""
    page = gevent.spawn(client.get, "db")
    worker = gevent.spawn(lambda: (client.get("flags"), client.get("db")))
    gevent.joinall([page, worker], raise_error=True)


# --- the tests ---


@pytest.fixture
def config_server() -> Iterator[ConfigServer]:
    server = ConfigServer()
    server.server.start()
    yield server
    server.server.stop(timeout=1)


def test_plain_runs_never_see_the_race(config_server: ConfigServer) -> None:
    for _ in range(100):
        config_server.asked.clear()
        client = ConfigClient(config_server.server.address)
        try:
            two_requests(client)
        finally:
            client.close()
        assert config_server.asked == {"db": 1, "flags": 1}


# The marked tests, as a user writes them; run below in a fresh pytest.
MARKED = """
import pytest
from test_07_schedules import ConfigClient, FixedConfigClient, config_server, two_requests


@pytest.mark.gevent_schedules(runs=100)
def test_db_is_fetched_once(config_server):
    config_server.asked.clear()
    client = ConfigClient(config_server.server.address)
    try:
        two_requests(client)
    finally:
        client.close()
    assert config_server.asked == {"db": 1, "flags": 1}


@pytest.mark.gevent_schedules(runs=100, strategy="pct")
def test_the_fix_under_every_schedule(config_server):
    config_server.asked.clear()
    client = FixedConfigClient(config_server.server.address)
    try:
        two_requests(client)
    finally:
        client.close()
    assert config_server.asked == {"db": 1, "flags": 1}
"""


def _pytest(directory: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent), *sys.path])}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:randomly", *args],
        cwd=directory,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_marker_finds_the_race_and_its_seed_replays_it(tmp_path: Path) -> None:
    (tmp_path / "test_config_client.py").write_text(textwrap.dedent(MARKED))
    found = _pytest(tmp_path, "test_config_client.py")
    assert found.returncode == 1, found.stdout + found.stderr
    assert "1 failed, 1 passed" in found.stdout  # the fix passes all 100 schedules
    assert "assert Counter({'db': 2, 'flags': 1})" in found.stdout
    seed = re.search(r"run \d+ of 100 failed \(random strategy, seed (\d+)\)", found.stdout)
    assert seed is not None, found.stdout
    replay = f"--gevent-schedule-seed={seed.group(1)}"
    assert (
        f"Replay this schedule: pytest test_config_client.py::test_db_is_fetched_once {replay}"
        in (found.stdout)
    )
    for _ in range(2):  # the same seed, the same schedule, the same failure
        replayed = _pytest(tmp_path, "test_config_client.py::test_db_is_fetched_once", replay)
        assert replayed.returncode == 1, replayed.stdout + replayed.stderr
        assert "the replayed schedule failed" in replayed.stdout
        assert "assert Counter({'db': 2, 'flags': 1})" in replayed.stdout
