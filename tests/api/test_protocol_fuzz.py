"""The API's frame decoder and the real server against random, truncated and oversized input.

As the gate protocol is fuzzed: whatever bytes arrive, the decoder raises only
:class:`ProtocolError` (with a code), and the server answers or closes that one
connection and goes on serving others; no input makes it crash or hang.
``FTL_FUZZ_EXAMPLES`` scales the case counts (CI: the default).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import struct

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ftltui.api import protocol as p
from ftltui.api.client import ApiClient
from ftltui.api.socket_path import reachable

FUZZ_CASES = int(os.environ.get("FTL_FUZZ_EXAMPLES", "10000"))
FUZZ = settings(max_examples=max(50, FUZZ_CASES // 20), deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow])

json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                           max_leaves=12)
message_like = st.dictionaries(st.sampled_from(["type", "id", "op", "args", "protocol", "code", "message", "event", "events",
                                                "count", "result", "capabilities", "readonly", "client", "server",
                                                "pid", "state_dir"]),
                               json_values | st.sampled_from(sorted(p.TYPES)), max_size=8)


def frame(body: bytes) -> bytes:
    return p.HEADER.pack(len(body)) + body


@FUZZ
@given(st.binary(max_size=300), st.integers(min_value=1, max_value=64))
def test_random_bytes_raise_only_protocol_errors(data: bytes, step: int) -> None:
    decoder = p.FrameDecoder()
    try:
        for i in range(0, len(data), step):  # fed in pieces, as a socket delivers them
            for msg in decoder.feed(data[i:i + step]):
                assert type(msg) in p.TYPE_NAMES
    except p.ProtocolError as exc:
        assert exc.code in (p.E_BAD_FRAME, p.E_BAD_MESSAGE, p.E_TOO_LARGE)


@FUZZ
@given(message_like)
def test_message_shaped_objects_decode_or_are_refused_with_a_code(obj: dict) -> None:
    try:
        msg = p.decode_body(json.dumps(obj).encode())
    except p.ProtocolError as exc:
        assert exc.code == p.E_BAD_MESSAGE and exc.message
        return
    # accepted: it must survive a round trip unchanged
    again = p.FrameDecoder().feed(p.encode(msg))
    assert again == [msg]


def test_roundtrip_of_every_message_type() -> None:
    msgs = [p.Hello(1, "c", ("streams",), True), p.Welcome(1, "s", 7, "/x", ("jobs",), False),
            p.Request(3, "jobs.list", {"states": ["failed"]}), p.Response(3, [1, {"a": None}]),
            p.StreamEvent(4, {"event": "x"}), p.StreamEvents(4, ({"a": 1}, {})), p.Dropped(4, 12), p.StreamEnd(4, None), p.Cancel(4),
            p.ErrorMessage(None, "bad_frame", "why")]
    data = b"".join(p.encode(m) for m in msgs)
    decoder = p.FrameDecoder()
    out = [m for i in range(len(data)) for m in decoder.feed(data[i:i + 1])]  # one byte at a time
    assert out == msgs and decoder.pending == 0


def test_oversized_and_wrongly_typed_frames_are_refused() -> None:
    decoder = p.FrameDecoder()
    try:
        decoder.feed(struct.pack(">I", p.MAX_MESSAGE + 1))
        raise AssertionError("an oversized header was accepted")
    except p.ProtocolError as exc:
        assert exc.code == p.E_TOO_LARGE
    for obj in ({"type": "request", "id": True, "op": "x"}, {"type": "hello", "protocol": "1"},
                {"type": "hello", "protocol": 1, "capabilities": [1]}, [], {"type": 3},
                {"type": "events", "id": 1, "events": [1]}):
        try:
            p.decode_body(json.dumps(obj).encode())
            raise AssertionError(f"accepted {obj}")
        except p.ProtocolError as exc:
            assert exc.code == p.E_BAD_MESSAGE
    try:
        p.encode(p.StreamEvent(1, {"x": "y" * p.MAX_MESSAGE}))
        raise AssertionError("an oversized message was encoded")
    except p.ProtocolError as exc:
        assert exc.code == p.E_TOO_LARGE


def _hostile_inputs(rng: random.Random, n: int) -> list[bytes]:
    hello = p.encode(p.Hello(p.PROTOCOL_VERSION))
    valid = p.encode(p.Request(1, "jobs.list", {}))
    cases = []
    for i in range(n):
        kind = i % 8
        junk = rng.randbytes(rng.randrange(1, 200))
        if kind == 0:
            cases.append(junk)  # garbage instead of a hello
        elif kind == 1:
            cases.append(hello + junk)  # garbage after a good hello
        elif kind == 2:
            cases.append(hello + valid[:rng.randrange(1, len(valid))])  # truncated frame, then EOF
        elif kind == 3:
            cases.append(hello + struct.pack(">I", rng.randrange(p.MAX_MESSAGE + 1, 2**32)))  # oversized
        elif kind == 4:
            cases.append(hello + frame(junk))  # well framed, not JSON
        elif kind == 5:
            obj = {"type": "request", "id": rng.choice([1, -5, 2**70, "x", None]), "op": rng.choice(
                ["jobs.show", "jobs.logs", "jobs.watch", "run.submit", "nope", ""]),
                "args": rng.choice([{}, {"id": "1"}, {"id": 10**6}, {"id": -1}, {"pattern": 5}, {"offset": True}])}
            cases.append(hello + frame(json.dumps(obj).encode()))
        elif kind == 6:
            cases.append(frame(json.dumps({"type": "hello", "protocol": rng.choice([0, 2, 10**30, -1])}).encode()))
        else:
            cases.append(hello + frame(b"[" * 100_000))  # deep nesting: the JSON parser's recursion
    return cases


async def _send_and_drain(state_dir, data: bytes) -> None:
    with reachable(state_dir / p.SOCKET_NAME) as where:
        reader, writer = await asyncio.open_unix_connection(where)
    try:
        writer.write(data)
        await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
        while await reader.read(65536):  # the server must end the connection itself
            pass
    except ConnectionError:
        pass
    finally:
        writer.close()


async def test_real_server_survives_hostile_clients(owner) -> None:
    rng = random.Random(16)
    cases = _hostile_inputs(rng, max(80, FUZZ_CASES // 50))
    for i in range(0, len(cases), 16):  # 16 hostile clients at once
        await asyncio.wait_for(asyncio.gather(*(_send_and_drain(owner.state_dir, c) for c in cases[i:i + 16])), 60)
    # the owner still serves a well-behaved client, and nobody is left connected
    async with await ApiClient.connect(owner.state_dir) as client:
        assert await client.request("jobs.list") == []
    assert len(owner.server.sessions) <= 1


async def test_silent_client_is_closed_after_the_hello_deadline(owner) -> None:
    with reachable(owner.state_dir / p.SOCKET_NAME) as where:
        reader, writer = await asyncio.open_unix_connection(where)
    data = await asyncio.wait_for(reader.read(), 30)  # the server speaks first, then closes
    writer.close()
    msgs = p.FrameDecoder().feed(data)
    assert msgs and isinstance(msgs[0], p.ErrorMessage) and msgs[0].code == p.E_HELLO_REQUIRED
