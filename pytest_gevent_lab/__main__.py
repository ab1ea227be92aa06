"""``python -m pytest_gevent_lab [pytest args]``: patch, then import and run pytest.

The strictest form of the patched mode: nothing but the interpreter's own
start-up and gevent has been imported when ``patch_all()`` runs, so no module
can hold an unpatched original (the effect of gevent's own
``python -m gevent.monkey --module pytest``). ``--gevent-patch-skip`` is read
here and also left for pytest, so the report header shows it. What the
launcher cannot see before pytest reads its ini files and PYTEST_ADDOPTS (an
xdist ``-n``, an ini skip list) is checked by the plugin, which refuses a run
that expects something else (see patched_mode).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

USAGE = "usage: python -m pytest_gevent_lab [--gevent-patch-skip=NAMES] [pytest args]"


def _option_values(args: Sequence[str], option: str) -> list[str]:
    values = []
    for index, arg in enumerate(args):
        if arg == option and index + 1 < len(args):
            values.append(args[index + 1])
        elif arg.startswith(option + "="):
            values.append(arg.partition("=")[2])
    return values


def main(argv: Sequence[str] | None = None) -> int:
    loaded_before_gevent = set(sys.modules)
    args = list(sys.argv[1:] if argv is None else argv)
    from . import patching

    try:
        skip = patching.check_skip_names(
            patching.split_names(_option_values(args, "--gevent-patch-skip")), "--gevent-patch-skip"
        )
    except patching.UnknownPatchName as error:
        print(f"ERROR: {error}\n{USAGE}", file=sys.stderr)
        return 4
    patching.patch_process(skip, by=patching.LAUNCHER, loaded=loaded_before_gevent)

    import pytest

    # Imported now, with nothing left to patch, so that the plugin's modules load as
    # any module does, not through pytest's rewriting hook: this package was imported
    # before pytest could install it, and unmarks itself only at pytest_addoption
    # (see _load_the_rest_plainly).
    from . import plugin  # noqa: F401

    return int(pytest.main(args))


if __name__ == "__main__":
    sys.exit(main())
