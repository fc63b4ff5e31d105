"""Framing shared by both ends: 4-byte big-endian length, then one UTF-8 JSON object.

Stdlib only (runs in the gate). Every message is a dict with a ``t`` (type) key;
request-scoped messages carry the controller-chosen integer ``id``.

File data travels in *binary* chunk frames: the length word has its top bit set and
the body is a 5-byte head (request id, flags; flag 1 = last) followed by raw bytes.
Base64 inside JSON cost a third more bytes on the wire plus encode/decode on both
ends; a binary frame is read back as ``{"t": "chunk", "id", "data": bytes, "last"}``.
"""

from __future__ import annotations

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


class _Codec:
    """JSON through CPython's C accelerator (``_json``) directly, without importing ``json``.

    ``import json`` costs a gate more than all its other imports together: it imports
    ``re`` and compiles four patterns at import (with ``enum``, 28 M instructions; the
    whole gate start and a ping are 53 M, ``python3 -S -c pass`` 21 M). The encoder and
    scanner below are the ones ``json.dumps(msg, separators=(",", ":"), ensure_ascii=False)``
    and ``json.loads`` use on CPython, made with the same arguments; their output is
    byte-identical (tests/engine/test_frames_codec.py). Where ``_json`` is missing
    or differs (another Python), and for the message of a decoding error, ``json`` is used.
    """

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int

    def __init__(self) -> None:
        self.dumps = self._json_dumps
        self.loads = self._json_loads
        try:
            import _json

            nan = float("nan")
            consts = {"NaN": nan, "Infinity": float("inf"), "-Infinity": -float("inf")}
            self.parse_constant = consts.__getitem__
            scanner = _json.make_scanner(self)  # type: ignore[arg-type]  # reads these attributes only
            make_encoder, quote, default = _json.make_encoder, _json.encode_basestring, self._default
        except (ImportError, AttributeError, TypeError):
            return

        def dumps(msg: Any) -> str:
            # a fresh circular-reference memo per message, as json.dumps makes
            return "".join(make_encoder({}, default, quote, None, ":", ",", False, False, True)(msg, 0))

        def loads(text: str) -> Any:
            try:
                obj, end = scanner(text, 0)
            except Exception:  # StopIteration, JSONDecodeError: let json say what is wrong
                return self._json_loads(text)
            if end != len(text):
                return self._json_loads(text)  # trailing whitespace is fine, anything else is not
            return obj

        probe = {"t": "x", "v": [1, 2.5, None, True, "\u00e9\n"]}
        try:  # an interpreter whose _json takes other arguments keeps json
            if dumps(probe) != '{"t":"x","v":[1,2.5,null,true,"\u00e9\\n"]}' or loads(dumps(probe)) != probe:
                return
        except Exception:
            return
        self.dumps, self.loads = dumps, loads

    @staticmethod
    def _default(o: Any) -> Any:
        raise TypeError("Object of type %s is not JSON serializable" % type(o).__name__)

    @staticmethod
    def _json_dumps(msg: Any) -> str:
        import json

        return json.dumps(msg, separators=(",", ":"), ensure_ascii=False)

    @staticmethod
    def _json_loads(text: str) -> Any:
        import json

        return json.loads(text)


_codec = _Codec()


def encode(msg: Dict[str, Any]) -> bytes:
    body = _codec.dumps(msg).encode("utf-8")
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
        msg = _codec.loads(body.decode("utf-8"))
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
