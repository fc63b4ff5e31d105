"""The controller side of the gate protocol (docs/gate-protocol.md).

One :class:`GateClient` per host connection: it starts the gate with a single exec
(bootstrap + cached zip, or the zip sent once on ``need``), then multiplexes requests
by id over the channel. With ``become`` the gate is started through sudo/su
(:mod:`ftltui.engine.become`): the password, if asked for, is written to the channel's
stdin before the gate's first frame, and a refused escalation fails the start at once. A reader task routes replies; a watchdog pings the gate while
requests are in flight. When the gate dies (EOF) or hangs (no answer), every
in-flight request fails with :class:`GateFailed` (or :class:`Unreachable` when the
whole connection went away) and the client is marked dead, so the next request
starts a fresh gate.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import itertools
import os
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, NoReturn, Protocol, TypedDict

import asyncssh

from ftltui.engine import become as becomes
from ftltui.engine.checksum import file_digest_async
from ftltui.engine.ssh.pool import Connection
from ftltui.errors import ConnectionLost, GateFailed, HostError, Unreachable
from ftltui.gate import PROTO_VERSION
from ftltui.gate.build import bootstrap_command
from ftltui.gate.frames import CHUNK, FrameError, chunk_header, decode_binary, decode_body, decode_length, encode, is_binary
from ftltui.modules._outcap import OutputLimits
from ftltui.state.storage import atomic_stream, fsync_dir

if TYPE_CHECKING:
    from ftltui.engine.local_gate import LocalConnection


class GateStdin(Protocol):
    """The gate's stdin: asyncssh's writer over SSH, asyncio's for a local gate."""

    def write(self, data: bytes) -> None: ...

    async def drain(self) -> None: ...

    def write_eof(self) -> None: ...


class GateOutput(Protocol):
    """The gate's stdout or stderr."""

    async def read(self, n: int = -1) -> bytes: ...

    async def readexactly(self, n: int) -> bytes: ...


class GateProcess(Protocol):
    """The gate process: an asyncssh ``SSHClientProcess`` or the local gate's subprocess."""

    @property
    def stdin(self) -> GateStdin: ...

    @property
    def stdout(self) -> GateOutput: ...

    @property
    def stderr(self) -> GateOutput: ...

    @property
    def exit_status(self) -> int | None: ...

    def close(self) -> None: ...

    async def wait_closed(self) -> None: ...


class NoPython(Exception):
    """The host has no usable Python interpreter (exit 126/127 from the bootstrap)."""


class _Request:
    def __init__(self, on_output: Callable[[str, str], None] | None = None,
                 sink: Callable[[bytes], None] | None = None) -> None:
        self.future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.on_output = on_output
        self.sink = sink


class GateTimeouts(TypedDict):
    """The runner's timeouts for every gate it starts (keyword arguments of :class:`GateClient`)."""

    hello_timeout: float
    ping_interval: float
    hang_timeout: float


