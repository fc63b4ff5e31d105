"""The gate's main loop: read request frames, run each request in a thread, stream replies.

Runs on the managed host (stdlib only, Python >= 3.8). The real stdout/stdin file
descriptors are kept for the protocol and fd 0/1 are pointed at /dev/null and stderr,
so nothing a module or its subprocesses print can corrupt the frame stream.
Everything the gate sends for a request is redacted by value for that request's
secret arguments, so even a crash message cannot echo a password.
"""

from __future__ import annotations

import os
import sys
import _thread
TYPE_CHECKING = False  # typing costs ~6 ms at every gate start: annotations only
if TYPE_CHECKING:
    from typing import Any, BinaryIO, Dict, List, Optional, Set, Tuple

from ftltui.gate import PROTO_VERSION
from ftltui.gate.frames import CHUNK, FrameError, chunk_header, encode, read_frame

MASK = "********"
# on controller EOF: how long in-flight modules get to stop their process groups (the
# modules' SIGTERM grace is 2 s) before the gate exits; without it they were orphaned
STOP_WAIT_SECONDS = 3.0


def redact(value: Any, secrets: List[str]) -> Any:
    """Replace every secret value inside strings, dict keys and lists (longest first)."""
    if not secrets:
        return value
    if isinstance(value, str):
        for s in secrets:
            value = value.replace(s, MASK)
        return value
    if isinstance(value, dict):
        return {redact(k, secrets): redact(v, secrets) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact(v, secrets) for v in value]
    return value


def secret_values(module: str, params: Dict[str, Any], extra: List[str]) -> List[str]:
    names = set(extra or [])
    try:
        from ftltui import modules

        names.update(modules.spec(module).secret_args())
    except Exception:  # unknown module: the request fails anyway; redact what we were told
        pass
    vals = set()  # type: Set[str]
    for n in names:
        v = params.get(n)
        if isinstance(v, (list, tuple)):
            vals.update(str(x) for x in v if x not in (None, ""))
        elif v not in (None, ""):
            vals.add(str(v))
    return sorted(vals, key=len, reverse=True)


def _remove_tree(top: str) -> None:
    """``shutil.rmtree(top, ignore_errors=True)`` without importing shutil (~3 ms, with bz2/lzma)."""
    for root, dirs, files in os.walk(top, topdown=False):
        for name in files:
            try:
                os.unlink(os.path.join(root, name))
            except OSError:
                pass
        for name in dirs:
            path = os.path.join(root, name)
            try:
                if os.path.islink(path):
                    os.unlink(path)
                else:
                    os.rmdir(path)
            except OSError:
                pass
    try:
        os.rmdir(top)
    except OSError:
        pass


class _Upload:
    """One upload in progress: hashed as it arrives with the algorithm the controller
    named (``sha1`` for files, Ansible's checksum, which ``copy`` then trusts instead of
    hashing the file again; ``sha256`` for module bundles)."""

    def __init__(self, path: str, size: int, algorithm: str, expected: str) -> None:
        self.path = path
        self.size = size
        self.algorithm = algorithm
        self.expected = expected
        self.file = open(path, "wb")
        import hashlib  # lazily: ~3 ms at every gate start, and only transfers hash

        self.digest = hashlib.sha1() if algorithm == "sha1" else hashlib.sha256()
        self.received = 0


class _Flag:
    """A request's cancel flag: ``threading.Event``'s ``set``/``is_set``, which is all a module
    asks of it (``ModuleContext.cancelled``), without importing ``threading``."""

    __slots__ = ("_set",)

    def __init__(self) -> None:
        self._set = False

    def set(self) -> None:
        self._set = True

    def is_set(self) -> bool:
        return self._set


class _Worker:
    """A daemon thread (``_thread``) that can be joined with a timeout, like ``threading.Thread``.

    ``import threading`` (with ``functools`` and ``collections``) was 10.8 M of the 41 M
    instructions a gate spent to start, run ``ping`` and ``command`` and exit on the hosts'
    Python 3.11: a quarter of each gate. ``_thread`` is built in. Like a daemon thread, one
    still running when the gate exits is not waited for (the gate ends with ``os._exit``)."""

    def __init__(self, target: Any, args: Tuple[Any, ...]) -> None:
        self._done = _thread.allocate_lock()
        self._done.acquire()
        _thread.start_new_thread(self._run, (target, args))

    def _run(self, target: Any, args: Tuple[Any, ...]) -> None:
        try:
            target(*args)
        finally:
            self._done.release()

    def is_alive(self) -> bool:
        return self._done.locked()

    def join(self, timeout: Optional[float] = None) -> None:
        if self._done.acquire(True, -1 if timeout is None else timeout):
            self._done.release()


