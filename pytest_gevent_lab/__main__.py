"""``python -m pytest_gevent_lab [pytest args]``: patch, then import and run pytest.

The strictest form of the patched mode: nothing but the interpreter's own
start-up and gevent has been imported when ``patch_all()`` runs, so no module
can hold an unpatched original (the effect of gevent's own
``python -m gevent.monkey --module pytest``). ``--gevent-patch-skip`` is read
here and also left for pytest, so the report header shows it.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

USAGE = "usage: python -m pytest_gevent_lab [--gevent-patch-skip=NAMES] [pytest args]"
_XDIST_OPTIONS = ("-n", "--numprocesses", "--tx", "--dist", "-d")


def _option_values(args: Sequence[str], option: str) -> list[str]:
    values = []
    for index, arg in enumerate(args):
        if arg == option and index + 1 < len(args):
            values.append(args[index + 1])
        elif arg.startswith(option + "="):
            values.append(arg.partition("=")[2])
    return values


def _uses_xdist(args: Sequence[str]) -> bool:
    for arg in args:
        if arg == "--":
            break
        if arg.partition("=")[0] in _XDIST_OPTIONS or (arg.startswith("-n") and arg[2:].isdigit()):
            return arg not in ("-n0", "--numprocesses=0")
    return False


def main(argv: Sequence[str] | None = None) -> int:
    loaded_before_gevent = set(sys.modules)
    args = list(sys.argv[1:] if argv is None else argv)
    if _uses_xdist(args):
        # The xdist controller must stay unpatched (execnet's IO threads); the
        # plugin patches each worker instead.
        print(
            "ERROR: python -m pytest_gevent_lab cannot run an xdist controller patched; "
            "use: pytest -n N --gevent-patch (every worker patches itself)",
            file=sys.stderr,
        )
        return 4

    from . import patching

    try:
        skip = patching.check_skip_names(
            patching.split_names(_option_values(args, "--gevent-patch-skip")), "--gevent-patch-skip"
        )
    except patching.UnknownPatchName as error:
        print(f"ERROR: {error}\n{USAGE}", file=sys.stderr)
        return 4
    patching.patch_process(skip, by="python -m pytest_gevent_lab", loaded=loaded_before_gevent)

    import pytest

    return int(pytest.main(args))


if __name__ == "__main__":
    sys.exit(main())
