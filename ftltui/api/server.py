"""The owner's API server: an asyncio Unix socket in the state directory.

One :class:`ApiServer` per owner. Each client connection is a :class:`ClientSession`:
the kernel-reported peer uid must be the owner's (``SO_PEERCRED``); the first message
must be a :class:`~ftltui.api.protocol.Hello` of this protocol version; then requests
are dispatched to the owner's :class:`~ftltui.api.operations.OwnerOperations`, each in
its own task so a long stream never blocks the client's other requests.

What a client can and cannot do to the owner:

* garbage, truncated or oversized frames end that client's connection with an error
  message, never the server (the reader has a size bound and a hello deadline);
* a slow reader only fills its own bounded :class:`~ftltui.api.outbox.Outbox`;
* a disconnect stops that client's streams and nothing else: jobs it submitted run on,
  submissions still in flight complete;
* a read-only client (hello flag, or a read-only owner) is refused every write op.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any, Self

from ftltui import __version__
from ftltui.api import protocol as p
from ftltui.api import pause_ops, schedule_ops, view_stream
from ftltui.api.log_stream import stream_log
from ftltui.api.operations import (
    DriftScanRequest,
    OwnerOperations,
    PlaybookRequest,
    RunRequest,
    WorkflowRequest,
    job_id_arg,
)
from ftltui.api.outbox import HARD_LIMIT, LIVE_LIMIT, Outbox
from ftltui.api.socket_path import (
    bind_private,
    file_identity,
    peer_uid,
    socket_path,
    unlink_if_ours,
)
from ftltui.errors import FtlError

log = logging.getLogger("ftltui.api")

HELLO_TIMEOUT = 10.0  # seconds a connection may stay silent before its hello
MAX_BAD_MESSAGES = 16  # well-framed but invalid messages tolerated before the connection is closed
MAX_STREAMS = 32  # open streams per client: each live view costs the owner work per event
MAX_IN_FLIGHT = 64  # one-shot requests per client not answered yet
CAPABILITIES = ("jobs", "streams", "dropped-notices", "logs", "views", schedule_ops.CAPABILITY, pause_ops.CAPABILITY)

READ_OPS = frozenset({"owner.info", "jobs.list", "jobs.show"})
WRITE_OPS = frozenset({"run.submit", "workflow.submit", "playbook.submit", "drift.scan", "jobs.cancel", "jobs.requeue", "jobs.purge"})
STREAM_OPS = frozenset({"jobs.watch", "jobs.logs"}) | view_stream.STREAM_OPS
WRITE_OPS |= view_stream.WRITE_OPS  # an attached console's actions, follow-me submissions (view_stream)
READ_OPS |= schedule_ops.READ_OPS  # schedules kept by the owner (schedule_ops)
WRITE_OPS |= schedule_ops.WRITE_OPS
READ_OPS |= pause_ops.READ_OPS  # a playbook job waiting at a pause (pause_ops, issue 15)
WRITE_OPS |= pause_ops.WRITE_OPS


class ApiServer:
    """``async with ApiServer(state_dir, ops):`` listens until the block ends.

    Start it only while holding the state store's lock (the owner): an existing socket
    is then a dead owner's and is replaced."""

    def __init__(self, state_dir: str | os.PathLike[str], ops: OwnerOperations, *,
                 allowed_uid: int | None = None, readonly: bool = False,
                 live_limit: int = LIVE_LIMIT, hard_limit: int = HARD_LIMIT,
                 hello_timeout: float = HELLO_TIMEOUT) -> None:
        self.path = socket_path(state_dir)
        self.ops = ops
        self.allowed_uid = os.getuid() if allowed_uid is None else allowed_uid
        self.readonly = readonly
        self.live_limit = live_limit
        self.hard_limit = hard_limit
        self.hello_timeout = hello_timeout
        self.sessions: set[ClientSession] = set()
        self.refused = 0  # connections refused for their uid
        self.accepted = 0  # connections admitted (uid checked; hello not yet)
        self._server: asyncio.AbstractServer | None = None
        self._identity: tuple[int, int] | None = None
        self._session_tasks: set[asyncio.Task[Any]] = set()

    async def start(self) -> None:
        sock = bind_private(self.path)
        self._identity = file_identity(self.path)
        self._server = await asyncio.start_unix_server(self._accept, sock=sock, limit=64 * 1024)

    async def close(self) -> None:
        if self._server is None:
            return
        self._server.close()
        for session in list(self.sessions):
            session.abort()
        if self._session_tasks:  # let each session finish its own clean-up, not the loop's shutdown
            await asyncio.wait(self._session_tasks, timeout=5.0)
        if self._identity is not None:
            unlink_if_ours(self.path, self._identity)
        self._server = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            uid = peer_uid(writer.get_extra_info("socket"))
        except OSError:
            uid = -1
        if uid != self.allowed_uid:
            self.refused += 1
            await _refuse(writer, p.E_FORBIDDEN, f"uid {uid} may not use this owner (only uid {self.allowed_uid})")
            return
        self.accepted += 1
        session = ClientSession(self, reader, writer)
        self.sessions.add(session)
        task = asyncio.current_task()
        if task is not None:
            self._session_tasks.add(task)
        try:
            await session.run()
        finally:
            self.sessions.discard(session)
            if task is not None:
                self._session_tasks.discard(task)