class Gate:
    def __init__(self, rfile: BinaryIO, wfile: BinaryIO, gate_hash: str) -> None:
        self.rfile = rfile
        self.wfile = wfile
        self.gate_hash = gate_hash
        self.wlock = _thread.allocate_lock()
        # by request id, as the controller sent it (an int; None if a frame lacked one); the
        # Ansible path (ansible_exec.py) adds threading's Event and Thread: the same methods
        self.cancels: Dict[Optional[int], Any] = {}
        self.uploads: Dict[Optional[int], _Upload] = {}
        self.workers: List[Any] = []
        # cheaper than tempfile (whose import pulls in random & co.) at every gate start
        base = os.environ.get("TMPDIR") or "/tmp"
        self.tmpdir = os.path.join(base, "ftl-gate-%d-%s" % (os.getpid(), os.urandom(4).hex()))
        os.mkdir(self.tmpdir, 0o700)

    def send(self, msg: Dict[str, Any]) -> None:
        self.send_raw(encode(msg))

    def send_raw(self, *parts: bytes) -> None:
        with self.wlock:
            try:
                for part in parts:
                    self.wfile.write(part)
                self.wfile.flush()
            except (BrokenPipeError, OSError, ValueError):
                pass  # controller went away; the read loop sees EOF and exits

    # -- requests -------------------------------------------------------------------
    def serve(self) -> None:
        self.send({"t": "hello", "proto": PROTO_VERSION, "gate": self.gate_hash, "pid": os.getpid(),
                   "python": "%d.%d.%d" % sys.version_info[:3], "tmpdir": self.tmpdir, "bin": 1})
        try:
            while True:
                try:
                    msg = read_frame(self.rfile)
                except FrameError as exc:
                    self.send({"t": "error", "id": None, "msg": "gate: bad frame from controller: %s" % exc})
                    break
                if msg is None or msg.get("t") == "shutdown":
                    break
                self.dispatch(msg)
        finally:
            for ev in list(self.cancels.values()):
                ev.set()
            self.wait_workers(STOP_WAIT_SECONDS)
            for up in self.uploads.values():
                up.file.close()
            _remove_tree(self.tmpdir)
            self.send({"t": "bye"})

    def wait_workers(self, seconds: float) -> None:
        """Give cancelled modules ``seconds`` (in all) to stop their processes."""
        import time

        deadline = time.monotonic() + seconds
        for w in self.workers:
            w.join(max(0.0, deadline - time.monotonic()))

    def dispatch(self, msg: Dict[str, Any]) -> None:
        t, rid = msg.get("t"), msg.get("id")
        if t == "run":
            ev = _Flag()
            self.cancels[rid] = ev
            self.workers = [w for w in self.workers if w.is_alive()]
            self.workers.append(_Worker(self.run_module, (msg, ev)))
        elif t == "cancel":
            running = self.cancels.get(rid)
            if running is not None:
                running.set()
        elif t == "ping":
            self.send({"t": "pong", "id": rid})
        elif t == "put":
            self.put_begin(msg)
        elif t == "chunk":
            self.put_chunk(msg)
        elif t == "get":
            _Worker(self.get_file, (msg,))
        elif t in ("bundles", "arun"):  # Ansible modules: ftltui/gate/ansible_exec.py
            from ftltui.gate import ansible_exec

            ansible_exec.dispatch(self, msg)
        else:
            self.send({"t": "error", "id": rid, "msg": "gate: unknown message type %r" % (t,)})

    def run_module(self, msg: Dict[str, Any], cancel: _Flag) -> None:
        rid = msg["id"]
        module = str(msg.get("module"))
        params = msg.get("params") or {}
        secrets: List[str] = []
        try:
            secrets = secret_values(module, params, msg.get("secret_args") or [])
            from ftltui import modules
            from ftltui.modules.base import ModuleContext

            if modules.canonical(module) not in modules.BUILTIN:
                self.send({"t": "error", "id": rid, "msg": "gate: unknown module %r" % module})
                return

            def emit(stream: str, text: str) -> None:
                self.send({"t": "out", "id": rid, "stream": stream, "text": redact(text, secrets)})

            from ftltui.modules._outcap import OutputLimits

            # the task's environment: this request's module processes only, never os.environ
            ctx = ModuleContext(check=bool(msg.get("check")), emit=emit, cancel_event=cancel,
                                tmpdir=self.tmpdir, limits=OutputLimits.from_wire(msg.get("limits")),
                                environment=msg.get("environment"))
            result = modules.execute(module, params, ctx)
            self.send({"t": "result", "id": rid, "result": redact(result, secrets)})
        except BaseException as exc:  # the gate must answer every request
            import traceback

            text = "gate: %s while running %s: %s" % (type(exc).__name__, module, exc)
            self.send({"t": "error", "id": rid, "msg": redact(text, secrets),
                       "traceback": redact(traceback.format_exc(limit=6), secrets)})
        finally:
            self.cancels.pop(rid, None)

    # -- file transfer ----------------------------------------------------------------
    def put_begin(self, msg: Dict[str, Any]) -> None:
        rid = msg["id"]
        name = os.path.basename(str(msg.get("name") or "file")) or "file"
        path = os.path.join(self.tmpdir, "%s-%s" % (rid, name))
        algorithm = "sha1" if msg.get("sha1") else "sha256"
        try:
            self.uploads[rid] = _Upload(path, int(msg["size"]), algorithm, str(msg[algorithm]))
        except (OSError, KeyError, ValueError) as exc:
            self.send({"t": "error", "id": rid, "msg": "gate: cannot create %s: %s" % (path, exc)})
            return
        if self.uploads[rid].size == 0:
            self.put_chunk({"id": rid, "data": b"", "last": True})

    def put_chunk(self, msg: Dict[str, Any]) -> None:
        rid = msg.get("id")
        up = self.uploads.get(rid)
        if up is None:
            return  # an upload that already failed: drop its remaining chunks
        try:
            data = msg.get("data") or b""
            if not isinstance(data, bytes):  # a JSON chunk frame: base64 text
                import base64

                data = base64.b64decode(data)
            up.file.write(data)
            up.digest.update(data)
            up.received += len(data)
        except (OSError, ValueError) as exc:
            self.uploads.pop(rid, None)
            up.file.close()
            self.send({"t": "error", "id": rid, "msg": "gate: writing %s failed: %s" % (up.path, exc)})
            return
        if not msg.get("last"):
            return
        self.uploads.pop(rid, None)
        up.file.close()
        got = up.digest.hexdigest()
        if got != up.expected or up.received != up.size:
            os.unlink(up.path)
            self.send({"t": "error", "id": rid, "msg": "gate: upload checksum mismatch (%d of %d bytes, %s %s)"
                       % (up.received, up.size, up.algorithm, got)})
            return
        if up.algorithm == "sha1":
            from ftltui.modules._files import note_upload

            note_upload(up.path, got)
        self.send({"t": "result", "id": rid, "result": {"path": up.path, "size": up.size, up.algorithm: got}})

    def get_file(self, msg: Dict[str, Any]) -> None:
        rid = msg["id"]
        path = str(msg.get("path"))
        import hashlib

        sha1, size = hashlib.sha1(), 0  # one hash: Ansible's checksum, also the transfer check
        try:
            with open(path, "rb") as f:
                while True:
                    data = f.read(CHUNK)
                    if not data:
                        break
                    sha1.update(data)
                    size += len(data)
                    self.send_raw(chunk_header(rid, len(data), False), data)
        except OSError as exc:
            self.send({"t": "error", "id": rid, "msg": "cannot read %s: %s" % (path, exc.strerror or exc)})
            return
        self.send({"t": "result", "id": rid,
                   "result": {"size": size, "checksum": sha1.hexdigest()}})


