"""Reading a job's output log (``<state>/logs/<id>.jsonl``) back.

The console's Logs pane holds only what streamed in this session; after a restart the
history of a job is on disk. ``read_tail`` returns its last records without reading a
multi-gigabyte log whole, and skips a torn last line (a process killed mid-write).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

CHUNK = 1 << 16


def read_tail(path: Path, limit: int) -> tuple[list[dict[str, Any]], bool]:
    """The last ``limit`` records of a JSON-lines log, oldest first, and whether older
    records were left out. A missing file is an empty log."""
    try:
        fh = open(path, "rb")
    except FileNotFoundError:
        return [], False
    with fh:
        end = fh.seek(0, os.SEEK_END)
        pos, data = end, b""
        while pos > 0 and data.count(b"\n") <= limit:
            step = min(CHUNK, pos)
            pos -= step
            fh.seek(pos)
            data = fh.read(step) + data
    lines = data.split(b"\n")
    if pos > 0:
        lines = lines[1:]  # the first piece may be the tail of an older line
    records: list[dict[str, Any]] = []
    for raw in lines:
        if not raw.strip():
            continue
        try:
            rec = json.loads(raw)
        except ValueError:
            continue  # a torn line from a killed writer
        if isinstance(rec, dict):
            records.append(rec)
    truncated = pos > 0 or len(records) > limit
    return records[-limit:], truncated