async def _refuse(writer: asyncio.StreamWriter, code: str, message: str) -> None:
    try:
        writer.write(p.encode(p.ErrorMessage(None, code, message)))
        await asyncio.wait_for(writer.drain(), 2.0)
    except (TimeoutError, OSError):
        pass
    writer.close()


class ClientSession:
    """One connected client: its reader loop, writer task, outbox and open streams."""

    def __init__(self, server: ApiServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.server = server
        self.ops = server.ops
        self.reader = reader
        self.writer = writer
        self.outbox = Outbox(server.live_limit, server.hard_limit)
        self.readonly = server.readonly
        self.streams: dict[int, asyncio.Task[None]] = {}
        self.in_flight = 0
        self.bad_messages = 0

    def abort(self) -> None:
        self.outbox.close()
        self.writer.transport.abort()

    def send(self, msg: p.Message) -> None:
        if not self.outbox.put(p.encode(msg)):
            self.abort()  # so far behind that essential messages overflow: cut off

    async def run(self) -> None:
        writer_task = asyncio.create_task(self._write_loop())
        try:
            if await self._handshake():
                await self._read_loop()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the client went away: its streams stop below, its jobs go on
        finally:
            for task in self.streams.values():
                task.cancel()
            self.outbox.close()
            try:
                await asyncio.wait_for(writer_task, 5.0)
            except (TimeoutError, ConnectionError):
                writer_task.cancel()
            self.writer.close()

    async def _read(self) -> p.Message:
        header = await self.reader.readexactly(p.HEADER.size)
        body = await self.reader.readexactly(p.body_length(header))
        return p.decode_body(body)

    async def _handshake(self) -> bool:
        try:
            hello = await asyncio.wait_for(self._read(), self.server.hello_timeout)
        except TimeoutError:
            self.send(p.ErrorMessage(None, p.E_HELLO_REQUIRED, f"no hello within {self.server.hello_timeout:g}s"))
            return False
        except p.ProtocolError as exc:
            self.send(p.ErrorMessage(None, exc.code, exc.message))
            return False
        if not isinstance(hello, p.Hello):
            self.send(p.ErrorMessage(None, p.E_HELLO_REQUIRED, f"the first message must be a hello, got "
                                                               f"{p.TYPE_NAMES[type(hello)]}"))
            return False
        if hello.protocol != p.PROTOCOL_VERSION:
            self.send(p.ErrorMessage(None, p.E_PROTOCOL_VERSION,
                                     f"this owner speaks API protocol {p.PROTOCOL_VERSION}, the client "
                                     f"{hello.protocol}: use the same ftl-tui version for both"))
            return False
        self.readonly = self.readonly or hello.readonly
        info = self.ops.info()
        self.send(p.Welcome(p.PROTOCOL_VERSION, f"ftl-tui {__version__}", info.pid, info.state_dir,
                            CAPABILITIES, self.readonly))
        return True

    async def _read_loop(self) -> None:
        while not self.outbox.closed:
            try:
                msg = await self._read()
            except p.ProtocolError as exc:
                self.send(p.ErrorMessage(None, exc.code, exc.message))
                if exc.code != p.E_BAD_MESSAGE:
                    return  # not JSON or too large: the stream cannot be trusted any more
                self.bad_messages += 1
                if self.bad_messages > MAX_BAD_MESSAGES:
                    return
                continue
            if isinstance(msg, p.Request):
                self._start_request(msg)
            elif isinstance(msg, p.Cancel):
                task = self.streams.get(msg.id)
                if task is not None:
                    task.cancel()
            else:
                self.send(p.ErrorMessage(None, p.E_BAD_MESSAGE,
                                         f"a client may send request or cancel here, not {p.TYPE_NAMES[type(msg)]}"))

    async def _write_loop(self) -> None:
        while True:
            frame = await self.outbox.get()
            if frame is None:
                break
            self.writer.write(frame)
            await self.writer.drain()
        try:
            await self.writer.drain()
        except ConnectionError:
            pass

    # -- requests ---------------------------------------------------------------------------
    def _start_request(self, req: p.Request) -> None:
        if req.id in self.streams:
            self.send(p.ErrorMessage(req.id, p.E_BAD_REQUEST, f"request id {req.id} is already in use"))
            return
        if req.op in WRITE_OPS and (self.readonly or self.ops.info().readonly):
            self.send(p.ErrorMessage(req.id, p.E_READONLY, f"{req.op}: this is a read-only session"))
            return
        if (req.op in STREAM_OPS and len(self.streams) >= MAX_STREAMS) or self.in_flight >= MAX_IN_FLIGHT:
            self.send(p.ErrorMessage(req.id, p.E_BUSY, f"{req.op}: too many open requests on this connection "
                                                       f"(at most {MAX_STREAMS} streams, {MAX_IN_FLIGHT} others)"))
            return
        if req.op in STREAM_OPS:
            task = asyncio.create_task(self._guard(req, lambda: self._stream(req)))
            self.streams[req.id] = task
            task.add_done_callback(functools.partial(self._stream_done, req.id))
        elif req.op in READ_OPS or req.op in WRITE_OPS:
            # not kept in ``streams``: a disconnect does not cancel a submission in flight
            self.in_flight += 1
            done = asyncio.create_task(self._guard(req, lambda: self._one_shot(req)))
            done.add_done_callback(self._one_shot_done)
        else:
            known = ", ".join(sorted(READ_OPS | WRITE_OPS | STREAM_OPS))
            self.send(p.ErrorMessage(req.id, p.E_UNKNOWN_OP, f"unknown op {req.op[:60]!r} (known: {known})"))

    def _one_shot_done(self, _task: asyncio.Task[None]) -> None:
        self.in_flight -= 1

    def _stream_done(self, rid: int, _task: asyncio.Task[None]) -> None:
        self.streams.pop(rid, None)

    async def _guard(self, req: p.Request, work: Callable[[], Awaitable[None]]) -> None:
        """Every failure of a request becomes an error message for that request id."""
        try:
            await work()
        except asyncio.CancelledError:
            self.send(p.StreamEnd(req.id, {"cancelled": True}))
        except p.ProtocolError as exc:
            self.send(p.ErrorMessage(req.id, exc.code, exc.message))
        except FtlError as exc:
            self.send(p.ErrorMessage(req.id, p.E_FAILED, str(exc)))
        except Exception as exc:
            log.exception("api request %s failed", req.op)
            self.send(p.ErrorMessage(req.id, p.E_INTERNAL, f"{req.op}: internal error ({type(exc).__name__})"))

    async def _one_shot(self, req: p.Request) -> None:
        ops, a = self.ops, req.args
        result: Any
        if req.op == "owner.info":
            result = ops.info().to_dict()
        elif req.op == "jobs.list":
            states = a.get("states") or []
            if not isinstance(states, list) or not all(isinstance(s, str) for s in states):
                raise p.ProtocolError(p.E_BAD_REQUEST, "argument 'states': expected a list of strings")
            result = ops.list_jobs(states)
        elif req.op == "jobs.show":
            result = ops.show_job(job_id_arg(a))
        elif req.op in ("run.submit", "workflow.submit", "playbook.submit"):
            result = (await self._submit(req.op, a)).to_dict()
        elif req.op == "drift.scan":
            result = (await ops.submit_drift_scan(DriftScanRequest.from_args(a))).to_dict()
        elif req.op == "jobs.cancel":
            result = (await ops.cancel_job(job_id_arg(a))).to_dict()
        elif req.op == "jobs.requeue":
            result = (await ops.requeue_job(job_id_arg(a))).to_dict()
        elif req.op in view_stream.ONE_SHOT_OPS:
            result = await view_stream.one_shot(self, req)
        elif req.op in schedule_ops.OPS:
            result = await schedule_ops.one_shot(ops, req.op, a)
        elif req.op in pause_ops.OPS:
            result = await pause_ops.one_shot(ops, req.op, a)
        else:  # jobs.purge
            older = a.get("older_than", 7 * 86400)
            if isinstance(older, bool) or not isinstance(older, (int, float)) or older < 0:
                raise p.ProtocolError(p.E_BAD_REQUEST, "argument 'older_than': expected seconds, at least 0")
            result = {"archived": await ops.purge_jobs(float(older))}
        self.send(p.Response(req.id, result))

    async def _submit(self, op: str, a: dict[str, Any]) -> Any:
        """A new job; the client's vault passwords (``vault``: its vault options or ansible.cfg)
        are added to the owner's keyring first, once the request is known to be well formed."""
        request: Any = (RunRequest if op == "run.submit" else WorkflowRequest if op == "workflow.submit"
                        else PlaybookRequest).from_args(a)
        await view_stream.take_vault(self.ops, a)
        if op == "run.submit":
            return await self.ops.submit_run(request)
        if op == "workflow.submit":
            return await self.ops.submit_workflow(request)
        return await self.ops.submit_playbook(request)

    async def _stream(self, req: p.Request) -> None:
        if req.op in view_stream.STREAM_OPS:
            await view_stream.stream(self, req)
            return
        job_id = job_id_arg(req.args)
        self.ops.show_job(job_id)  # not_found before anything is streamed
        if req.op == "jobs.watch":
            await self._watch(req.id, job_id)
        else:
            follow = req.args.get("follow", False)
            offset = req.args.get("offset", 0)
            if not isinstance(follow, bool) or isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
                raise p.ProtocolError(p.E_BAD_REQUEST, "jobs.logs: 'follow' is a boolean, 'offset' a byte count >= 0")
            result = await stream_log(self.ops, job_id, self.outbox, self._log_sender(req.id),
                                      follow=follow, offset=offset)
            self.send(p.StreamEnd(req.id, result))

    def _log_sender(self, rid: int) -> Callable[[list[dict[str, Any]]], None]:
        def send(records: list[dict[str, Any]]) -> None:
            self.send(p.StreamEvents(rid, tuple(records)))
        return send

    async def _watch(self, rid: int, job_id: int) -> None:
        def sink(record: dict[str, Any]) -> None:
            try:
                frame = p.encode(p.StreamEvent(rid, record))
            except p.ProtocolError:  # one event over the size bound: reported as dropped
                self.outbox.count_dropped(rid)
                return
            self.outbox.put_live(rid, frame)
        unsubscribe = self.ops.subscribe_job(job_id, sink)
        try:
            end = await self.ops.wait_job(job_id)
        finally:
            unsubscribe()
        self.outbox.flush_dropped(rid)
        self.send(p.StreamEnd(rid, end.to_dict()))
