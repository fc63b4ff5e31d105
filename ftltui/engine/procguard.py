"""Local module processes must not outlive the controller that started them.

Modules on local hosts start their processes in a new session (so a cancel can stop
the whole process group), which also means nothing stops them when the controller is
SIGKILLed: no parent-death signal reaches a new session's children, and
``PR_SET_PDEATHSIG`` would fire when the *thread* that spawned them exits and cannot be
set through ``posix_spawn`` anyway. On the SSH path the remote gate notices its stdin
closing and stops its processes; this is the same idea for the local path.

The first local process a controller starts also starts one small watcher process
(this file, run as a script with ``python -I -S``). The controller keeps the write end
of a pipe whose read end is the watcher's stdin, and writes ``+PGID`` when it starts a
process group and ``-PGID`` once it has reaped it: two writes of a few bytes per
process. The write end is close-on-exec, so no module process holds it. When the
controller dies, however it dies, the kernel closes the pipe; the watcher reads EOF,
sends SIGTERM to every group still recorded, and SIGKILL to those still there after a
grace period. A controller that exits normally has no recorded group left, and its
watcher just exits.

Stdlib only and no ``ftltui`` imports: the watcher runs this file directly, without the
package on its path.
"""

from __future__ import annotations

import os
import sys
import threading
import time

GRACE_SECONDS = 2.0  # after SIGTERM, before SIGKILL (as a cancel does)


class ProcessGuard:
    """The controller's side: records process groups with the watcher (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._fd: int | None = None
        self._groups: set[int] = set()  # re-sent to a new watcher if the old one was killed
        self.watcher_pid: int | None = None

    def add(self, pgid: int) -> None:
        with self._lock:
            self._groups.add(pgid)
        self._send(b"+%d\n" % pgid)

    def discard(self, pgid: int) -> None:
        with self._lock:
            self._groups.discard(pgid)
        self._send(b"-%d\n" % pgid)

    def release(self) -> None:
        """Close our end of the pipe, as dying would: the watcher stops every group
        still recorded and exits (a later ``add`` starts a new watcher)."""
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
            self._groups.clear()

    def _send(self, msg: bytes) -> None:
        fd = self._fd
        if fd is None:
            fd = self._start()
            if fd is None:
                return
        try:
            os.write(fd, msg)  # < PIPE_BUF: atomic, no lock needed between threads
        except OSError:  # the watcher was killed: the next message starts another one
            with self._lock:
                if self._fd == fd:
                    os.close(fd)
                    self._fd = None

    def _start(self) -> int | None:
        with self._lock:
            if self._fd is not None:
                return self._fd
            if not sys.executable or not hasattr(os, "posix_spawn"):
                return None
            r, w = os.pipe()  # both close-on-exec
            null = os.open(os.devnull, os.O_RDWR)
            try:
                # own session: a Ctrl-C meant for the console must not kill the watcher
                self.watcher_pid = os.posix_spawn(
                    sys.executable, [sys.executable, "-I", "-S", os.path.abspath(__file__), str(os.getpid())],
                    os.environ, file_actions=[(os.POSIX_SPAWN_DUP2, r, 0), (os.POSIX_SPAWN_DUP2, null, 1),
                                              (os.POSIX_SPAWN_DUP2, null, 2)], setsid=True)
            except OSError:
                os.close(w)
                return None
            finally:
                os.close(r)
                os.close(null)
            self._fd = w
            if self._groups:  # what an earlier watcher knew (the caller's own message follows)
                os.write(w, b"".join(b"+%d\n" % g for g in self._groups))
            return w


    def _forked(self) -> None:
        """In a forked child: the parent's watcher and groups are not this process's."""
        self._lock = threading.Lock()  # another thread may have held it at the fork
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        self._groups = set()


_SHARED = ProcessGuard()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_SHARED._forked)


def shared() -> ProcessGuard:
    """The guard of this process (one watcher per controller process)."""
    return _SHARED


# -- the watcher ---------------------------------------------------------------------------


def _alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _signal(groups: set[int], sig: int) -> None:
    for pgid in groups:
        try:
            os.killpg(pgid, sig)
        except (ProcessLookupError, PermissionError):
            pass


def stop_groups(groups: set[int], grace: float = GRACE_SECONDS) -> None:
    """SIGTERM every group, then SIGKILL what is left after ``grace`` seconds."""
    import signal

    _signal(groups, signal.SIGTERM)
    deadline = time.monotonic() + grace
    left = {g for g in groups if _alive(g)}
    while left and time.monotonic() < deadline:
        time.sleep(0.05)
        left = {g for g in left if _alive(g)}
    _signal(left, signal.SIGKILL)


def watch(fd: int = 0) -> set[int]:
    """Read ``+PGID``/``-PGID`` lines until EOF; the groups still recorded at the end."""
    groups: set[int] = set()
    buf = b""
    while True:
        try:
            data = os.read(fd, 65536)
        except InterruptedError:
            continue
        if not data:
            return groups
        buf += data
        *lines, buf = buf.split(b"\n")
        for line in lines:
            try:
                pgid = int(line[1:])
            except ValueError:
                continue
            if pgid <= 1:
                continue  # never signal group 0 (ours) or 1
            if line[:1] == b"+":
                groups.add(pgid)
            else:
                groups.discard(pgid)


def main() -> None:
    import signal

    for sig in (signal.SIGINT, signal.SIGHUP, signal.SIGQUIT, signal.SIGTSTP):
        signal.signal(sig, signal.SIG_IGN)
    stop_groups(watch(0))


if __name__ == "__main__":
    main()
