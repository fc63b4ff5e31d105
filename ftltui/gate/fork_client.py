"""The gate's side of the per-user fork server (:mod:`ftltui.gate.fork_server`): find it, start it, use it.

Stdlib only, Python >= 3.8 (travels in the gate zip). A gate that has a module to run
connects to ``<cache>/fs-<key>.sock``; if nothing answers there it starts a server under
an flock (so 50 gates of one user start one), handing it a socket that already listens:
the gate's own connection waits in the backlog while the server imports ``basic``, with
no polling. Anything that keeps the server from being used (a path too long for a Unix
socket, no fork/exec, warming that fails) makes :meth:`ForkClient.run` return None and
the gate runs the module from its own warm state, as before the server existed.
"""

from __future__ import annotations

import json
import os
import sys
import threading

# the C module under ``socket``: importing ``socket`` (enum and friends) costs a gate ~4 ms
import _socket

from ftltui.gate.ansible_child import resource_limits, wait_cancellable

TYPE_CHECKING = False  # typing costs ~6 ms at every gate start: annotations only
if TYPE_CHECKING:
    from typing import Any, Dict, List, Optional

SUN_PATH_MAX = 103  # sockaddr_un.sun_path: 108 bytes on Linux, 104 on BSDs (with the final NUL)
NAMESPACES = ("mnt", "net", "pid", "user", "uts", "ipc")
CANCEL_POLL = 0.5  # seconds between looks at the cancel flag while a server warms up
_SIGTERM_STATUS = 15  # the waitpid status of a process killed by SIGTERM
_BOOT = "import sys;sys.path.insert(0,sys.argv[1]);from ftltui.gate.fork_server import main;main()"
_HERE = os.path.dirname(os.path.abspath(__file__))


class ServerGone(Exception):
    """The server went away before it started our module: nothing ran, a fresh one may."""


class WarmFailed(Exception):
    """The server could not import the base bundle: nothing ran."""


def server_key(base_digest: str, gate_hash: str) -> str:
    """What a server must share with a gate to serve it: code (the gate zip's hash names
    this file and the server's), base bundle, interpreter, credentials, namespaces (a
    module must see the gate's network and filesystem), hard resource limits (a child takes
    the gate's soft limits, which it can only under the same hard ones) and machine. CRC-32s, not hashlib (~3 ms to
    import at every gate): the names only tell a user's few servers apart."""
    import zlib

    code = gate_hash
    if gate_hash == "dev":  # a gate run from a source tree: its files name the code
        code = ""
        for name in ("ansible_child.py", "ansible_warm.py", "ansible_preload.py", "fork_server.py", "fork_client.py"):
            try:
                with open(os.path.join(_HERE, name), "rb") as f:
                    code += "%08x" % zlib.crc32(f.read())
            except OSError:
                code += "?"
    ns = []
    for n in NAMESPACES:
        try:
            ns.append(os.readlink("/proc/self/ns/" + n))
        except OSError:
            ns.append("")
    # the host name too: a home on NFS shares the cache directory (and the socket's name)
    # between machines, whose servers must not take each other's place
    hard = sorted((name, pair[1]) for name, pair in resource_limits().items())
    ident = json.dumps([code, base_digest, sys.executable, sys.version, os.geteuid(), os.getegid(),
                        sorted(os.getgroups()), ns, os.uname().nodename, hard]).encode("utf-8")
    return "%08x%08x" % (zlib.crc32(ident), zlib.crc32(ident[::-1]))


