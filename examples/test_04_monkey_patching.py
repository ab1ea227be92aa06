"""The article's section "## 猴子补丁" (monkey patching): what patching changes, and what not.

The section is made of interactive sessions; each is replayed, unchanged, in a
fresh interpreter (patching cannot be undone), and its outputs are compared
with the article's, memory addresses aside.
"""

from __future__ import annotations

# ruff: noqa: E402 (the article's code comes first, the imports of the tests after it)
# The article's sessions and the signature it prints, unchanged.
ARTICLE_SOCKET_SESSION = """
>>> import socket
>>> socket.socket
<class 'socket.socket'>
>>> from gevent import monkey
>>> monkey.patch_socket()
>>> socket.socket
<class 'gevent._socket3.socket'>
"""

ARTICLE_JSON_SESSION = """
>>> import json
>>> json.__name__
'json'
>>> def patch_json():
...     json.__name__ = 'wjson'
...
>>> patch_json()
>>> json.__name__
'wjson'
"""

# The article prints patch_all's signature; here it is as the article prints it.
ARTICLE_PATCH_ALL = """
def patch_all(socket=True, dns=True, time=True, select=True, thread=True, os=True, ssl=True,
              httplib=False, # Deprecated, to be removed.
              subprocess=True, sys=False, aggressive=True, Event=True,
              builtins=True, signal=True,
              queue=True,
              **kwargs):
    pass
"""

# The article's session starts after `from gevent import monkey` (its previous session).
ARTICLE_SELECT_SESSION = """
>>> from gevent import monkey
>>> monkey.patch_all()
>>> import select
>>> select.select
<function select at 0x100e40f28>
"""


import inspect
import json

import gevent.monkey
import pytest
from support import run_python, run_session, without_addresses

from pytest_gevent_lab import RecordFigure

SECTION = "猴子补丁 (monkey patching)"


def _assert_session_matches(steps: list[dict[str, str]]) -> None:
    for step in steps:
        assert without_addresses(step["got"]) == without_addresses(step["expected"]), step


@pytest.mark.claim(
    "socket-class",
    "monkey.patch_socket() 之后，socket.socket 是 <class 'gevent._socket3.socket'>\n"
    "After monkey.patch_socket(), socket.socket is <class 'gevent._socket3.socket'>.",
    source=SECTION,
)
def test_patch_socket_replaces_the_socket_class(record_figure: RecordFigure) -> None:
    steps = run_session(ARTICLE_SOCKET_SESSION)
    record_figure("socket.socket before", steps[1]["got"], article=steps[1]["expected"])
    record_figure(
        "socket.socket after patch_socket()", steps[4]["got"], article=steps[4]["expected"]
    )
    _assert_session_matches(steps)


@pytest.mark.claim(
    "replace-attr",
    "Python的运行环境允许我们在运行时修改大部分的对象，包括模块，类甚至函数。所以猴子补丁的实现原理很简单\n"
    "Monkey patching is replacing attributes of modules at runtime, as in the "
    "json.__name__ example; gevent's patch is that too.",
    source=SECTION,
)
def test_the_json_example_and_gevent_both_replace_a_module_attribute(
    record_figure: RecordFigure,
) -> None:
    steps = run_session(ARTICLE_JSON_SESSION)
    record_figure("json.__name__ after patch_json()", steps[-1]["got"], article="'wjson'")
    _assert_session_matches(steps)
    # gevent does the same: the socket module object stays, one attribute changes,
    # and the original is kept aside.
    facts = json.loads(
        run_python(
            "import json, socket, sys; module, original = socket, socket.socket\n"
            "from gevent import monkey; monkey.patch_socket()\n"
            "print(json.dumps({'same module': sys.modules['socket'] is module,\n"
            "    'attribute replaced': socket.socket is not original,\n"
            "    'original kept': monkey.get_original('socket', 'socket') is original}))"
        )
    )
    record_figure("patch_socket(): same module, attribute replaced, original kept", str(facts))
    assert facts == {"same module": True, "attribute replaced": True, "original kept": True}


NO_OVERLAP_FLOOR = 5 * 0.1  # five 0.1 s waits, one after another, take at least this

PATCH_ALL_PROBE = r"""
import json, os, time
from gevent import monkey
monkey.patch_all()
import gevent, select, socket, ssl, threading, _thread

try:  # this thread's waiting for a CPU (Linux): what load adds, left out as the marker does
    SCHEDSTAT = os.open("/proc/thread-self/schedstat", os.O_RDONLY)
except OSError:
    SCHEDSTAT = None

def waited():
    return int(os.pread(SCHEDSTAT, 128, 0).split()[1]) / 1e9 if SCHEDSTAT is not None else 0.0

def five_at_once(wait, tries=3):
    # every greenlet runs in this thread, so its own time is all of the run's
    fastest = None
    for _ in range(tries):
        start, before = time.perf_counter(), waited()
        gevent.joinall([gevent.spawn(wait) for _ in range(5)], raise_error=True)
        took = time.perf_counter() - start - (waited() - before)
        fastest = took if fastest is None else min(fastest, took)
    return fastest

def socket_wait():
    a, b = socket.socketpair()
    a.settimeout(0.1)
    try:
        a.recv(1)
    except socket.timeout:
        pass
    a.close(); b.close()

def select_wait():
    a, b = socket.socketpair()
    select.select([a], [], [], 0.1)
    a.close(); b.close()

os_threads = set()
def thread_wait():
    def body():
        os_threads.add(monkey.get_original("_thread", "get_ident")())
        time.sleep(0.1)
    thread = threading.Thread(target=body)
    thread.start()
    thread.join()

print(json.dumps({
    "patched": sorted(monkey.saved),
    "ssl.SSLContext": ssl.SSLContext.__module__,
    "seconds": {
        "time.sleep": five_at_once(lambda: time.sleep(0.1)),
        "socket recv": five_at_once(socket_wait),
        "select.select": five_at_once(select_wait),
        "threading.Thread": five_at_once(thread_wait),
    },
    "os threads used by 5 threading.Threads": len(os_threads),
}))
"""


