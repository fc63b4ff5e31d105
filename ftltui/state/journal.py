"""The write-ahead journal: append-only, fsynced, with group commit.

Every change to the state store is one journal record (a transaction of one or more
operations). Records are handed to a committer thread; it writes everything that is
pending in one ``write`` and one ``fsync`` (group commit), then resolves each
record's :class:`Ticket`. A change counts as committed only once its ticket is done:
that is the moment its fsync returned.

Files are ``journal.<gen>.jsonl``; a new generation starts at every open and at every
checkpoint, so old generations can be deleted once a checkpoint covers them.

A failed write (a full disk, an I/O error) must not leave anything behind that replay
would trip over: the writer cuts the file back to the end of the last committed batch
(``ftruncate``) before it reports the failure, and never appends behind a tail it could
not cut. A failure also fails every record queued behind the failed batch (they were
built on top of it) and tells the owner (``on_failure``) so it can undo them in memory;
records stay numbered without gaps, which is what replay checks.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ftltui.errors import StateError
from ftltui.state.storage import FILE_MODE, decode_lines, encode_line, fsync_dir


class Ticket:
    """The commit receipt of one record: wait on it (threads) or await it (asyncio)."""

    __slots__ = ("seq", "submitted", "committed", "_event", "_futures", "_error", "_lock")

    def __init__(self, seq: int) -> None:
        self.seq = seq
        self.submitted = time.perf_counter()
        self.committed: float | None = None
        self._event = threading.Event()
        self._futures: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []
        self._error: BaseException | None = None
        self._lock = threading.Lock()

    @property
    def done(self) -> bool:
        return self._event.is_set()

    @property
    def failed(self) -> BaseException | None:
        """Why the commit failed, once it has (``None`` while pending or when committed)."""
        return self._error if self._event.is_set() else None

    @property
    def latency(self) -> float | None:
        return None if self.committed is None else self.committed - self.submitted

    def resolve(self, error: BaseException | None = None, at: float | None = None,
                wake: bool = True) -> list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]]:
        """``at``: when the batch's fsync returned (the moment this record became durable).

        With ``wake=False`` the waiting asyncio futures are returned for the caller to
        settle in one callback per loop (one self-pipe write per batch, not per record).
        """
        with self._lock:
            self.committed = at if at is not None else time.perf_counter()
            self._error = error
            self._event.set()
            futures, self._futures = self._futures, []
        if wake:
            for loop, fut in futures:
                loop.call_soon_threadsafe(_settle, fut, error)
            return []
        return futures

    def wait(self, timeout: float | None = None) -> None:
        if not self._event.wait(timeout):
            raise StateError("state store: commit timed out")
        if self._error is not None:
            raise StateError(f"state store: write failed: {self._error}")

    def __await__(self):  # type: ignore[no-untyped-def]
        return self._wait_async().__await__()

    async def _wait_async(self) -> None:
        if not self._event.is_set():
            loop = asyncio.get_running_loop()
            fut: asyncio.Future[None] = loop.create_future()
            with self._lock:
                if not self._event.is_set():
                    self._futures.append((loop, fut))
                else:
                    fut.set_result(None)
            await fut
        if self._error is not None:
            raise StateError(f"state store: write failed: {self._error}")


def _settle(fut: asyncio.Future[None], error: BaseException | None) -> None:
    if not fut.done():
        fut.set_result(None)


def _settle_all(futs: list[asyncio.Future[None]], error: BaseException | None) -> None:
    for fut in futs:
        _settle(fut, error)


DONE = Ticket(0)
DONE.resolve()


def journal_files(state_dir: Path) -> list[tuple[int, Path]]:
    out = []
    for p in state_dir.glob("journal.*.jsonl"):
        try:
            out.append((int(p.name.split(".")[1]), p))
        except ValueError:
            continue
    return sorted(out)


def read_journals(state_dir: Path) -> list[tuple[int, Path, list[dict[str, Any]], int]]:
    """Every generation's good records and the offset where its good part ends."""
    out = []
    for gen, path in journal_files(state_dir):
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            continue  # deleted by a concurrent checkpoint; the caller re-checks
        records, end = decode_lines(data)
        out.append((gen, path, records, end))
    return out


@dataclass
class _Pending:
    line: bytes
    ticket: Ticket


