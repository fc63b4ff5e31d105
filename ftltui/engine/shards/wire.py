"""The pipe between the controller and a shard worker: length-framed pickles.

A frame is a 4-byte big-endian length and a pickle of one tuple ``(op, *fields)``. The
pipe is private to the two processes (the worker's stdin and a dup of its stdout), so
pickle is safe here and carries events, hosts and results unchanged; it is also the only
way secrets reach a worker (never argv, never the environment).
"""

from __future__ import annotations

import asyncio
import os
import pickle
import struct
from typing import Any

HEADER = struct.Struct(">I")
MAX_FRAME = 1 << 30  # a frame larger than this is a broken pipe, not a message


def frame(msg: tuple[Any, ...]) -> bytes:
    body = pickle.dumps(msg, protocol=pickle.HIGHEST_PROTOCOL)
    return HEADER.pack(len(body)) + body


async def read_frame(reader: asyncio.StreamReader) -> tuple[Any, ...] | None:
    """The next message, or ``None`` at the end of the stream (the other side exited)."""
    try:
        head = await reader.readexactly(HEADER.size)
        (size,) = HEADER.unpack(head)
        if size > MAX_FRAME:
            raise ValueError(f"shard pipe: frame of {size} bytes")
        body = await reader.readexactly(size)
    except asyncio.IncompleteReadError:
        return None
    msg = pickle.loads(body)
    return msg if isinstance(msg, tuple) else None


def write_all(fd: int, data: bytes) -> None:
    """Blocking write of every byte (the worker's side: a full pipe is back-pressure)."""
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]