class GateClient:
    def __init__(self, host: str, conn: Connection | LocalConnection, python: str, *,
                 hello_timeout: float = 30.0, ping_interval: float = 5.0, hang_timeout: float = 20.0,
                 become: becomes.Become | None = None) -> None:
        self.host = host
        self.become = become
        self._watch: becomes.PromptWatch | None = None
        self._marker = ""
        self._prompted = asyncio.Event()
        self._become_error: becomes.BecomeFailed | None = None
        self.conn = conn
        self.python = python
        self.hello_timeout = hello_timeout
        self.ping_interval = ping_interval
        self.hang_timeout = hang_timeout
        self.hello: dict[str, Any] = {}
        self.dead: HostError | None = None
        self.start_seconds = 0.0
        self._proc: GateProcess | None = None
        self._ids = itertools.count(1)
        self._pending: dict[int, _Request] = {}
        self._watch_timer: asyncio.TimerHandle | None = None  # runs while requests are pending
        self._stderr: deque[bytes] = deque(maxlen=64)
        self._tasks: list[asyncio.Task[Any]] = []
        self._last_heard = 0.0

    @property
    def pid(self) -> int | None:
        return self.hello.get("pid")

    # -- start ----------------------------------------------------------------------
    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        cmd, payload, _digest = bootstrap_command(self.python)
        if self.become is not None:
            self._marker = becomes.new_marker()
            self._watch = becomes.PromptWatch(self.become, self._marker)
            cmd = becomes.wrap(cmd, self.become, self._marker)
        elif isinstance(self.conn.conn, asyncssh.SSHClientConnection):  # not the local gate's argv
            # sshd runs the command with the login shell, and dash does not exec a -c line's
            # last command: without exec a shell waits beside every gate for the connection's
            # life (1,000 processes at 1,000 hosts) and the start costs a fork more
            cmd = "exec " + cmd
        try:
            # a stalled connection (link cut, keepalive not yet expired) never answers a
            # channel open: bound it, and drop the connection so the next task reconnects
            # asyncio.timeout, not wait_for: wait_for wraps the awaitable in a task of its own
            # (3.11), one more task, timer and loop turn per gate start (three per host with the
            # hello and the connect: bench/RESULTS-scale-engine.md, session 9)
            async with asyncio.timeout(self.hello_timeout):
                proc: GateProcess = await self.conn.conn.create_process(cmd, encoding=None)
        except asyncio.TimeoutError:
            self.conn.conn.close()
            raise Unreachable(self.host, f"{self.host}: no answer to a session request within "
                                         f"{self.hello_timeout:g}s; connection dropped") from None
        except (asyncssh.Error, OSError) as exc:
            raise Unreachable(self.host, f"{self.host}: cannot open a session channel: {exc}") from None
        self._proc = proc
        self._tasks.append(loop.create_task(self._drain_stderr()))
        try:
            async with asyncio.timeout(self.hello_timeout):
                first = await self._first_frame()
            if first is not None and first.get("t") == "need":
                proc.stdin.write(payload)
                await proc.stdin.drain()
                async with asyncio.timeout(self.hello_timeout):
                    first = await self._read()
        except asyncio.TimeoutError:
            proc.close()
            how = ""
            if self.become is not None:  # say what the escalation last printed (a prompt we do not know?)
                said = b"".join(self._stderr).decode(errors="replace").replace(self._marker, "").strip()
                how = f" (through {self.become.method} as {self.become.user}" + \
                      (f"; it last said {said.splitlines()[-1][-120:]!r})" if said else ")")
            raise GateFailed(self.host, f"gate on {self.host}{how} did not say hello within "
                                        f"{self.hello_timeout:g}s") from None
        except (FrameError, asyncssh.Error, OSError) as exc:
            proc.close()
            raise GateFailed(self.host, f"gate on {self.host} could not start: {exc}") from None
        except asyncio.CancelledError:  # the run was cancelled mid-start (e.g. at a sudo prompt)
            proc.close()
            raise
        if self._become_error is not None:
            proc.close()
            raise self._become_error
        if first is None:
            await self._raise_start_failure()
        if first.get("t") != "hello" or first.get("proto") != PROTO_VERSION:
            proc.close()
            raise GateFailed(self.host, f"gate on {self.host} spoke an unknown protocol: {str(first)[:200]}")
        self.hello = first
        self._watch = None  # the gate has spoken: later stderr is its own, not a prompt
        self.start_seconds = loop.time() - t0
        self._last_heard = loop.time()
        self._tasks.append(loop.create_task(self._reader()))

    async def _first_frame(self) -> dict[str, Any] | None:
        """The gate's first frame; through sudo/su, answer the password prompt first.

        Reading the frame header and watching stderr for a prompt run side by side: the
        frame wins when no password is asked for (NOPASSWD), a prompt is answered once,
        and a second prompt (the password was refused) or a prompt with no password to
        give ends the start at once, with the reason in ``_become_error``.
        """
        if self.become is None:
            return await self._read()
        assert self._proc is not None
        loop = asyncio.get_running_loop()
        read = loop.create_task(self._read())
        try:
            while True:
                prompt = loop.create_task(self._prompted.wait())
                done, _ = await asyncio.wait({read, prompt}, return_when=asyncio.FIRST_COMPLETED)
                if read in done:
                    prompt.cancel()
                    return read.result()
                self._prompted.clear()
                if self.become.password is None or self._watch is None or self._watch.prompts > 1:
                    self._become_error = self._become_failure(refused=self.become.password is not None,
                                                              missing=self.become.password is None)
                    return None
                self._proc.stdin.write((self.become.password + "\n").encode())
        finally:
            if not read.done():
                read.cancel()

    def _become_failure(self, *, refused: bool = False, missing: bool = False,
                        status: int | None = None) -> becomes.BecomeFailed:
        assert self.become is not None
        err = b"".join(self._stderr).decode(errors="replace")
        if self._marker:
            err = err.replace(self._marker, "")
        return becomes.explain(self.host, self.become, err, login=self.conn.target.user, refused=refused,
                               missing=missing, status=status)

    async def _raise_start_failure(self) -> NoReturn:
        assert self._proc is not None
        try:
            await asyncio.wait_for(self._proc.wait_closed(), 2)
        except asyncio.TimeoutError:
            pass
        await asyncio.sleep(0)
        status = self._proc.exit_status
        if self.become is not None and not self.conn.closed:
            raise self._become_failure(status=status)
        err = b"".join(self._stderr).decode(errors="replace").strip().splitlines()
        tail = err[-1] if err else ""
        if status in (126, 127):
            raise NoPython(f"{self.python!s}: {tail or 'not found'}")
        if self.conn.closed:
            raise Unreachable(self.host, f"{self.host}: connection lost while starting the gate")
        raise GateFailed(self.host, f"gate on {self.host} exited at start (status {status}): {tail[:300]}")

    async def _drain_stderr(self) -> None:
        assert self._proc is not None
        try:
            while True:
                data = await self._proc.stderr.read(4096)
                if not data:
                    return
                self._stderr.append(data)
                watch = self._watch
                if watch is not None and watch.feed(data.decode(errors="replace")):
                    self._prompted.set()
        except (asyncssh.Error, OSError):
            return

    async def _read(self) -> dict[str, Any] | None:
        assert self._proc is not None
        try:
            header = await self._proc.stdout.readexactly(4)
            body = await self._proc.stdout.readexactly(decode_length(header))
        except asyncio.IncompleteReadError:
            return None
        if is_binary(header):
            return decode_binary(body)
        return decode_body(body)

    # -- reply routing -------------------------------------------------------------------
    async def _reader(self) -> None:
        loop = asyncio.get_running_loop()
        why = "closed its channel"
        try:
            while True:
                msg = await self._read()
                if msg is None:
                    break
                self._last_heard = loop.time()
                try:
                    self._route(msg)
                except (TypeError, ValueError, KeyError, AttributeError) as exc:
                    # a well-framed but nonsensical message (bad id, base64, result type)
                    raise FrameError(f"malformed {str(msg.get('t'))[:20]!r} message: {exc}") from None
        except FrameError as exc:
            why = f"sent a corrupt frame ({exc})"
        except (asyncssh.Error, OSError) as exc:
            why = f"channel failed ({exc})"
        except asyncio.CancelledError:
            return
        await self._die(why)

    def _route(self, msg: dict[str, Any]) -> None:
        t = msg.get("t")
        rid = msg.get("id")
        if rid is not None and (not isinstance(rid, int) or isinstance(rid, bool)):
            # a gate's ids are ours (ints): anything else is a broken gate, failed now (the
            # reader reports a malformed message), not a reply ignored until the host times out
            raise TypeError(f"id is a {type(rid).__name__}, expected an integer")
        req = self._pending.get(rid) if rid is not None else None
        if t == "bye":
            return
        if req is None:
            if t == "error":  # a gate-level error not tied to a request
                asyncio.get_running_loop().create_task(self._die(str(msg.get("msg"))))
            return
        if t == "out" and req.on_output is not None:
            text = str(msg.get("text", ""))
            for line in text.splitlines() or [""]:
                req.on_output(str(msg.get("stream", "stdout")), line)
        elif t == "chunk" and req.sink is not None:
            data = msg.get("data") or b""
            req.sink(data if isinstance(data, bytes) else base64.b64decode(data))
        elif t == "result":
            result = msg.get("result") or {}
            if not isinstance(result, dict):
                raise TypeError(f"result is a {type(result).__name__}, expected an object")
            self._pending.pop(msg["id"], None)
            if not req.future.done():
                req.future.set_result(result)
        elif t == "error":
            self._pending.pop(msg["id"], None)
            if not req.future.done():
                req.future.set_exception(GateFailed(self.host, f"{self.host}: {msg.get('msg')}"))
        elif t == "pong":
            self._pending.pop(msg["id"], None)
            if not req.future.done():
                req.future.set_result({})

    def _busy(self) -> None:
        """A request was sent: make sure the watchdog's timer runs.

        The watchdog is a timer, not a task: while idle (nothing pending) there is no timer at
        all (1,000 idle gates woke 200 times a second when they had one), and a task per gate
        cost a task, an event and three more loop turns per host for a watchdog that, on a
        quick run, never fires (bench/RESULTS-scale-engine.md, session 9)."""
        if self._watch_timer is None and self.dead is None:
            loop = asyncio.get_running_loop()
            self._last_heard = loop.time()  # silence counts from when work resumed, not from idle
            self._watch_timer = loop.call_later(self.ping_interval, self._watchdog)

    def _watchdog(self) -> None:
        """Every ``ping_interval`` while requests are pending: fail a gate that has been silent
        for ``hang_timeout``, else ping it (its answer is what keeps it alive)."""
        self._watch_timer = None
        if self.dead is not None or not self._pending:
            return  # idle: the next request starts the timer again
        loop = asyncio.get_running_loop()
        if loop.time() - self._last_heard > self.hang_timeout:
            self._tasks.append(loop.create_task(self._die(f"stopped answering (nothing for {self.hang_timeout:g}s)")))
            return
        try:
            self._send({"t": "ping", "id": next(self._ids)})
        except HostError:
            return  # the channel is gone: the reader reports it
        self._watch_timer = loop.call_later(self.ping_interval, self._watchdog)

    def _stop_watchdog(self) -> None:
        if self._watch_timer is not None:
            self._watch_timer.cancel()
            self._watch_timer = None

    async def _die(self, why: str) -> None:
        if self.dead is not None:
            return
        lost = self.conn.closed
        if not lost:
            try:  # the session channel closes a moment before the connection does
                await asyncio.wait_for(asyncio.shield(self.conn.conn.wait_closed()), 0.3)
                lost = True
            except asyncio.TimeoutError:
                lost = self.conn.closed
        err = b"".join(self._stderr).decode(errors="replace").strip().splitlines()
        detail = f"; last stderr: {err[-1][:200]}" if err else ""
        if lost:
            self.dead = self._lost()
        else:
            self.dead = GateFailed(self.host, f"gate on {self.host} {why}; in-flight tasks failed, "
                                              f"the next task starts a fresh gate{detail}")
        for req in list(self._pending.values()):
            if not req.future.done():  # these were running: their modules may have run
                req.future.set_exception(_in_flight(self.dead))
        self._pending.clear()
        self._stop_watchdog()
        for t in self._tasks:
            if t is not asyncio.current_task():
                t.cancel()
        if self._proc is not None:
            self._proc.close()

    def _lost(self) -> Unreachable:
        """The connection went away: name the jump host it was lost at, if it was one."""
        hop = None
        parent = self.conn.parent
        while parent is not None:  # the hop nearest the controller that is gone is the cause
            if parent.closed:
                hop = parent.target.name
            parent = parent.parent
        if hop is None:
            return Unreachable(self.host, f"{self.host}: connection lost while the gate was running")
        return Unreachable(self.host, f"{self.host}: connection lost at jump host {hop} while the gate "
                                      f"was running", hop=hop)

    # -- requests -------------------------------------------------------------------------
    def _send(self, msg: dict[str, Any]) -> None:
        self._write(encode(msg))

    def _write(self, *parts: bytes | memoryview) -> None:
        if self._proc is None or self.dead is not None:
            raise self.dead or GateFailed(self.host, f"gate on {self.host} is not running")
        try:
            for part in parts:
                self._proc.stdin.write(part)  # type: ignore[arg-type]  # asyncssh copies any bytes-like
        except (asyncssh.Error, OSError, BrokenPipeError) as exc:
            raise GateFailed(self.host, f"gate on {self.host}: cannot send ({exc})") from None

    async def _request(self, msg: dict[str, Any], req: _Request) -> dict[str, Any]:
        rid = next(self._ids)
        msg["id"] = rid
        self._pending[rid] = req
        self._busy()
        try:
            self._send(msg)
            return await req.future
        except asyncio.CancelledError:
            if self._pending.pop(rid, None) is not None and self.dead is None:
                try:
                    self._send({"t": "cancel", "id": rid})
                except HostError:
                    pass
            raise
        finally:
            self._pending.pop(rid, None)

    async def run(self, module: str, params: dict[str, Any], *, check: bool, secret_args: list[str],
                  on_output: Callable[[str, str], None],
                  environment: dict[str, str] | None = None) -> dict[str, Any]:
        """Run a native module; ``environment`` (the task's) rides in the request frame, for
        the processes of this request only."""
        msg: dict[str, Any] = {"t": "run", "module": module, "params": params, "check": check,
                               "secret_args": secret_args, "limits": OutputLimits.from_env().to_wire()}
        if environment:
            msg["environment"] = environment
        return await self._request(msg, _Request(on_output=on_output))

    async def request(self, msg: dict[str, Any]) -> dict[str, Any]:
        """Send one request (a new id is set) and return its result; for the Ansible messages
        (``bundles``, ``arun``: ftltui/ansible_modules/run.py). Cancelling sends ``cancel``."""
        return await self._request(dict(msg), _Request())

    async def put_bytes(self, name: str, data: bytes) -> dict[str, Any]:
        """Upload in-memory bytes (a module bundle) into the gate's temp dir; returns {path, size, sha256}."""
        req = _Request()
        rid = next(self._ids)
        self._pending[rid] = req
        self._busy()
        try:
            self._send({"t": "put", "id": rid, "size": len(data), "sha256": hashlib.sha256(data).hexdigest(),
                        "name": name})
            binary = bool(self.hello.get("bin"))
            for start in range(0, len(data), CHUNK):
                piece = data[start:start + CHUNK]
                last = start + CHUNK >= len(data)
                await self._chunk(rid, piece, last, binary)
            return await req.future
        finally:
            self._pending.pop(rid, None)

    async def _chunk(self, rid: int, data: bytes, last: bool, binary: bool) -> None:
        """One piece of an upload: a binary chunk frame, or base64 JSON for an old gate."""
        if binary:
            self._write(chunk_header(rid, len(data), last) + data)  # one SSH packet run, not a 9-byte one first
        else:
            self._send({"t": "chunk", "id": rid, "data": base64.b64encode(data).decode("ascii"), "last": last})
        assert self._proc is not None
        await self._proc.stdin.drain()

    async def put(self, local_path: str) -> dict[str, Any]:
        """Upload a controller file into the gate's temp dir; returns {path, size, sha1}.

        The SHA-1 (Ansible's ``checksum``, computed once per file version for all hosts)
        is also what the gate checks the bytes against as they arrive: one hash per end."""
        size, digest = await file_digest_async(local_path, "sha1")
        binary = bool(self.hello.get("bin"))  # binary chunk frames (every gate of this code)
        req = _Request()
        rid = next(self._ids)
        self._pending[rid] = req
        self._busy()
        try:
            self._send({"t": "put", "id": rid, "size": size, "sha1": digest,
                        "name": os.path.basename(local_path)})
            sent = 0
            with open(local_path, "rb") as f:
                if binary:
                    await self._put_frames(f, rid, size, req)
                while sent < size and not req.future.done() and not binary:
                    data = f.read(CHUNK)
                    if not data:  # the file shrank since it was hashed: the gate reports the mismatch
                        data = b""
                    sent = sent + len(data) if data else size
                    last = sent >= size
                    await self._chunk(rid, data, last, binary)
            return await req.future
        finally:
            self._pending.pop(rid, None)

    async def _put_frames(self, f: io.BufferedReader, rid: int, size: int, req: _Request) -> None:
        """The file as binary chunk frames, each read into one reused buffer behind its header
        and written once: no per-chunk allocation, and a frame of exactly CHUNK bytes, a whole
        number of SSH channel packets (32 KiB on OpenSSH), where header and 256 KiB of data
        were sent as a 9-byte packet and 8 full ones (a ninth of an upload's packets). asyncssh
        copies what it is given, so the buffer is reused at once."""
        head = len(chunk_header(rid, 0, False))
        frame = memoryview(bytearray(CHUNK))
        body = frame[head:]
        sent = 0
        assert self._proc is not None
        while sent < size and not req.future.done():
            n = f.readinto(body)
            sent = sent + n if n else size  # the file shrank since it was hashed: the gate reports it
            frame[:head] = chunk_header(rid, n, sent >= size)
            self._write(frame[:head + n])
            await self._proc.stdin.drain()

    async def get(self, remote_path: str, local_path: str) -> dict[str, Any]:
        """Download a host file, verified against the SHA-1 the gate computed while sending it
        (Ansible's ``checksum``: one hash per end). Returns {checksum, size}."""
        dest = Path(os.path.abspath(local_path))
        dest.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha1()
        # the controller's streaming atomic write: a unique temporary file beside dest, removed
        # on a failed transfer or a mismatch; mode as open() gives (Ansible's fetch)
        # durable=False: its fsyncs would run on the event loop; both are made here, in a thread
        with atomic_stream(dest, mode=None, durable=False) as f:
            def sink(data: bytes) -> None:
                digest.update(data)
                f.write(data)

            result = await self._request({"t": "get", "path": remote_path}, _Request(sink=sink))
            if result.get("checksum") != digest.hexdigest():
                raise GateFailed(self.host, f"{self.host}: {remote_path} changed or was corrupted in transfer (sha1 mismatch)")
            f.flush()
            await asyncio.to_thread(os.fsync, f.fileno())  # before the rename: whole or absent after a crash
        await asyncio.to_thread(fsync_dir, dest.parent)  # the rename itself
        return {"checksum": result.get("checksum"), "size": result.get("size")}

    async def close(self) -> None:
        if self._proc is not None and self.dead is None:
            try:
                self._send({"t": "shutdown"})
                self._proc.stdin.write_eof()
            except (HostError, asyncssh.Error, OSError):
                pass
        self.dead = self.dead or GateFailed(self.host, f"gate on {self.host} was shut down")
        self._stop_watchdog()
        for t in self._tasks:
            t.cancel()
        if self._proc is not None:
            self._proc.close()


def _in_flight(err: HostError) -> HostError:
    """A lost connection fails a request that was running as :class:`ConnectionLost`
    (the module may have run: a retry must not assume otherwise); one not yet sent
    stays plain :class:`Unreachable`."""
    if type(err) is Unreachable:
        return ConnectionLost(err.host, err.message, hop=err.hop)
    return err
