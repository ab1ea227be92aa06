"""Section "猴子补丁" (monkey patching) of the article: what patch_socket() changes."""

import subprocess
import sys


def test_patch_socket_replaces_socket_class() -> None:
    # Patching cannot be undone, so the patched interpreter is a fresh one.
    code = (
        "import socket; before = repr(socket.socket);"
        "from gevent import monkey; monkey.patch_socket();"
        "print(before); print(repr(socket.socket))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout.split("\n")
    assert out[0] == "<class 'socket.socket'>"
    assert out[1] == "<class 'gevent._socket3.socket'>"
