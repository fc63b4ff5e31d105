"""What the owner's ``view.watch`` hub puts on the wire (issue 16 review hQ #8, #10), on
a real owner (queue, store, API server) and real outboxes:

* every frame is redacted (a secret in a run's arguments and output is never sent) and
  byte-identical to ``encode(StreamEvent(id, item))``, though encoded once for all views;
* a viewer that is behind (its outbox full) gets no frame built for it at all, and one
  ``dropped`` notice with the count once it catches up, while the others get every event.
"""

from __future__ import annotations

from typing import Any

import pytest

from ftltui.api import protocol as p
from ftltui.api import view_stream
from ftltui.api.client import ApiClient
from ftltui.api.outbox import Outbox
from ftltui.api.view_stream import hub_of

SECRET = "hubsecret4242"  # printed by the run, never written in its arguments
FAST, SLOW = 1, 2


def _frames(raw: bytes) -> list[bytes]:
    out = []
    while raw:
        n = p.HEADER.unpack(raw[:4])[0]
        out.append(raw[:4 + n])
        raw = raw[4 + n:]
    return out


async def _drain(outbox: Outbox) -> bytes:
    raw = b""
    while outbox.queued_bytes:
        raw += await outbox.get() or b""
    return raw


async def test_hub_frames_are_redacted_exact_and_a_behind_viewer_costs_nothing(
        owner: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    owner.store.redactor.add([SECRET])
    built: list[int] = []
    frame = p.SharedEvent.frame

    def spied(self: p.SharedEvent, stream_id: int) -> bytes:
        built.append(stream_id)
        return frame(self, stream_id)

    monkeypatch.setattr(p.SharedEvent, "frame", spied)
    fast, slow = Outbox(), Outbox(live_limit=4096)
    filler = b"x" * 4096
    slow.put(filler)  # a client that has not read what it was sent: it is behind
    hub = hub_of(owner.server.ops)
    removes = [hub.add(view_stream.live_viewer(fast, FAST)), hub.add(view_stream.live_viewer(slow, SLOW))]
    try:
        async with await ApiClient.connect(owner.state_dir) as client:
            ref = await client.request("run.submit", pattern="localhost", module="shell",
                                       args={"cmd": "echo hubsecret$((4240 + 2))"})
        await owner.queue.wait(ref["id"])
    finally:
        for remove in removes:
            remove()

    raw = await _drain(fast)
    assert SECRET.encode() not in raw and b"********" in raw  # the output line, masked
    frames = _frames(raw)
    msgs = [p.decode_body(f[4:]) for f in frames]
    assert all(isinstance(m, p.StreamEvent) and m.id == FAST for m in msgs)
    assert [p.encode(m) for m in msgs] == frames  # byte for byte what encode() makes
    names = [m.event["event"].get("event") for m in msgs if isinstance(m, p.StreamEvent)]
    assert "job.succeeded" in names and len(built) == len(frames)
    assert SLOW not in built  # no frame copied for the viewer that was behind

    assert await slow.get() == filler  # it catches up: then one notice says what it missed
    slow.flush_dropped(SLOW)
    assert p.decode_body((await slow.get() or b"")[4:]) == p.Dropped(SLOW, len(frames))
