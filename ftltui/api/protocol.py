"""The owner's local API on the wire: versioned, length-framed JSON messages (docs/api.md).

A frame is a 4-byte big-endian length and one UTF-8 JSON object of at most
:data:`MAX_MESSAGE` bytes. Every object has a ``type``; the types are the dataclasses
below. Parsing is strict (a wrong field type is a :class:`ProtocolError` with a code,
never a ``KeyError`` deep inside the server) because the bytes come from another
process: the server must answer garbage with an error and keep serving the others.

The first message each way is fixed: the client sends :class:`Hello` (protocol version,
capabilities, read-only flag), the server answers :class:`Welcome`, or an
:class:`ErrorMessage` with code ``protocol_version`` and closes.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field
from typing import Any

PROTOCOL_VERSION = 1
MAX_MESSAGE = 1024 * 1024  # bytes of one JSON body; bigger is a broken or hostile peer
HEADER = struct.Struct(">I")
SOCKET_NAME = "api.sock"

# error codes (stable: clients key on them)
E_PROTOCOL_VERSION = "protocol_version"
E_BAD_FRAME = "bad_frame"
E_TOO_LARGE = "too_large"
E_BAD_MESSAGE = "bad_message"
E_HELLO_REQUIRED = "hello_required"
E_UNKNOWN_OP = "unknown_op"
E_BAD_REQUEST = "bad_request"
E_READONLY = "readonly"
E_NOT_FOUND = "not_found"
E_FAILED = "failed"
E_INTERNAL = "internal"
E_FORBIDDEN = "forbidden"
E_BUSY = "busy"


class ProtocolError(Exception):
    """A peer broke the protocol (or an operation failed): ``code`` says which way."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Hello:
    """Client -> server, first: who speaks which version and what it can do."""

    protocol: int
    client: str = ""
    capabilities: tuple[str, ...] = ()
    readonly: bool = False


@dataclass(frozen=True)
class Welcome:
    """Server -> client, first: the owner accepted the hello."""

    protocol: int
    server: str
    pid: int
    state_dir: str
    capabilities: tuple[str, ...] = ()
    readonly: bool = False  # this session may only read


@dataclass(frozen=True)
class Request:
    """One operation (``op``) with its arguments; ``id`` is chosen by the client, unique per connection."""

    id: int
    op: str
    args: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Response:
    """The result of a one-shot request."""

    id: int
    result: Any = None


@dataclass(frozen=True)
class StreamEvent:
    """One item of a stream the request ``id`` opened (a job's live events or log records)."""

    id: int
    event: dict[str, Any]


@dataclass(frozen=True)
class StreamEvents:
    """Several items of stream ``id`` in one message (a log read from disk: one frame per
    chunk instead of one per record; the client hands them out one by one)."""

    id: int
    events: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class Dropped:
    """A live view fell behind: ``count`` events of stream ``id`` were not sent."""

    id: int
    count: int


@dataclass(frozen=True)
class StreamEnd:
    """Stream ``id`` is complete; ``result`` is its final word (e.g. the job's end state)."""

    id: int
    result: Any = None


@dataclass(frozen=True)
class Cancel:
    """Client -> server: stop sending stream ``id`` (the job itself goes on)."""

    id: int


@dataclass(frozen=True)
class ErrorMessage:
    """A request failed (``id``) or the connection is being refused (``id`` None)."""

    id: int | None
    code: str
    message: str


Message = (Hello | Welcome | Request | Response | StreamEvent | StreamEvents | Dropped | StreamEnd | Cancel
           | ErrorMessage)

TYPE_NAMES: dict[type, str] = {
    Hello: "hello", Welcome: "welcome", Request: "request", Response: "response", StreamEvent: "event", StreamEvents: "events",
    Dropped: "dropped", StreamEnd: "end", Cancel: "cancel", ErrorMessage: "error",
}
TYPES: dict[str, type] = {name: cls for cls, name in TYPE_NAMES.items()}

# field -> (accepted python types, required); JSON has no tuples: lists become tuples
_FIELDS: dict[type, dict[str, tuple[tuple[type, ...], bool]]] = {
    Hello: {"protocol": ((int,), True), "client": ((str,), False), "capabilities": ((list,), False),
            "readonly": ((bool,), False)},
    Welcome: {"protocol": ((int,), True), "server": ((str,), True), "pid": ((int,), True),
              "state_dir": ((str,), True), "capabilities": ((list,), False), "readonly": ((bool,), False)},
    Request: {"id": ((int,), True), "op": ((str,), True), "args": ((dict,), False)},
    Response: {"id": ((int,), True), "result": ((object,), False)},
    StreamEvent: {"id": ((int,), True), "event": ((dict,), True)},
    StreamEvents: {"id": ((int,), True), "events": ((list,), True)},
    Dropped: {"id": ((int,), True), "count": ((int,), True)},
    StreamEnd: {"id": ((int,), True), "result": ((object,), False)},
    Cancel: {"id": ((int,), True)},
    ErrorMessage: {"id": ((int, type(None)), True), "code": ((str,), True), "message": ((str,), True)},
}


