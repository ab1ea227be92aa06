"""Greenlets: tracked spawning, lost errors, leaks, timeouts, hub blocking, names, servers.

- ``owners``: whose greenlet is it (the tracker behind ``spawn`` / ``gevent_pool``);
- ``fixtures``: the ``spawn`` and ``gevent_pool`` fixtures (``fixture_types``: their types);
- ``lost_errors``: exceptions nobody retrieved fail the test they happened in;
- ``leaks``: greenlets still running when their owner ends;
- ``timeouts``, ``blocking``: the cooperative timeout and hub-blocking detection;
- ``naming``: how every message names and describes a greenlet;
- ``servers``: the ``wsgi_server`` fixture (``server_thread``: the thread that serves);
- ``settings``: per-test markers and options; ``plugin``: the hooks around each test;
- ``exceptions``: what the checks raise and warn (no gevent import).

PYTEST_DONT_REWRITE
"""
