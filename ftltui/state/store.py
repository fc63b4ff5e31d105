"""The durable state store: TinyDB checkpoint + fsynced journal, one writer.

Why not plain TinyDB: its ``JSONStorage`` rewrites the whole file in place on every
write (torn files on a crash, ~90 ms per insert at 10k documents) and has no
cross-process locking. Here:

* The live data is held in memory as TinyDB-shaped tables ``{table: {id: doc}}``.
* Every change is appended to a journal and fsynced (group commit, see
  :mod:`ftltui.state.journal`) before it counts as committed.
* Every so often (and at open/close) the whole state is checkpointed into
  ``state.json``, a TinyDB database written atomically by
  :class:`~ftltui.state.storage.AtomicJSONStorage`; journal generations it covers are
  then deleted. Opening = load the checkpoint, replay newer journal records.
* ``lock`` is held with ``fcntl.flock`` by the one writer. A second process gets
  :class:`StateError` (or waits ``wait`` seconds), or opens with ``readonly=True``:
  it reads the same files and never writes.
* Files are 0600, directories 0700. Documents pass through the store's redactor
  before they are journaled, so secrets never reach disk.
* A change is applied in memory at once (readers in this process see it) and keeps
  an undo entry until its record is committed. If the commit fails (a full disk), that
  record and every record queued after it are undone in memory, their tickets raise
  :class:`StateError`, and sequence numbers are reused: memory, checkpoints and the
  journal never hold a change the caller was told failed. A checkpoint is written only
  once every change it contains is committed.

API (used by jobs/ and by the drift helper)::

    store = StateStore.open(state_dir, readonly=False, wait=None)
    t = store.table("snapshots")
    doc_id = t.insert({"host": "web1", ...})          # durable when it returns
    t.get(doc_id) -> Document | None                  # tinydb.table.Document (has .doc_id)
    t.update(doc_id, {"field": 1})                    # shallow merge, durable
    t.search(Query().host == "web1")                  # any callable(doc) -> bool, TinyDB Query ok
    t.all(); t.remove(doc_id); len(t)
    with store.transaction() as tx:                   # several changes, one atomic record
        tx.insert("jobs", {...}); tx.update("attempts", 3, {...})
        tx.set_in("jobs", 7, [(["per_host", "web1"], {...})])  # deep set, small record
    await tx.ticket  /  tx.ticket.wait()              # committed (fsync returned)
    store.close()

Pass ``wait=False`` to the table methods to get the write queued (visible in memory
at once) without blocking; ``store.flush()`` waits for everything (a write that then
fails is undone silently: wait on the ticket where failure matters). Documents
returned are copies of the top level only: do not mutate nested values in place.
``close()`` always stops the committer thread and releases the lock; if its final
checkpoint cannot be written the journal still holds every committed change
(``store.checkpoint_error`` says why).
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
import threading
import time
from collections import deque
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

from tinydb.table import Document

from ftltui.engine.redact import Redactor
from ftltui.errors import Location, StateError
from ftltui.state.directory import lock_failure, prepare_state_dir, read_failure
from ftltui.state.journal import DONE, JournalWriter, Ticket, journal_files, read_journals
from ftltui.state.storage import DIR_MODE, FILE_MODE, AtomicJSONStorage, atomic_write

SCHEMA_VERSION = 1
CHECKPOINT_FILE = "state.json"
LOCK_FILE = "lock"
META = "_meta"
CHECKPOINT_EVERY = 20_000
DEAD_HOLDER_GRACE = 5.0  # seconds to wait for a lock whose recorded holder is dead
GIL_SWITCH_INTERVAL = 0.001  # journal records between background checkpoints

# schema N -> N+1; each takes and returns the TinyDB-shaped data (tables of str ids).
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}

Op = list[Any]  # [op, table, id, payload]
Undo = tuple[str, int, "dict[str, Any] | None"]  # (table, id, document before, None = absent)


class Table:
    """A named collection of documents whose changes go through the durable path."""

    def __init__(self, store: StateStore, name: str) -> None:
        self._store = store
        self.name = name

    def insert(self, doc: dict[str, Any], *, wait: bool = True) -> int:
        with self._store.transaction() as tx:
            doc_id = tx.insert(self.name, doc)
        if wait:
            tx.ticket.wait()
        return doc_id

    def update(self, doc_id: int, fields: dict[str, Any], *, wait: bool = True) -> None:
        with self._store.transaction() as tx:
            tx.update(self.name, doc_id, fields)
        if wait:
            tx.ticket.wait()

    def remove(self, doc_id: int, *, wait: bool = True) -> None:
        with self._store.transaction() as tx:
            tx.remove(self.name, doc_id)
        if wait:
            tx.ticket.wait()

    def get(self, doc_id: int) -> Document | None:
        doc = self._store._tables.get(self.name, {}).get(int(doc_id))
        return None if doc is None else Document(doc, int(doc_id))

    def search(self, cond: Callable[[dict[str, Any]], bool]) -> list[Document]:
        docs = list(self._store._tables.get(self.name, {}).items())
        return [Document(d, i) for i, d in docs if cond(d)]

    def all(self) -> list[Document]:
        return [Document(d, i) for i, d in list(self._store._tables.get(self.name, {}).items())]

    def ids(self) -> list[int]:
        return list(self._store._tables.get(self.name, {}))

    def __len__(self) -> int:
        return len(self._store._tables.get(self.name, {}))

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._store._tables.get(self.name, {})


class Transaction:
    """Changes applied in memory at once and journaled as one atomic record on exit.

    Each change remembers the document it replaced, so a body that raises, or a
    record whose commit fails, can be undone (ids handed out are not reused)."""

    def __init__(self, store: StateStore) -> None:
        self._store = store
        self.ops: list[Op] = []
        self.undo: list[Undo] = []
        self.ticket: Ticket = DONE

    def insert(self, table: str, doc: dict[str, Any]) -> int:
        s = self._store
        doc_id = s._next_ids.get(table, 1)
        s._next_ids[table] = doc_id + 1
        clean = s.redactor.obj(dict(doc))
        s._tables.setdefault(table, {})[doc_id] = clean
        self.undo.append((table, doc_id, None))
        self.ops.append(["i", table, doc_id, clean])
        return doc_id

    def update(self, table: str, doc_id: int, fields: dict[str, Any]) -> None:
        s = self._store
        docs = s._tables.setdefault(table, {})
        if doc_id not in docs:
            raise KeyError(f"{table}: no document {doc_id}")
        clean = s.redactor.obj(dict(fields))
        before = docs[doc_id]
        docs[doc_id] = {**before, **clean}  # a new dict: checkpoints copy shallowly
        self.undo.append((table, doc_id, before))
        self.ops.append(["u", table, doc_id, clean])

    def set_in(self, table: str, doc_id: int, changes: list[tuple[list[str], Any]]) -> None:
        """Set values deep inside one document: ``changes`` is ``[(path, value), ...]``
        with ``path`` a list of keys (``["per_host", "web1"]``); missing dicts on the way
        are created. The record holds only the values, not the whole field: one host's
        result in a 1,000-host ledger costs its own few hundred bytes to encode and
        journal, where a shallow ``update`` of the field would re-encode the whole ledger.
        Copy-on-write along each path, so a checkpoint's shallow snapshot never sees a
        document change under it."""
        s = self._store
        docs = s._tables.setdefault(table, {})
        if doc_id not in docs:
            raise KeyError(f"{table}: no document {doc_id}")
        clean = [[list(path), s.redactor.obj(value)] for path, value in changes]
        before = docs[doc_id]
        docs[doc_id] = _set_paths(before, clean)
        self.undo.append((table, doc_id, before))
        self.ops.append(["s", table, doc_id, clean])

    def remove(self, table: str, doc_id: int) -> None:
        before = self._store._tables.get(table, {}).pop(doc_id, None)
        self.undo.append((table, doc_id, before))
        self.ops.append(["r", table, doc_id, None])


def _undo(tables: dict[str, dict[int, dict[str, Any]]], undo: list[Undo]) -> None:
    """Put back what ``undo`` says each changed document was, newest change first."""
    for table, doc_id, before in reversed(undo):
        docs = tables.setdefault(table, {})
        if before is None:
            docs.pop(doc_id, None)
        else:
            docs[doc_id] = before


def _apply(tables: dict[str, dict[int, dict[str, Any]]], next_ids: dict[str, int], ops: list[Op]) -> None:
    for op, table, doc_id, payload in ops:
        docs = tables.setdefault(table, {})
        if op == "i":
            docs[doc_id] = payload
            next_ids[table] = max(next_ids.get(table, 1), doc_id + 1)
        elif op == "u" and doc_id in docs:
            docs[doc_id] = {**docs[doc_id], **payload}
        elif op == "s" and doc_id in docs:
            docs[doc_id] = _set_paths(docs[doc_id], payload)
        elif op == "r":
            docs.pop(doc_id, None)


def _set_paths(doc: dict[str, Any], changes: list[list[Any]]) -> dict[str, Any]:
    """A copy of ``doc`` with each ``[path, value]`` set; only the dicts along the paths
    are copied (the rest is shared, and never changed in place)."""
    out = dict(doc)
    for path, value in changes:
        node = out
        for key in path[:-1]:
            child = node.get(key)
            node[key] = dict(child) if isinstance(child, dict) else {}
            node = node[key]
        node[path[-1]] = value
    return out


def _serialize(snap: dict[str, dict[int, dict[str, Any]]], meta: dict[str, Any]) -> bytes:
    """TinyDB's JSON layout, one document at a time.

    One ``json.dumps`` of the whole state would hold the GIL for its full duration
    (~100 ms at 10k jobs) and stall the committer thread; encoding per document lets
    the interpreter switch threads between documents, so commits keep flowing.
    """
    enc = json.JSONEncoder(separators=(",", ":"), default=str).encode
    parts = [b"{"]
    for name, docs in snap.items():
        parts.append(enc(name).encode() + b":{")
        parts.append(b",".join(b'"%d":%s' % (k, enc(v).encode()) for k, v in docs.items()))
        parts.append(b"},")
    parts.append(enc(META).encode() + b":" + enc(meta).encode() + b"}")
    return b"".join(parts)


class StateStore:
    """One state directory, opened for writing (locked) or read-only."""

    def __init__(self, path: Path, readonly: bool) -> None:
        self.path = path
        self.readonly = readonly
        self.redactor = Redactor()
        self._tables: dict[str, dict[int, dict[str, Any]]] = {}
        self._next_ids: dict[str, int] = {}
        self._seq = 0
        self._lock = threading.RLock()
        self._lock_fd = -1
        self._writer: JournalWriter | None = None
        self._since_checkpoint = 0
        self._checkpointing = False
        self._ckpt_lock = threading.Lock()
        self._uncommitted: deque[tuple[int, list[Undo]]] = deque()  # (seq, undo) until committed
        self._last_ticket: Ticket = DONE  # the ticket of record ``_seq``
        self.checkpoint_error: StateError | None = None  # why the last checkpoint was not written
        self.lock_holder: str | None = None  # read-only: who holds the lock, if known
        self.replayed = 0

    # -- opening ----------------------------------------------------------------------
    @classmethod
    def open(cls, state_dir: str | os.PathLike[str], readonly: bool = False, wait: float | None = None) -> StateStore:
        path = prepare_state_dir(Path(state_dir))
        store = cls(path, readonly)
        if readonly:
            try:
                store.lock_holder = store._read_holder()
                store._load(retries=5)
            except OSError as exc:  # a directory this user may not read: one line, not a traceback
                raise StateError(read_failure(exc), Location(str(path))) from None
            return store
        store._acquire_lock(wait)
        try:
            store._load(retries=0)
            store._start_writing()
        except BaseException as exc:
            if store._writer is not None:  # a failed open leaves no thread and no lock behind
                store._writer.close()
                store._writer = None
            store._release_lock()
            if isinstance(exc, OSError):  # a full disk while starting: one line, not a traceback
                raise StateError(f"cannot start writing: {exc.strerror or exc}", Location(str(path))) from None
            raise
        return store

    def _read_holder(self) -> str | None:
        try:
            return (self.path / LOCK_FILE).read_text().strip() or None
        except FileNotFoundError:
            return None

    def _acquire_lock(self, wait: float | None) -> None:
        try:
            fd = os.open(self.path / LOCK_FILE, os.O_RDWR | os.O_CREAT, FILE_MODE)
        except OSError as exc:  # the first file a writer creates: an unwritable directory shows here
            raise StateError(lock_failure(exc), Location(str(self.path))) from None
        deadline = time.monotonic() + (wait or 0)
        grace_given = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline and not grace_given and not self._holder_alive():
                    # The holder died (kill -9) but a child it was forking still has the
                    # lock's file description until its exec closes it: a moment, longer
                    # on a loaded machine. Wait for that instead of refusing.
                    grace_given = True
                    deadline = time.monotonic() + DEAD_HOLDER_GRACE
                if time.monotonic() >= deadline:
                    os.close(fd)
                    holder = self._read_holder() or "another process"
                    raise StateError(
                        f"state directory is in use by {holder}; open it read-only or wait",
                        Location(str(self.path)),
                    ) from None
                time.sleep(0.05)
        self._lock_fd = fd
        record = f"pid {os.getpid()}\n".encode()
        try:  # who holds it, for the message others get; overwrite first: a full disk
            os.pwrite(fd, record, 0)  # has no room for a new block, but the old one is ours
            os.ftruncate(fd, len(record))
        except OSError:
            pass  # only informational: the flock is what excludes other writers

    def _holder_alive(self) -> bool:
        """Is the process named in the lock file (``pid N``) still running?"""
        holder = self._read_holder() or ""
        try:
            pid = int(holder.split()[1])
        except (IndexError, ValueError):
            return True  # unknown: assume it is
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def _release_lock(self) -> None:
        if self._lock_fd >= 0:
            os.close(self._lock_fd)  # closing drops the flock
            self._lock_fd = -1

    def _load(self, retries: int) -> None:
        for _ in range(retries + 1):
            if self._try_load():
                return
            time.sleep(0.02)
        raise StateError("state changed while reading it; try again", Location(str(self.path)))

    def _try_load(self) -> bool:
        storage = AtomicJSONStorage(self.path / CHECKPOINT_FILE, readonly=True)
        try:
            data = storage.read() or {}
        except ValueError as exc:
            raise StateError(f"checkpoint is unreadable: {exc}", Location(str(storage.path))) from None
        meta = (data.get(META) or {}).get("1", {})
        schema = int(meta.get("schema", SCHEMA_VERSION))
        if schema > SCHEMA_VERSION:
            raise StateError(f"state schema {schema} is newer than this ftl-tui ({SCHEMA_VERSION})")
        while schema < SCHEMA_VERSION:
            data = MIGRATIONS[schema](data)
            schema += 1
        base = int(meta.get("seq", 0))
        tables = {
            name: {int(k): v for k, v in docs.items()} for name, docs in data.items() if name != META
        }
        next_ids = {k: int(v) for k, v in (meta.get("next_ids") or {}).items()}
        for name, docs in tables.items():
            next_ids[name] = max(next_ids.get(name, 1), max(docs, default=0) + 1)
        expect = base + 1
        replayed = 0
        self._torn: list[tuple[Path, int]] = []
        for gen, jpath, records, end in read_journals(self.path):
            for rec in records:
                seq = rec["s"]
                if seq <= base:
                    continue
                if seq != expect:
                    return False  # a checkpoint removed journals under us: re-read
                _apply(tables, next_ids, rec["ops"])
                expect += 1
                replayed += 1
            self._torn.append((jpath, end))
            self._gen = gen
        if self.readonly and self._checkpoint_seq_on_disk() != base:
            return False  # the writer checkpointed while we read: read again
        self._tables, self._next_ids, self._seq = tables, next_ids, expect - 1
        self._checkpoint_seq = base
        self._schema_on_disk = int(meta.get("schema", SCHEMA_VERSION))
        self.replayed = replayed
        return True

    def _checkpoint_seq_on_disk(self) -> int:
        """The checkpoint's seq, read from its tail cheaply (``_meta`` is written last)."""
        try:
            with open(self.path / CHECKPOINT_FILE, "rb") as fh:
                fh.seek(max(0, fh.seek(0, 2) - 4096))
                tail = fh.read()
        except FileNotFoundError:
            return 0
        i = tail.rfind(b'"_meta"')
        if i < 0:
            return -1
        import json as _json

        try:
            meta = _json.loads(tail[i + len(b'"_meta":'):-1])
        except ValueError:
            return -1
        return int(meta.get("1", {}).get("seq", 0))

    def _start_writing(self) -> None:
        for jpath, end in self._torn:  # cut torn tails so no garbage sits mid-history
            try:
                if jpath.stat().st_size > end:
                    with open(jpath, "r+b") as fh:
                        fh.truncate(end)
                        os.fsync(fh.fileno())
            except FileNotFoundError:
                continue
        # The committer thread needs the GIL after each write/fsync; with the default
        # 5 ms switch interval a busy event loop makes every commit wait ~5 ms for it.
        # 1 ms keeps commit latency near the disk's fsync cost (process-wide setting).
        if sys.getswitchinterval() > GIL_SWITCH_INTERVAL:
            sys.setswitchinterval(GIL_SWITCH_INTERVAL)
        gen = getattr(self, "_gen", 0) + 1
        self._writer = JournalWriter(self.path, gen, on_batch=self._after_batch, on_failure=self._after_failure)
        self._writer.start()
        for sub in ("logs", "archive"):
            (self.path / sub).mkdir(exist_ok=True, mode=DIR_MODE)
        if self._schema_on_disk != SCHEMA_VERSION or not (self.path / CHECKPOINT_FILE).exists():
            self.checkpoint()  # a migrated or brand-new state is written out before use
        elif self.replayed:  # fold the replayed journal in without delaying start-up
            self._checkpointing = True
            threading.Thread(target=self._background_checkpoint, daemon=True).start()

    # -- writing ----------------------------------------------------------------------
    def table(self, name: str) -> Table:
        return Table(self, name)

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        if self.readonly or self._writer is None:
            raise StateError(
                f"state directory opened read-only (in use by {self.lock_holder or 'another process'})",
                Location(str(self.path)),
            )
        writer = self._writer
        with self._lock:
            tx = Transaction(self)
            try:
                yield tx
                if tx.ops:
                    seq = self._seq + 1
                    tx.ticket = writer.submit(seq, {"s": seq, "ops": tx.ops})
            except BaseException:
                _undo(self._tables, tx.undo)  # nothing of a failed body stays in memory
                raise
            if tx.ops:
                self._seq, self._last_ticket = seq, tx.ticket
                self._uncommitted.append((seq, tx.undo))

    def flush(self) -> None:
        if self._writer is not None:
            self._writer.flush()

    def _after_batch(self, n: int, last_seq: int) -> None:
        """Committer thread: records up to ``last_seq`` are durable; forget their undo."""
        pending = self._uncommitted
        while pending and pending[0][0] <= last_seq:
            pending.popleft()
        self._since_checkpoint += n
        if self._since_checkpoint >= CHECKPOINT_EVERY and not self._checkpointing:
            self._checkpointing = True
            self._since_checkpoint = 0
            threading.Thread(target=self._background_checkpoint, daemon=True).start()

    def _after_failure(self, first_seq: int, error: BaseException) -> list[Any]:
        """Committer thread: records from ``first_seq`` on failed; undo them in memory.

        Runs before any failed ticket is resolved, so a caller that sees the error
        also sees the state without its change. Records queued behind the failed
        batch were built on top of it: they fail too and are undone with it."""
        assert self._writer is not None
        with self._lock:
            taken = self._writer.take_pending()
            while self._uncommitted and self._uncommitted[-1][0] >= first_seq:
                _undo(self._tables, self._uncommitted.pop()[1])  # newest record first
            self._seq = first_seq - 1  # the journal continues without a gap
            self._last_ticket = DONE  # everything before first_seq is committed
        return taken

    def _background_checkpoint(self) -> None:
        try:
            self.checkpoint()
        except (StateError, OSError):
            pass  # kept in checkpoint_error; the journal still holds everything committed
        finally:
            self._checkpointing = False

    def checkpoint(self) -> None:
        """Write the whole state atomically and drop the journal generations it covers.

        Raises :class:`StateError` (also kept in ``checkpoint_error``) when it cannot:
        nothing is lost, the journal generations stay until a checkpoint succeeds."""
        assert self._writer is not None
        with self._ckpt_lock:
            try:
                self._checkpoint_locked()
            except OSError as exc:
                self.checkpoint_error = StateError(f"cannot write a checkpoint: {exc.strerror or exc}",
                                                   Location(str(self.path)))
                raise self.checkpoint_error from None
            except StateError as exc:
                self.checkpoint_error = exc
                raise
            self.checkpoint_error = None

    def _checkpoint_locked(self) -> None:
        assert self._writer is not None
        with self._lock:
            seq = self._seq
            last = self._last_ticket
            snap = {name: dict(docs) for name, docs in self._tables.items()}
            next_ids = dict(self._next_ids)
            new_gen = self._writer.rotate()
        # The snapshot holds changes not yet committed: it may be written only once the
        # last of them is (a failed one is undone in memory, and must not be on disk).
        last.wait()
        meta = {"1": {"schema": SCHEMA_VERSION, "seq": seq, "next_ids": next_ids, "ts": time.time()}}
        atomic_write(self.path / CHECKPOINT_FILE, _serialize(snap, meta))
        self._checkpoint_seq = seq
        for gen, jpath in journal_files(self.path):
            if gen < new_gen:  # every record in it has seq <= the snapshot's seq
                jpath.unlink(missing_ok=True)

    # -- files beside the database -------------------------------------------------
    def log_path(self, key: str | int) -> Path:
        return Path(f"{self.path}/logs/{key}.jsonl")

    def archive_path(self, table: str) -> Path:
        return self.path / "archive" / f"{table}.jsonl"

    def close(self) -> None:
        """Checkpoint (if the disk lets us), stop the committer thread, release the lock.

        Never raises for a failed commit or checkpoint: each failed write was already
        reported to whoever waited on it, and everything committed is in the journal,
        replayed at the next open."""
        writer = self._writer
        try:
            if writer is not None:
                try:
                    writer.flush()
                except StateError:
                    pass  # undone in memory; its waiter was told
                try:
                    self.checkpoint()
                except StateError:
                    pass  # kept in checkpoint_error
        finally:
            if writer is not None:
                writer.close()
                self._writer = None
            self._release_lock()

    def __enter__(self) -> StateStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
