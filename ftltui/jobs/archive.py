"""Files beside the live database: the archive of old jobs and operator requests.

Archived jobs are appended (fsynced) to ``<state>/archive/jobs.jsonl`` before they are
removed from the live store, so a crash between the two leaves a duplicate, never a
loss. Requests (``<state>/requests/cancel-<id>``) let a read-only process ask the
writer to cancel a job; the writer's heartbeat loop picks them up.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Iterable

from ftltui.state.storage import DIR_MODE, FILE_MODE, fsync_dir


def append_archive(path: Path, docs: Iterable[dict[str, Any]]) -> None:
    """Append ``docs``, one line each, and fsync. A crash mid-append leaves a torn last
    line (those jobs are still in the live store and are appended again by the next
    move): the next append starts on a fresh line, so the torn one never glues onto
    a whole record."""
    data = b"".join(json.dumps(d, default=str).encode() + b"\n" for d in docs)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, FILE_MODE)
    try:
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":
            data = b"\n" + data
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)


def read_archive(path: Path) -> list[dict[str, Any]]:
    out = []
    try:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                try:
                    out.append(json.loads(line))
                except ValueError:
                    continue  # a line torn by a crash mid-append: its jobs were appended again
    except FileNotFoundError:
        pass
    return out


def find_archived(path: Path, job_id: int) -> dict[str, Any] | None:
    """Job ``job_id``'s archived record (its last copy: a crash mid-move leaves two), or None.

    The archive of a daemon grows for months: lines are matched on their ``{"id": N,``
    prefix (how :meth:`JobQueue._archive` writes them) and only a match is parsed."""
    prefix = f'{{"id": {int(job_id)},'.encode()
    found = None
    try:
        with open(path, "rb") as fh:
            for line in fh:
                if line.startswith(prefix):
                    try:
                        found = json.loads(line)
                    except ValueError:
                        pass  # a line torn by a crash mid-append (appended again later)
    except FileNotFoundError:
        pass
    return found if isinstance(found, dict) else None


def request(state_dir: Path, action: str, job_id: int) -> Path:
    d = state_dir / "requests"
    d.mkdir(exist_ok=True, mode=DIR_MODE)
    p = d / f"{action}-{job_id}"
    os.close(os.open(p, os.O_WRONLY | os.O_CREAT, FILE_MODE))
    fsync_dir(d)
    return p


def take_requests(state_dir: Path, action: str) -> list[int]:
    d = state_dir / "requests"
    out = []
    for p in d.glob(f"{action}-*") if d.exists() else ():
        try:
            out.append(int(p.name.split("-", 1)[1]))
        except ValueError:
            pass
        p.unlink(missing_ok=True)
    return out
