"""A per-user warm fork server on the host: Ansible's ``basic`` imported once, for every gate.

Stdlib only, Python >= 3.8 (travels in the gate zip). Why: a gate lives as long as one
controller connection, and importing ``ansible.module_utils.basic`` costs ~100 ms of host
CPU, which every run paid again on every host (45 % of all host CPU in the 50-host bench).
This process outlives the gates: the first gate of a user that needs a base bundle starts
it (:mod:`ftltui.gate.fork_client`), and later gates of that user connect to its Unix
socket instead of warming themselves.

What stays as it was: every module call still runs in its own child forked from the warm,
untouched parent (the parent never runs module code), in its own session, with fds 0/1/2
only, the calling gate's environment, directory and umask; the gate kills that session on
cancel/timeout; processes a module leaves behind are killed and counted here. A become'd
gate is another user with another home, so it gets its own server.

Safety: the socket lives in the user's 0700 cache directory, is 0600, and every peer's
uid is checked (SO_PEERCRED) against ours. The server is keyed by the code, the base
bundle, the interpreter, the user and the namespaces (:func:`fork_client.server_key`);
it exits after ``idle`` seconds without work, when its socket path is removed or taken
over by another server, or when its base bundle's file changed (a re-upload).

Protocol (one connection per module call, JSON lines): the gate sends the job (what
:func:`ansible_child._spare_main` reads); the server answers ``{"pid": N}`` once the child
has its job, then ``{"status": S, "lingering": N}`` (``os.waitpid`` status) when it ended,
or ``{"error": text, "retry": bool}`` if it could not run it (``retry``: nothing ran,
start a fresh server).
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import socket
import struct
import sys
import time

from ftltui.gate.ansible_child import SpareChild, _reap_group
from ftltui.gate.ansible_preload import bundle_packages, preload_module
from ftltui.gate.ansible_warm import preimport_parents, warm_interpreter

TYPE_CHECKING = False  # typing costs ~6 ms at every start: annotations only
if TYPE_CHECKING:
    from typing import Any, Dict

CHECK_EVERY = 2.0  # seconds between checks of the socket path and the idle clock
MAX_JOB = 64 << 20  # a job bigger than this is refused (module arguments travel in it)


def peer_uid(conn: socket.socket) -> int:
    """The connecting process's uid (Linux SO_PEERCRED: pid, uid, gid)."""
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return struct.unpack("3i", creds)[1]


class _Call:
    """One gate's connection: the job being read, then the child running it."""

    def __init__(self, conn: socket.socket) -> None:
        self.conn = conn
        self.buf = b""
        self.pid = 0