def to_wire(msg: Message) -> dict[str, Any]:
    out: dict[str, Any] = {"type": TYPE_NAMES[type(msg)]}
    for name in _FIELDS[type(msg)]:
        value = getattr(msg, name)
        out[name] = list(value) if isinstance(value, tuple) else value
    return out


def from_wire(obj: Any) -> Message:
    """A message from a decoded JSON value; anything malformed is ``bad_message``."""
    if not isinstance(obj, dict):
        raise ProtocolError(E_BAD_MESSAGE, f"a message is a JSON object, got {type(obj).__name__}")
    name = obj.get("type")
    cls = TYPES.get(name) if isinstance(name, str) else None
    if cls is None:
        raise ProtocolError(E_BAD_MESSAGE, f"unknown message type {str(name)[:40]!r} "
                                           f"(known: {', '.join(sorted(TYPES))})")
    values: dict[str, Any] = {}
    for fname, (types, required) in _FIELDS[cls].items():
        if fname not in obj:
            if required:
                raise ProtocolError(E_BAD_MESSAGE, f"{name}: field {fname!r} is missing")
            continue
        value = obj[fname]
        # bool is an int in Python: an id or a version of ``true`` is not accepted as 1
        if (isinstance(value, bool) and bool not in types and object not in types) \
                or not isinstance(value, types):
            raise ProtocolError(E_BAD_MESSAGE, f"{name}: field {fname!r} has the wrong type "
                                               f"({type(value).__name__})")
        if fname == "capabilities":
            caps = list(obj[fname])
            if not all(isinstance(c, str) for c in caps):
                raise ProtocolError(E_BAD_MESSAGE, f"{name}: capabilities are strings")
            value = tuple(caps)
        elif fname == "events":
            items = list(obj[fname])
            if not all(isinstance(e, dict) for e in items):
                raise ProtocolError(E_BAD_MESSAGE, f"{name}: events are objects")
            value = tuple(items)
        values[fname] = value
    message: Message = cls(**values)
    return message


def encode(msg: Message) -> bytes:
    """One frame; a message over :data:`MAX_MESSAGE` is ``too_large`` (the sender's bug)."""
    body = json.dumps(to_wire(msg), separators=(",", ":"), ensure_ascii=False, default=str).encode("utf-8")
    if len(body) > MAX_MESSAGE:
        raise ProtocolError(E_TOO_LARGE, f"message of {len(body)} bytes exceeds the {MAX_MESSAGE} byte limit")
    return HEADER.pack(len(body)) + body


class SharedEvent:
    """One :class:`StreamEvent` item encoded once for many streams (``view.watch``: every
    attached console gets the same update): :meth:`frame` splices in only the stream id,
    so a hundred clients cost one JSON encoding, not a hundred."""

    ENVELOPE = 64  # bytes the frame adds around the item (type, id): room left under the bound

    def __init__(self, item: dict[str, Any]) -> None:
        self.body = json.dumps(item, separators=(",", ":"), ensure_ascii=False, default=str).encode("utf-8")
        if len(self.body) + self.ENVELOPE > MAX_MESSAGE:
            raise ProtocolError(E_TOO_LARGE, f"event of {len(self.body)} bytes exceeds the {MAX_MESSAGE} byte limit")

    def frame(self, stream_id: int) -> bytes:
        """The frame of ``StreamEvent(stream_id, item)``, as :func:`encode` would make it."""
        body = b'{"type":"%s","id":%d,"event":%s}' % (TYPE_NAMES[StreamEvent].encode(), stream_id, self.body)
        return HEADER.pack(len(body)) + body


def body_length(header: bytes) -> int:
    """The length a frame header announces; over the limit is ``too_large`` (stop reading)."""
    (n,) = HEADER.unpack(header)
    if n > MAX_MESSAGE:
        raise ProtocolError(E_TOO_LARGE, f"frame of {n} bytes exceeds the {MAX_MESSAGE} byte limit")
    return int(n)


def decode_body(body: bytes) -> Message:
    try:
        obj = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ProtocolError(E_BAD_FRAME, f"frame is not UTF-8 JSON: {str(exc)[:120]}") from None
    return from_wire(obj)


class FrameDecoder:
    """Incremental decoding of a byte stream into messages (for tests and sync clients).

    ``feed`` returns the complete messages so far and keeps a partial frame for later;
    it raises :class:`ProtocolError` at the first bad frame, after which the stream is
    unusable (framing is lost) and the connection must be closed.
    """

    def __init__(self) -> None:
        self._buf = bytearray()

    def feed(self, data: bytes) -> list[Message]:
        self._buf += data
        out: list[Message] = []
        while len(self._buf) >= HEADER.size:
            n = body_length(bytes(self._buf[:HEADER.size]))
            if len(self._buf) < HEADER.size + n:
                break
            body = bytes(self._buf[HEADER.size:HEADER.size + n])
            del self._buf[:HEADER.size + n]
            out.append(decode_body(body))
        return out

    @property
    def pending(self) -> int:
        """Bytes of an incomplete frame held back (a stream that ends here was truncated)."""
        return len(self._buf)