@pytest.mark.claim(
    "patch-all",
    "gevent能够 修改标准库里面大部分的阻塞式系统调用，包括socket、ssl、threading和 select等模块，"
    "而变为协作式运行。\n"
    "patch_all() makes most blocking calls of the standard library cooperative, including "
    "socket, ssl, threading and select.",
    source=SECTION,
)
def test_after_patch_all_five_blocking_waits_overlap(record_figure: RecordFigure) -> None:
    facts = json.loads(run_python(PATCH_ALL_PROBE))
    patched = [name for name in facts["patched"] if not name.startswith("_gevent")]
    record_figure("modules patch_all() patched", ", ".join(patched))
    record_figure("ssl.SSLContext comes from", facts["ssl.SSLContext"])
    for call, seconds in facts["seconds"].items():
        record_figure(f"five 0.1 s waits in {call}, as greenlets, fastest of 3", seconds, "s")
    record_figure(
        "OS threads used by five threading.Threads", facts["os threads used by 5 threading.Threads"]
    )
    assert {"socket", "ssl", "threading", "select"} <= set(patched)
    assert facts["ssl.SSLContext"].startswith("gevent.")
    # One after another, five 0.1 s waits cannot take less than 0.5 s; overlapping,
    # about 0.1 s. Half the floor leaves load (left out anyway) 0.15 s to add.
    assert all(seconds < NO_OVERLAP_FLOOR / 2 for seconds in facts["seconds"].values()), facts[
        "seconds"
    ]
    assert facts["os threads used by 5 threading.Threads"] == 1


@pytest.mark.claim(
    "signature",
    "patch_all() 方法语法如下 def patch_all(socket=True, dns=True, ..., httplib=False, ..., "
    "queue=True, **kwargs)\n"
    "patch_all()'s signature is the one the article prints.",
    source=SECTION,
    verdict="changed since the article",
)
def test_patch_all_signature_changed_since_the_article(record_figure: RecordFigure) -> None:
    namespace: dict[str, object] = {}
    exec(ARTICLE_PATCH_ALL, namespace)
    article = dict(inspect.signature(namespace["patch_all"]).parameters)  # type: ignore[arg-type]
    today = dict(inspect.signature(gevent.monkey.patch_all).parameters)
    gone = [name for name in article if name not in today]
    added = [name for name in today if name not in article]
    changed = [
        name for name in article if name in today and article[name].default != today[name].default
    ]
    record_figure(f"gevent {gevent.__version__}: parameters gone", ", ".join(gone) or "none")
    record_figure("parameters added", ", ".join(added) or "none")
    record_figure("defaults changed", ", ".join(changed) or "none")
    assert gone or added or changed, "the signature is the article's again: update the verdict"


@pytest.mark.claim(
    "socket=False",
    "如果不想修改某个模块，直接传参即可，比如 patch_all(socket=False)\n"
    "patch_all(socket=False) leaves socket unpatched.",
    source=SECTION,
)
def test_patch_all_socket_false_leaves_socket_alone(record_figure: RecordFigure) -> None:
    facts = json.loads(
        run_python(
            "import json; from gevent import monkey; monkey.patch_all(socket=False)\n"
            "import socket, time\n"
            "print(json.dumps({'socket.socket': repr(socket.socket),\n"
            "    'socket patched': monkey.is_module_patched('socket'),\n"
            "    'time patched': monkey.is_module_patched('time')}))"
        )
    )
    record_figure("socket.socket after patch_all(socket=False)", facts["socket.socket"])
    record_figure("time still patched", str(facts["time patched"]))
    assert facts == {
        "socket.socket": "<class 'socket.socket'>",
        "socket patched": False,
        "time patched": True,
    }


@pytest.mark.claim(
    "import-after",
    "或者在该方法之后导入，让原始模块覆盖掉 monkey 的修改即可\n"
    "Importing a module after patch_all() lets the original module override the patch "
    "(the article's `select` example).",
    source=SECTION,
    verdict="does not hold",
)
def test_importing_select_after_patch_all_gives_the_patched_select(
    record_figure: RecordFigure,
) -> None:
    steps = run_session(ARTICLE_SELECT_SESSION + ">>> select.select.__module__\n")
    # The article's output cannot tell: gevent's replacement is also a function "select".
    assert without_addresses(steps[3]["got"]) == without_addresses(steps[3]["expected"])
    record_figure("select.select after patch_all(); import select", steps[3]["got"])
    record_figure("its module", steps[4]["got"])
    assert steps[4]["got"] == "'gevent.select'"
    # What does escape the patch: a name bound *before* patching.
    early = run_python(
        "from select import select\nfrom gevent import monkey; monkey.patch_all()\n"
        "print(select.__module__)"
    ).strip()
    record_figure("`from select import select` before patch_all(), its module", early)
    assert early == "select"
