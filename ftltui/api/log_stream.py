"""A job's log file streamed to a client: complete, paced by the client, from disk.

``jobs logs`` must show every record (unlike a live view, which may drop), so it is
read from the job's log file, never buffered in the owner: the next chunk is read only
when the client's outbox has room. With ``follow`` it ends once the job's terminal
``JobState`` record has been sent (or the job is finished and the file stays quiet).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from ftltui.api.operations import OwnerOperations
from ftltui.api.outbox import Outbox
from ftltui.api.protocol import MAX_MESSAGE
from ftltui.jobs.model import TERMINAL

CHUNK = 256 * 1024
POLL = 0.1  # seconds between reads of a growing file
BATCH_BYTES = 256 * 1024  # records sent in one message, at most about this many bytes of them
QUIET_POLLS = 10  # empty reads after the job finished before the stream ends without its final record


def _read(path: Any, pos: int) -> bytes:
    try:
        with open(path, "rb") as fh:
            fh.seek(pos)
            return fh.read(CHUNK)
    except FileNotFoundError:
        return b""


def _record(line: bytes, offset: int) -> dict[str, Any]:
    if len(line) > MAX_MESSAGE - 1024:
        return {"event": "log.oversized", "bytes": len(line), "offset": offset}
    try:
        rec = json.loads(line)
    except ValueError:
        return {"event": "log.unreadable", "bytes": len(line)}
    return rec if isinstance(rec, dict) else {"event": "log.unreadable", "bytes": len(line)}


async def stream_log(ops: OwnerOperations, job_id: int, outbox: Outbox, send: Callable[[list[dict[str, Any]]], None],
                     *, follow: bool, offset: int = 0) -> dict[str, Any]:
    """Send each record after byte ``offset``, in batches; returns the stream's end: where
    it stopped, and the job's end when it has one. A record too big for a message is
    sent as ``{"event": "log.oversized", "offset": N}``: where a client on this machine
    reads it from the file itself."""
    path = ops.log_path(job_id)
    pos, quiet, ended, skipping = offset, 0, False, False
    pending = b""
    while not outbox.closed:
        await outbox.space()
        finished = ops.job_finished(job_id)  # before the read: a record written after it is read next time
        data = await asyncio.to_thread(_read, path, pos + len(pending))
        if data:
            pending += data
            if skipping:  # the rest of a line already announced as oversized
                nl = pending.find(b"\n")
                cut = len(pending) if nl < 0 else nl + 1
                pos, pending, skipping = pos + cut, pending[cut:], nl < 0
            end = pending.rfind(b"\n") + 1
            batch: list[dict[str, Any]] = []
            size, at = 0, pos
            for line in pending[:end].split(b"\n")[:-1]:
                line_at, at = at, at + len(line) + 1
                if not line.strip():
                    continue
                if batch and size + len(line) > BATCH_BYTES:
                    send(batch)
                    batch, size = [], 0
                rec = _record(line, line_at)
                batch.append(rec)
                size += len(line)
                if rec.get("event") == "JobState" and rec.get("state") in TERMINAL:
                    ended = True
            if batch:
                send(batch)
            pos += end
            pending = pending[end:]
            if len(pending) > MAX_MESSAGE:  # a line bigger than any message: announce it, skip to its end
                send([{"event": "log.oversized", "bytes": len(pending), "offset": pos}])
                pos, pending, skipping = pos + len(pending), b"", True
            quiet = 0
            if len(data) == CHUNK:
                continue
        if not follow or ended:
            break
        if finished:
            quiet += 1
            if quiet >= QUIET_POLLS:
                break
        await asyncio.sleep(POLL)
    result: dict[str, Any] = {"offset": pos}
    if ops.job_finished(job_id):
        result["job"] = (await ops.wait_job(job_id)).to_dict()
    return result