PIPE_SIZE = 1 << 20  # Linux's default /proc/sys/fs/pipe-max-size: what any user may ask for
_F_SETPIPE_SZ = 1031  # fcntl.F_SETPIPE_SZ (Linux; the constant is in fcntl only from Python 3.10)


def _widen_pipe(fd: int) -> None:
    """Let sshd put up to 1 MiB into our stdin pipe at once, not the default 64 KiB.

    An upload arrives through sshd, which writes what it has decrypted into this pipe; with
    64 KiB the gate's 256 KiB chunk frame takes four or more reads, each a wake-up of both
    processes. Not a pipe (a socket, a file), another OS, or a limit set lower: no change."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import fcntl

        fcntl.fcntl(fd, _F_SETPIPE_SZ, PIPE_SIZE)
    except (ImportError, OSError):
        pass


def main(gate_hash: str = "dev") -> None:
    """Entry point used by the bootstrap: keep fds 0/1 for frames, protect them from modules."""
    rfd, wfd = os.dup(0), os.dup(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    _widen_pipe(rfd)
    rfile = os.fdopen(rfd, "rb", buffering=CHUNK)
    wfile = os.fdopen(wfd, "wb", buffering=CHUNK)
    Gate(rfile, wfile, gate_hash).serve()
    sys.stderr.flush()
    os._exit(0)  # do not wait for module threads still finishing after shutdown
