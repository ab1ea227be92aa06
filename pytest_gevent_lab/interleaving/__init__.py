"""Interleaving: asserting the order in which greenlets ran.

- ``log``: the ``Interleaving`` order log you record labels to, and its assertions;
- ``switch_trace``: the greenlet switches that really happened;
- ``sequencer``: forcing an order between greenlets;
- ``timeline``: the text a failed order assertion shows;
- ``fixtures``: the fixtures that hand them to a test.

The helpers are importable from ``pytest_gevent_lab`` itself.

PYTEST_DONT_REWRITE
"""
