"""The client side of the owner's API: connect, hello, requests and streams.

One reader task routes incoming messages by request id: a one-shot request waits on a
future, a stream on a queue. If the owner goes away (killed, stopped), every waiting
call raises :class:`OwnerGone` naming the owner's pid, so a command can say clearly
what happened instead of hanging or printing a traceback.
"""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

from ftltui import __version__
from ftltui.api import protocol as p
from ftltui.api.socket_path import reachable, socket_path
from ftltui.errors import FtlError

CONNECT_TIMEOUT = 5.0


class ApiError(FtlError):
    """The owner answered a request with an error (``code`` from :mod:`ftltui.api.protocol`)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class OwnerGone(FtlError):
    """The connection to the owner ended before the answer came."""


@dataclass
class StreamEnded:
    """What the stream's end message said (set once the ``async for`` finishes)."""

    result: Any = None


class ApiClient:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, welcome: p.Welcome) -> None:
        self.reader = reader
        self.writer = writer
        self.welcome = welcome
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future[Any]] = {}
        self._streams: dict[int, asyncio.Queue[p.Message | None]] = {}
        self._gone: str | None = None
        self._reader_task = asyncio.create_task(self._read_loop())

    @property
    def owner_pid(self) -> int:
        return self.welcome.pid

    @classmethod
    async def connect(cls, state_dir: str | os.PathLike[str], *, readonly: bool = False,
                      protocol: int = p.PROTOCOL_VERSION, timeout: float = CONNECT_TIMEOUT) -> ApiClient:
        """Connect and say hello; ``OSError`` when nobody listens, :class:`ApiError` when refused."""
        path = socket_path(state_dir)
        with reachable(path) as where:
            reader, writer = await asyncio.wait_for(asyncio.open_unix_connection(where, limit=p.MAX_MESSAGE + 64),
                                                    timeout)
        try:
            writer.write(p.encode(p.Hello(protocol, f"ftl-tui {__version__}", ("streams",), readonly)))
            answer = await asyncio.wait_for(_read(reader), timeout)
        except (TimeoutError, asyncio.IncompleteReadError, ConnectionError) as exc:
            writer.close()
            raise OwnerGone(f"the owner of {Path(state_dir)} did not answer the hello ({type(exc).__name__})") from None
        except BaseException:
            writer.close()
            raise
        if isinstance(answer, p.ErrorMessage):
            writer.close()
            raise ApiError(answer.code, answer.message)
        if not isinstance(answer, p.Welcome):
            writer.close()
            raise ApiError(p.E_BAD_MESSAGE, f"the owner answered the hello with {p.TYPE_NAMES[type(answer)]}")
        return cls(reader, writer, answer)

    async def close(self) -> None:
        self._reader_task.cancel()
        self.writer.close()
        try:
            await self.writer.wait_closed()
        except (ConnectionError, OSError):
            pass

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def _gone_error(self) -> OwnerGone:
        return OwnerGone(f"lost the connection to the owner (pid {self.owner_pid}): {self._gone}")

    async def _read_loop(self) -> None:
        try:
            while True:
                msg = await _read(self.reader)
                rid = getattr(msg, "id", None)
                if rid in self._waiting:
                    fut = self._waiting.pop(rid)
                    if not fut.done():
                        fut.set_result(msg)
                elif rid in self._streams:
                    self._streams[rid].put_nowait(msg)
                elif isinstance(msg, p.ErrorMessage):  # about the connection: it ends
                    self._gone = f"{msg.code}: {msg.message}"
                    break
        except asyncio.IncompleteReadError as exc:
            self._gone = "it closed the connection" if not exc.partial else "the connection broke mid-message"
        except (ConnectionError, OSError) as exc:
            self._gone = f"{type(exc).__name__}: {exc}"
        except p.ProtocolError as exc:
            self._gone = f"{exc.code}: {exc.message}"
        finally:
            self._gone = self._gone or "it closed the connection"
            for fut in self._waiting.values():
                if not fut.done():
                    fut.set_exception(self._gone_error())
            self._waiting.clear()
            for queue in self._streams.values():
                queue.put_nowait(None)

    def _send(self, msg: p.Message) -> None:
        if self._gone:
            raise self._gone_error()
        self.writer.write(p.encode(msg))

    async def request(self, op: str, **args: Any) -> Any:
        """A one-shot request's result; :class:`ApiError` when the owner refused it."""
        rid = next(self._ids)
        fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiting[rid] = fut
        self._send(p.Request(rid, op, args))
        msg = await fut
        if isinstance(msg, p.ErrorMessage):
            raise ApiError(msg.code, msg.message)
        return msg.result

    async def stream(self, op: str, end: StreamEnded | None = None, **args: Any) -> AsyncIterator[p.StreamEvent | p.Dropped]:
        """The stream's events and dropped-notices; ``end.result`` holds its end message's result."""
        rid = next(self._ids)
        queue: asyncio.Queue[p.Message | None] = asyncio.Queue()
        self._streams[rid] = queue
        try:
            self._send(p.Request(rid, op, args))
            while True:
                msg = await queue.get()
                if msg is None:
                    raise self._gone_error()
                if isinstance(msg, p.ErrorMessage):
                    raise ApiError(msg.code, msg.message)
                if isinstance(msg, p.StreamEnd):
                    if end is not None:
                        end.result = msg.result
                    return
                if isinstance(msg, p.StreamEvents):  # a batch: handed out one record at a time
                    for event in msg.events:
                        yield p.StreamEvent(msg.id, event)
                elif isinstance(msg, (p.StreamEvent, p.Dropped)):
                    yield msg
        finally:
            self._streams.pop(rid, None)


async def _read(reader: asyncio.StreamReader) -> p.Message:
    header = await reader.readexactly(p.HEADER.size)
    return p.decode_body(await reader.readexactly(p.body_length(header)))
