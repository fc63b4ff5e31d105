"""A client's bounded send queue: the owner never waits for a slow reader.

Everything the owner sends a client goes through its outbox, which a writer task
drains into the socket at the client's pace. Two kinds of message go in:

* essential ones (responses, errors, stream ends, log records) are always queued;
  a client so far behind that they pile up past ``hard_limit`` bytes is cut off (it is
  not reading at all), because holding unbounded memory for it would hurt the owner;
* live events (a job's event feed for a view) are dropped while more than
  ``live_limit`` bytes wait, counted per stream, and the count is sent as one
  :class:`~ftltui.api.protocol.Dropped` notice before that stream's next event, so the
  view can say "dropped N updates" and re-read what it needs.

Producers that can wait (a log file streamed from disk) await :meth:`Outbox.space`
before reading more, so they are complete and paced by the client, not buffered.
"""

from __future__ import annotations

import asyncio
from collections import deque

from ftltui.api.protocol import Dropped, encode

LIVE_LIMIT = 256 * 1024
HARD_LIMIT = 8 * 1024 * 1024


class Outbox:
    def __init__(self, live_limit: int = LIVE_LIMIT, hard_limit: int = HARD_LIMIT) -> None:
        self.live_limit = live_limit
        self.hard_limit = hard_limit
        self._frames: deque[bytes] = deque()
        self._bytes = 0
        self._ready = asyncio.Event()
        self._space = asyncio.Event()
        self._space.set()
        self._dropped: dict[int, int] = {}
        self.dropped_total = 0
        self.closed = False

    @property
    def queued_bytes(self) -> int:
        return self._bytes

    def put(self, frame: bytes) -> bool:
        """Queue an essential frame; ``False`` (and the outbox closes) past the hard limit."""
        if self.closed:
            return False
        if self._bytes + len(frame) > self.hard_limit:
            self.close()
            return False
        self._frames.append(frame)
        self._bytes += len(frame)
        self._ready.set()
        if self._bytes >= self.live_limit:
            self._space.clear()
        return True

    def put_live(self, stream_id: int, frame: bytes) -> bool:
        """Queue a live event, or count it as dropped while the client is behind."""
        if self.closed:
            return False
        if self._bytes + len(frame) > self.live_limit:
            self.count_dropped(stream_id)
            return False
        self.flush_dropped(stream_id)
        return self.put(frame)

    def count_dropped(self, stream_id: int) -> None:
        """An event that could not be sent at all (over the message size bound)."""
        self._dropped[stream_id] = self._dropped.get(stream_id, 0) + 1
        self.dropped_total += 1

    def flush_dropped(self, stream_id: int) -> None:
        """Send the stream's pending "dropped N" notice (before its next event or its end)."""
        count = self._dropped.pop(stream_id, 0)
        if count:
            self.put(encode(Dropped(stream_id, count)))

    async def space(self) -> None:
        """Until fewer than ``live_limit`` bytes wait (or the outbox is closed)."""
        await self._space.wait()

    async def get(self, max_bytes: int = 256 * 1024) -> bytes | None:
        """The frames waiting, joined up to about ``max_bytes`` (one write and one drain for
        many small messages); ``None`` once closed and empty."""
        while not self._frames:
            if self.closed:
                return None
            self._ready.clear()
            await self._ready.wait()
        batch = [self._frames.popleft()]
        size = len(batch[0])
        while self._frames and size + len(self._frames[0]) <= max_bytes:
            frame = self._frames.popleft()
            batch.append(frame)
            size += len(frame)
        self._bytes -= size
        if self._bytes < self.live_limit:
            self._space.set()
        return b"".join(batch)

    def close(self) -> None:
        self.closed = True
        self._ready.set()
        self._space.set()  # wake producers: they see ``closed`` and stop