@dataclass
class JournalWriter:
    """Owns the current journal file and the committer thread."""

    state_dir: Path
    gen: int
    on_batch: Callable[[int, int], None] | None = None  # (records in the batch, last seq), after commit
    # (first failed seq, error), called before any failed ticket is resolved; it must
    # call :meth:`take_pending` (under the owner's lock) and return what it took
    on_failure: Callable[[int, BaseException], list[_Pending]] | None = None
    _pending: list[_Pending] = field(default_factory=list)
    _cv: threading.Condition = field(default_factory=threading.Condition)
    _closing: bool = False
    _rotate_to: int | None = None
    _fd: int = -1
    _good_end: int = 0  # the file's committed length: everything past it is to be cut
    _dirty: bool = False  # a failed write left bytes past _good_end that are not cut yet
    _thread: threading.Thread | None = None
    gen_max_seq: dict[int, int] = field(default_factory=dict)

    def start(self) -> None:
        self._fd = self._open(self.gen)
        self._good_end = os.fstat(self._fd).st_size
        self._thread = threading.Thread(target=self._run, name="ftl-journal", daemon=True)
        self._thread.start()

    def _open(self, gen: int) -> int:
        path = self.state_dir / f"journal.{gen}.jsonl"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE)
        try:
            fsync_dir(self.state_dir)
        except OSError:
            os.close(fd)
            raise
        return fd

    def submit(self, seq: int, record: dict[str, Any]) -> Ticket:
        ticket = Ticket(seq)
        line = encode_line(record)
        with self._cv:
            if self._closing:
                raise StateError("state store is closed")
            self._pending.append(_Pending(line, ticket))
            self._cv.notify()
        return ticket

    def take_pending(self) -> list[_Pending]:
        """Remove and return every record not yet taken by the committer."""
        with self._cv:
            taken, self._pending = self._pending, []
        return taken

    def rotate(self) -> int:
        """Start a new generation at the next batch; returns its number.

        Until the new file exists nothing is written: records newer than a checkpoint
        must never land in a generation that checkpoint deletes."""
        with self._cv:
            self._rotate_to = (self._rotate_to or self.gen) + 1
            self._cv.notify()
            return self._rotate_to

    def flush(self) -> None:
        """Block until everything submitted so far is committed."""
        with self._cv:
            last = self._pending[-1].ticket if self._pending else None
        if last is not None:
            last.wait()

    def _cut(self) -> None:
        """Cut a failed write's partial bytes off the end of the file (durably)."""
        os.ftruncate(self._fd, self._good_end)
        os.fdatasync(self._fd)
        self._dirty = False

    def _rotate(self, gen: int) -> None:
        fd = self._open(gen)  # raises on a full disk: the old file stays current
        if self._dirty:
            try:
                self._cut()
            except OSError:
                pass  # a torn tail at the end of a finished generation only ends it early
        os.close(self._fd)
        self._fd, self.gen, self._good_end, self._dirty = fd, gen, 0, False

    def _write(self, batch: list[_Pending]) -> None:
        if self._dirty:
            self._cut()  # never append behind bytes replay would stop at
        data = b"".join(p.line for p in batch)
        view = memoryview(data)
        try:
            while view:
                view = view[os.write(self._fd, view):]
            os.fdatasync(self._fd)
        except OSError:
            self._dirty = True
            try:
                self._cut()
            except OSError:
                pass  # cut again before the next write
            raise
        self._good_end += len(data)
        self.gen_max_seq[self.gen] = batch[-1].ticket.seq

    def _run(self) -> None:
        while True:
            with self._cv:
                while not self._pending and not self._closing and self._rotate_to is None:
                    self._cv.wait()
                batch, self._pending = self._pending, []
                rotate_to = self._rotate_to
                closing = self._closing
            error: BaseException | None = None
            try:
                if rotate_to is not None:
                    self._rotate(rotate_to)
                    with self._cv:
                        if self._rotate_to == rotate_to:
                            self._rotate_to = None
                if batch:
                    self._write(batch)
            except OSError as exc:
                error = exc
            if batch and error is not None:
                if self.on_failure is not None:
                    batch = batch + self.on_failure(batch[0].ticket.seq, error)
                else:
                    batch = batch + self.take_pending()
            elif error is not None and closing:
                break  # cannot start the new generation and nothing is left to write
            elif error is not None:
                time.sleep(0.05)  # rotation failed with nothing to write: do not spin
            if batch:
                self._resolve(batch, error)
                if error is None and self.on_batch is not None:
                    self.on_batch(len(batch), batch[-1].ticket.seq)
            if closing:
                with self._cv:
                    if not self._pending:
                        break
        os.close(self._fd)

    @staticmethod
    def _resolve(batch: list[_Pending], error: BaseException | None) -> None:
        durable_at = time.perf_counter()
        by_loop: dict[asyncio.AbstractEventLoop, list[asyncio.Future[None]]] = {}
        for p in batch:
            for loop, fut in p.ticket.resolve(error, durable_at, wake=False):
                by_loop.setdefault(loop, []).append(fut)
        for loop, futs in by_loop.items():
            try:
                loop.call_soon_threadsafe(_settle_all, futs, error)
            except RuntimeError:
                pass  # that loop is closed: nobody is waiting any more

    def close(self) -> None:
        with self._cv:
            self._closing = True
            self._cv.notify()
        if self._thread is not None:
            self._thread.join()