class ForkClient:
    """Runs module jobs through this user's fork server for one base bundle."""

    def __init__(self, root: str, key: str, base_dir: str, warm: List[str], idle: float) -> None:
        self.path = os.path.join(root, "fs-%s.sock" % key)
        self.lock_path = os.path.join(root, "fs-%s.lock" % key)
        self.base_dir = base_dir
        self.warm = warm
        self.idle = idle
        self.root = root
        self.usable = len(self.path.encode("utf-8")) <= SUN_PATH_MAX and hasattr(_socket, "SO_PEERCRED") \
            and bool(sys.executable)

    def run(self, job: Dict[str, Any], cancel: threading.Event) -> Optional[Dict[str, Any]]:
        """The waitpid status of the module child and what it left running, or None: run it yourself."""
        if not self.usable:
            return None
        line = (json.dumps(job) + "\n").encode("utf-8")
        for fresh in (False, True):
            conn = None if fresh else _connect(self.path)
            if conn is None:
                conn = self._start(force=fresh)
                if conn is None:
                    return None
            try:
                return self._call(conn, line, cancel)
            except WarmFailed:
                return None  # the gate warms itself and reports the import error as before
            except ServerGone:
                continue  # a stale or stopping server: start a fresh one, once
            finally:
                conn.close()
        return None

    def _call(self, conn: Any, line: bytes, cancel: threading.Event) -> Dict[str, Any]:
        reader = _Lines(conn)
        try:
            conn.sendall(line)
            conn.settimeout(CANCEL_POLL)  # a server still warming up: the task may be cancelled meanwhile
            while True:
                try:
                    first = reader.next()
                    break
                except _socket.timeout:
                    if cancel.is_set():  # nothing started yet: nothing to stop
                        return {"status": _SIGTERM_STATUS, "lingering": 0, "cancelled": True}
            conn.settimeout(None)
        except OSError:
            first = None
        if first is None:
            raise ServerGone("fork server went away")
        if "pid" not in first:
            if first.get("warm_failed"):
                raise WarmFailed(first.get("error"))
            if first.get("retry"):
                raise ServerGone(first.get("error"))
            raise RuntimeError(first.get("error"))
        pid = int(first["pid"])
        ended = {}  # type: Dict[str, Any]  # the server's last line: status, lingering, cpu_ms

        def block() -> int:
            try:
                last = reader.next()
            except OSError:
                last = None
            if last is None or "status" not in last:
                import signal

                from ftltui.gate.ansible_child import _killpg

                _killpg(pid, signal.SIGKILL)
                raise RuntimeError("the fork server exited while the module ran (pid %d)" % pid)
            ended.update(last)
            return int(last["status"])

        status, killed = wait_cancellable(pid, cancel, block)
        return {"status": status, "lingering": int(ended.get("lingering") or 0), "cancelled": killed,
                "cpu_ms": ended.get("cpu_ms")}

    def _start(self, force: bool) -> Any:
        """Start a server (one per key: the others wait on the lock, then connect to it)."""
        import fcntl

        try:
            lock = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            return None
        try:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not force:
                conn = _connect(self.path)
                if conn is not None:  # another gate started it while we waited
                    return conn
            if not self._spawn():
                return None
            return _connect(self.path)
        finally:
            os.close(lock)  # releases the flock

    def _spawn(self) -> bool:
        tmp = os.path.join(self.root, "fs-%d.tmp" % os.getpid())  # shorter than the final name
        listener = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
        try:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            listener.bind(tmp)
            os.chmod(tmp, 0o600)
            listener.listen(256)
            ino = os.stat(tmp).st_ino
            os.rename(tmp, self.path)  # atomically replaces a stale socket
            os.set_inheritable(listener.fileno(), True)
            config = {"fd": listener.fileno(), "path": self.path, "ino": ino, "base": self.base_dir,
                      "warm": self.warm, "idle": self.idle}
            code_dir = os.path.dirname(os.path.dirname(_HERE))
            argv = [sys.executable, "-S", "-c", _BOOT, code_dir, json.dumps(config)]
            null_fds = [(os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDWR, 0),
                        (os.POSIX_SPAWN_DUP2, 0, 1), (os.POSIX_SPAWN_DUP2, 0, 2)]
            pid = os.posix_spawn(sys.executable, argv, dict(os.environ), file_actions=null_fds, setsid=True)
        except (OSError, AttributeError, NotImplementedError):
            try:
                os.unlink(tmp)
            except OSError:
                pass
            return False
        finally:
            listener.close()  # the server has its own copy
        # reap it when it exits (idle timeout) while this gate still runs: no zombie
        threading.Thread(target=_reap, args=(pid,), daemon=True).start()
        return True


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


def _connect(path: str) -> Any:
    """A connected ``_socket.socket``, or None when nothing listens at ``path``."""
    conn = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        conn.connect(path)
        return conn
    except OSError:
        conn.close()
        return None


class _Lines:
    """JSON lines from a blocking socket."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self.buf = b""

    def next(self) -> Optional[Dict[str, Any]]:
        while b"\n" not in self.buf:
            data = self.conn.recv(1 << 16)
            if not data:
                return None
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line.decode("utf-8"))
