"""Framing shared by both ends: 4-byte big-endian length, then one UTF-8 JSON object.

Stdlib only (runs in the gate). Every message is a dict with a ``t`` (type) key;
request-scoped messages carry the controller-chosen integer ``id``.

File data travels in *binary* chunk frames: the length word has its top bit set and
the body is a 5-byte head (request id, flags; flag 1 = last) followed by raw bytes.
Base64 inside JSON cost a third more bytes on the wire plus encode/decode on both
ends; a binary frame is read back as ``{"t": "chunk", "id", "data": bytes, "last"}``.
"""

from __future__ import annotations

import json
import struct
TYPE_CHECKING = False  # typing costs ~6 ms at every gate start: annotations only
if TYPE_CHECKING:
    from typing import Any, BinaryIO, Dict, Optional

HEADER = struct.Struct(">I")
MAX_FRAME = 64 * 1024 * 1024  # a sanity bound: a bigger length means a corrupt stream
CHUNK = 256 * 1024  # file transfer chunk (raw bytes)
BINARY = 0x80000000  # top bit of the length word: a binary chunk frame
BIN_HEAD = struct.Struct(">IB")  # request id, flags (1 = last chunk)


class FrameError(ValueError):
    """The byte stream is not a valid frame sequence."""


def encode(msg: Dict[str, Any]) -> bytes:
    body = json.dumps(msg, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return HEADER.pack(len(body)) + body


def encode_chunk(rid: int, data: bytes, last: bool) -> bytes:
    """A binary chunk frame (header and head only when ``data`` is sent separately)."""
    return HEADER.pack((BIN_HEAD.size + len(data)) | BINARY) + BIN_HEAD.pack(rid, 1 if last else 0) + data


def chunk_header(rid: int, size: int, last: bool) -> bytes:
    """Everything of a binary chunk frame but its ``size`` data bytes (saves a copy)."""
    return HEADER.pack((BIN_HEAD.size + size) | BINARY) + BIN_HEAD.pack(rid, 1 if last else 0)


def decode_binary(body: bytes) -> Dict[str, Any]:
    """The body of a binary frame as a ``chunk`` message with ``bytes`` data."""
    if len(body) < BIN_HEAD.size:
        raise FrameError("binary frame shorter than its head")
    rid, flags = BIN_HEAD.unpack_from(body)
    return {"t": "chunk", "id": rid, "data": body[BIN_HEAD.size:], "last": bool(flags & 1)}


def decode_length(header: bytes) -> int:
    """Body length of a frame (binary flag masked off: see :func:`is_binary`)."""
    (n,) = HEADER.unpack(header)
    n &= ~BINARY
    if n > MAX_FRAME:
        raise FrameError("frame of %d bytes exceeds the %d byte limit" % (n, MAX_FRAME))
    return n


def is_binary(header: bytes) -> bool:
    return bool(header[0] & 0x80)


def decode_body(body: bytes) -> Dict[str, Any]:
    try:
        msg = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise FrameError("frame is not JSON: %s" % exc) from None
    if not isinstance(msg, dict) or "t" not in msg:
        raise FrameError("frame is not a message object")
    return msg


def read_frame(stream: BinaryIO) -> Optional[Dict[str, Any]]:
    """Blocking read of one frame; ``None`` at a clean EOF."""
    header = stream.read(HEADER.size)
    if not header:
        return None
    if len(header) < HEADER.size:
        raise FrameError("truncated frame header")
    n = decode_length(header)
    body = stream.read(n)
    if len(body) < n:
        raise FrameError("truncated frame body")
    if is_binary(header):
        return decode_binary(body)
    return decode_body(body)
