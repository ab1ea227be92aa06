"""Source for inner test modules that fork: how the parent waits for its child.

Polled with the OS's own waitpid: gevent's (the patched one) answers from its
SIGCHLD watcher, which on Python 3.12/3.13 under load at times never reported a
child's exit; how the parent waits is not what those tests check, and a child
that really hangs still fails them.
"""

WAIT_FOR_CHILD = """
    import os
    import time

    from gevent.monkey import get_original


    def wait_for(pid, seconds=30):
        waitpid, deadline = get_original("os", "waitpid"), time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                if waitpid(pid, os.WNOHANG) != (0, 0):
                    return
            except ChildProcessError:  # gevent's watcher reaped it first: it has exited
                return
            time.sleep(0.01)
        raise TimeoutError("the child did not exit")  # not the verdict asserted
"""
