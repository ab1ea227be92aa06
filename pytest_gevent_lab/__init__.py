"""pytest-gevent-lab: the pytest plugin for code that runs on gevent.

The plugin itself loads through the ``pytest11`` entry point (``plugin.py``);
importing this package imports neither gevent nor any module gevent patches.

PYTEST_DONT_REWRITE: ``python -m pytest_gevent_lab`` imports this package
before pytest exists; nothing here relies on assertion rewriting.
"""

from __future__ import annotations

__version__ = "0.1.0"