class ForkServer:
    def __init__(self, listener: socket.socket, path: str, ino: int, base_file: str, idle: float) -> None:
        self.listener = listener
        self.path = path
        self.ino = ino  # the socket path's inode when the gate put it there: ours while it is the same
        self.base_file = base_file
        self.base_stat = _file_id(base_file)
        self.idle = idle
        self.uid = os.geteuid()
        self.sel = selectors.DefaultSelector()
        self.calls: Dict[int, _Call] = {}  # by child pid
        self.spare = SpareChild()  # forked ahead, waiting for the next call's job
        self.last_work = time.monotonic()
        self.accepting = True
        self.bundles: Dict[str, Any] = {}  # module bundle -> its file's identity when first used

    # -- the loop ---------------------------------------------------------------------
    def serve(self) -> None:
        wake_r, wake_w = os.pipe()
        os.set_blocking(wake_r, False)
        os.set_blocking(wake_w, False)
        signal.set_wakeup_fd(wake_w)
        signal.signal(signal.SIGCHLD, lambda signum, frame: None)  # wakes the selector via wake_w
        self.sel.register(wake_r, selectors.EVENT_READ, "wake")
        self.listener.setblocking(False)
        self.sel.register(self.listener, selectors.EVENT_READ, "accept")
        self._replenish()
        next_check = time.monotonic() + CHECK_EVERY
        while self.accepting or self.calls or self._reading():
            for key, _ in self.sel.select(timeout=CHECK_EVERY):
                if key.data == "wake":
                    _drain(wake_r)
                    self._reap()
                elif key.data == "accept":
                    self._accept()
                else:
                    self._read(key.data)
            self._reap()
            if self.accepting and time.monotonic() >= next_check:
                next_check = time.monotonic() + CHECK_EVERY
                self._check()
        self.spare.drop()

    def _reading(self) -> bool:
        return any(isinstance(k.data, _Call) for k in self.sel.get_map().values())

    def _check(self) -> None:
        """Stop accepting when idle, or when the socket path is no longer ours."""
        if not self._still_ours() or (not self.calls and not self._reading()
                                      and time.monotonic() - self.last_work > self.idle):
            self.stop()

    def _still_ours(self) -> bool:
        try:
            return os.stat(self.path).st_ino == self.ino
        except OSError:
            return False

    def stop(self) -> None:
        if not self.accepting:
            return
        self.accepting = False
        self.sel.unregister(self.listener)
        # under the gates' start lock: a successor may be renaming its socket over ours right now
        lock = -1
        try:
            import fcntl

            lock = os.open(self.path[: -len(".sock")] + ".lock", os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(lock, fcntl.LOCK_EX)
        except (OSError, ImportError):
            pass
        try:
            if self._still_ours():  # else it is a successor's: keep it
                os.unlink(self.path)
        except OSError:
            pass
        finally:
            if lock >= 0:
                os.close(lock)
        self.listener.close()

    # -- connections ------------------------------------------------------------------
    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            try:
                if peer_uid(conn) != self.uid:  # the 0700 directory should make this impossible
                    conn.close()
                    continue
            except OSError:
                conn.close()
                continue
            conn.setblocking(False)
            self.last_work = time.monotonic()
            self.sel.register(conn, selectors.EVENT_READ, _Call(conn))

    def _read(self, call: _Call) -> None:
        try:
            data = call.conn.recv(1 << 16)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if call.pid:  # the gate went away (or wrote more) while its module runs: stop the module
            if not data:
                self.sel.unregister(call.conn)
                _kill_group(call.pid)
            return
        if not data:
            self.sel.unregister(call.conn)
            call.conn.close()
            return
        call.buf += data
        if len(call.buf) > MAX_JOB:
            self._answer(call, {"error": "fork server: job larger than %d bytes" % MAX_JOB, "retry": False})
            return
        if b"\n" in call.buf:
            self._start(call, call.buf.split(b"\n", 1)[0])

    def _start(self, call: _Call, job: bytes) -> None:
        """Hand the job to the spare child (forked ahead of time) and tell the gate its pid."""
        if _file_id(self.base_file) != self.base_stat:  # the base zip was removed or re-uploaded
            self._answer(call, {"error": "fork server: base bundle changed", "retry": True})
            self.stop()
            return
        try:
            fields = json.loads(job.decode("utf-8"))
            mdir, fqn = str(fields["mdir"]), str(fields["fqn"])
        except (ValueError, KeyError, TypeError):
            self._answer(call, {"error": "fork server: unreadable job", "retry": False})
            return
        if mdir not in self.bundles:
            self.bundles[mdir] = _file_id(mdir)
            try:
                preimport_parents(mdir, fqn)
                bundle_packages(mdir)  # the packages its children extend with it
                preload_module(mdir, fqn)  # its spec and code object: read once, not in every child
            except Exception:  # the child imports it itself (and reports what is wrong)
                pass
            self.spare.drop()  # forked before: it lacks them
        elif _file_id(mdir) != self.bundles[mdir]:  # re-uploaded: the zip index read here is stale
            self._answer(call, {"error": "fork server: module bundle changed", "retry": True})
            self.stop()
            return
        pid, w = self.spare.take()
        try:
            view = memoryview(job)
            while view:
                view = view[os.write(w, view):]
        except OSError:
            pass  # the spare died: its status says how
        finally:
            os.close(w)
        call.pid = pid
        self.calls[pid] = call
        self._send(call, {"pid": pid})
        self._reap()

    def _answer(self, call: _Call, msg: Dict[str, Any]) -> None:
        self._send(call, msg)
        try:
            self.sel.unregister(call.conn)
        except (KeyError, ValueError):
            pass
        call.conn.close()

    def _send(self, call: _Call, msg: Dict[str, Any]) -> None:
        data = json.dumps(msg).encode("utf-8") + b"\n"
        try:
            call.conn.setblocking(True)  # a few bytes into an empty socket buffer
            call.conn.sendall(data)
            call.conn.setblocking(False)
        except OSError:
            pass

    # -- children ---------------------------------------------------------------------
    def _reap(self) -> None:
        while self.calls:
            try:
                pid, status, usage = os.wait4(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            call = self.calls.pop(pid, None)
            if call is None:
                self.spare.forget(pid)
                continue
            lingering = _reap_group(pid)
            self.last_work = time.monotonic()
            cpu = (usage.ru_utime + usage.ru_stime) * 1000 if usage is not None else None
            self._answer(call, {"status": status, "lingering": lingering, "cpu_ms": cpu})
            self._replenish()  # the next call's fork, done while nobody waits for it

    def _replenish(self) -> None:
        if self.accepting:
            self.spare.replenish()


def _file_id(path: str) -> Any:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except OSError:
        pass


def _drain(fd: int) -> None:
    try:
        while os.read(fd, 512):
            pass
    except (BlockingIOError, InterruptedError, OSError):
        pass


def _refuse_all(listener: socket.socket, text: str) -> None:
    """Warming failed: answer the gates already queued (they fall back to warming themselves)."""
    listener.settimeout(0.2)
    while True:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        try:
            conn.sendall(json.dumps({"error": text, "retry": False, "warm_failed": True}).encode("utf-8") + b"\n")
        except OSError:
            pass
        conn.close()


def main() -> None:
    """``python -S -c ... CODE_DIR CONFIG_JSON``: the listening socket is fd ``config["fd"]``."""
    config = json.loads(sys.argv[2])
    listener = socket.socket(fileno=int(config["fd"]))
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    try:
        warm_interpreter(config["base"], list(config["warm"]))
        server = ForkServer(listener, config["path"], int(config["ino"]), config["base"], float(config["idle"]))
    except BaseException as exc:  # nothing to serve with: tell the gates waiting for us, then go
        try:
            if os.stat(config["path"]).st_ino == int(config["ino"]):
                os.unlink(config["path"])
        except OSError:
            pass
        _refuse_all(listener, "fork server: warming failed: %s: %s" % (type(exc).__name__, exc))
        os._exit(1)
    server.serve()
    os._exit(0)
