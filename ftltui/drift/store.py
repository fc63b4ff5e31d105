"""Snapshot persistence: immutable index records + content-addressed resource files.

A snapshot is split in two. The small index record (:class:`SnapshotMeta`: id, host,
time, collector version, content hash, count) goes through an :class:`IndexBackend`;
the resources (thousands per host) go to ``<state>/snapshots/objects/<sha256>.json.gz``,
named by the hash of their canonical JSON, so an unchanged host costs no new content
and nothing large ever enters the TinyDB file. Records are never updated: a new scan
is a new record. Baselines (host or group -> snapshot id) and each host's last failed
scan (host -> time and reason) are the mutable part.

The default backend writes one JSON file per record under ``<state>/snapshots/index/``
(atomic create, no locking needed because records are immutable). When the state
store is used (:func:`open_store`), records go through its generic tables instead.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import threading
import weakref
import zlib
from pathlib import Path
from typing import Any, Iterable, Protocol

from ftltui.drift.diff import CONTENT_FIELD, CONTENT_REF
from ftltui.drift.model import Resource, Snapshot, SnapshotMeta
from ftltui.errors import StateError
from ftltui.state.storage import atomic_write


class IndexBackend(Protocol):
    def put(self, table: str, key: str, record: dict[str, Any]) -> None: ...
    def get(self, table: str, key: str) -> dict[str, Any] | None: ...
    def all(self, table: str) -> list[dict[str, Any]]: ...
    def delete(self, table: str, key: str) -> None: ...


def _private_dir(path: Path) -> None:
    """Snapshots hold file contents (sudoers, configs): every directory made here is 0700."""
    if path.is_dir():
        return
    _private_dir(path.parent)
    path.mkdir(mode=0o700, exist_ok=True)


def _atomic_write(path: Path, data: bytes, *, durable: bool = True) -> None:
    """:func:`ftltui.state.storage.atomic_write` in a private (0700) directory."""
    _private_dir(path.parent)
    atomic_write(path, data, durable=durable)


class JsonFilesIndex:
    """One JSON file per record: ``<root>/<table>/<key>.json``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, table: str, key: str) -> Path:
        safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in key)
        return self.root / table / f"{safe}.json"

    def put(self, table: str, key: str, record: dict[str, Any]) -> None:
        _atomic_write(self._path(table, key), json.dumps(record, sort_keys=True).encode())

    def get(self, table: str, key: str) -> dict[str, Any] | None:
        p = self._path(table, key)
        try:
            return json.loads(p.read_text())
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise StateError(f"{p}: unreadable snapshot record ({exc})") from None

    def all(self, table: str) -> list[dict[str, Any]]:
        d = self.root / table
        if not d.is_dir():
            return []
        out = []
        for p in sorted(d.glob("*.json")):
            try:
                out.append(json.loads(p.read_text()))
            except (OSError, ValueError) as exc:
                raise StateError(f"{p}: unreadable snapshot record ({exc})") from None
        return out

    def delete(self, table: str, key: str) -> None:
        self._path(table, key).unlink(missing_ok=True)


def canonical_json(resources: Iterable[Resource]) -> bytes:
    rows = sorted((r.to_dict() for r in resources), key=lambda d: (d["type"], d["id"]))
    return json.dumps(rows, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def snapshot_id(host: str, time: float, content_hash: str) -> str:
    """Deterministic id: the same host, time and content always name the same snapshot."""
    return "s" + hashlib.sha256(f"{host}\0{time!r}\0{content_hash}".encode()).hexdigest()[:12]


class SnapshotStore:
    """Save, list and load snapshots; pin baselines."""

    SNAPSHOTS = "drift_snapshots"
    BASELINES = "drift_baselines"
    FAILURES = "drift_scan_failures"  # host -> its last failed scan; newer than its latest snapshot = current
    TABLES = (SNAPSHOTS, BASELINES, FAILURES)

    def __init__(self, state_dir: str | Path, index: IndexBackend | None = None) -> None:
        self.dir = Path(state_dir) / "snapshots"
        self.objects = self.dir / "objects"
        self.index: IndexBackend = index or JsonFilesIndex(self.dir / "index")
        self.blobs = self.objects / "blobs"
        self._metas: list[SnapshotMeta] | None = None
        self._by_id: dict[str, SnapshotMeta] = {}
        self._checked: set[str] = set()  # content hashes whose object file was read back whole

    def close(self) -> None:
        close = getattr(self.index, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> SnapshotStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing -----------------------------------------------------------------
    def save(
        self,
        host: str,
        resources: Iterable[Resource],
        *,
        time: float,
        collector_version: str,
        errors: Iterable[str] = (),
        job_id: str | None = None,
    ) -> SnapshotMeta:
        res = [self._externalize(r) for r in resources]
        blob = canonical_json(res)
        digest = hashlib.sha256(blob).hexdigest()
        obj = self.objects / f"{digest}.json.gz"
        if not self._object_ok(obj, digest):  # a damaged object is rewritten: a rescan heals it
            _atomic_write(obj, gzip.compress(blob, compresslevel=5, mtime=0))
            self._checked.add(digest)
        meta = SnapshotMeta(
            id=snapshot_id(host, time, digest),
            host=host,
            time=time,
            collector_version=collector_version,
            content_hash=digest,
            count=len(res),
            errors=tuple(errors),
            job_id=job_id,
        )
        self.index.put(self.SNAPSHOTS, meta.id, meta.to_dict())
        if self._metas is not None:
            self._metas.append(meta)
            self._by_id[meta.id] = meta
        return meta

    def _object_ok(self, obj: Path, digest: str) -> bool:
        """Whether the content file exists and holds what its name says (checked once per store)."""
        if digest in self._checked:
            return True
        try:
            ok = hashlib.sha256(gzip.decompress(obj.read_bytes())).hexdigest() == digest
        except (OSError, EOFError, zlib.error):
            ok = False
        if ok:
            self._checked.add(digest)
        return ok

    def record_failure(self, host: str, *, time: float, reason: str, job_id: str | None = None) -> None:
        """Remember that scanning ``host`` failed (unreachable, ...): reports list it with the reason."""
        self.index.put(self.FAILURES, host, {"host": host, "time": time, "reason": reason, "job_id": job_id})

    def failures(self) -> dict[str, dict[str, Any]]:
        """host -> its last failed scan (``time``, ``reason``, ``job_id``), current or not."""
        return {str(d["host"]): d for d in self.index.all(self.FAILURES)}

    def _externalize(self, r: Resource) -> Resource:
        """Move a watched file's text into a shared blob; the record keeps its hash.

        The same config file on 50 hosts (and in every scan) is stored once, and the
        snapshot JSON that every report parses stays small.
        """
        text = r.fields.get(CONTENT_FIELD)
        if not isinstance(text, str):
            return r
        data = text.encode("utf-8")
        ref = hashlib.sha256(data).hexdigest()
        path = self.blobs / f"{ref}.gz"
        if not path.exists():  # no fsync: a lost blob only costs a diff ("content unavailable")
            _atomic_write(path, gzip.compress(data, compresslevel=5, mtime=0), durable=False)
        fields = {k: v for k, v in r.fields.items() if k != CONTENT_FIELD}
        fields[CONTENT_REF] = ref
        return Resource(r.type, r.id, fields)

    def content(self, ref: str) -> str | None:
        """The text of a content blob, None if it is missing or damaged."""
        try:
            data = gzip.decompress((self.blobs / f"{ref}.gz").read_bytes())
        except (OSError, EOFError, zlib.error):
            return None
        return data.decode("utf-8") if hashlib.sha256(data).hexdigest() == ref else None

    # -- reading -----------------------------------------------------------------
    def metas(self, host: str | None = None) -> list[SnapshotMeta]:
        """Snapshot records, oldest first (optionally of one host)."""
        if self._metas is None:
            self._metas = [SnapshotMeta.from_dict(d) for d in self.index.all(self.SNAPSHOTS)]
            self._by_id = {m.id: m for m in self._metas}
        out = [m for m in self._metas if host is None or m.host == host]
        out.sort(key=lambda m: (m.time, m.id))
        return out

    def meta(self, snap_id: str) -> SnapshotMeta:
        self.metas()
        if snap_id in self._by_id:
            return self._by_id[snap_id]
        raise StateError(f"no snapshot with id {snap_id!r} (see: ftl-tui drift snapshots)")

    def _rows(self, meta: SnapshotMeta) -> list[dict[str, Any]]:
        obj = self.objects / f"{meta.content_hash}.json.gz"
        try:
            blob = gzip.decompress(obj.read_bytes())
        except (OSError, EOFError, zlib.error) as exc:
            raise StateError(f"{obj}: snapshot content missing or unreadable ({exc})") from None
        if hashlib.sha256(blob).hexdigest() != meta.content_hash:
            raise StateError(f"{obj}: snapshot content does not match its hash")
        return json.loads(blob)

    def load(self, meta_or_id: SnapshotMeta | str) -> Snapshot:
        meta = meta_or_id if isinstance(meta_or_id, SnapshotMeta) else self.meta(meta_or_id)
        out = []
        for r in self._rows(meta):
            fields = r.get("fields") or {}
            if CONTENT_REF in fields:
                fields = {k: v for k, v in fields.items() if k != CONTENT_REF}
                text = self.content(r["fields"][CONTENT_REF])
                if text is not None:
                    fields[CONTENT_FIELD] = text
            out.append(Resource(r["type"], r["id"], fields))
        return Snapshot(meta, tuple(out))

    def load_map(self, meta_or_id: SnapshotMeta | str) -> dict[tuple[str, str], dict[str, Any]]:
        """``{(type, id): fields}`` of a snapshot: what the diff needs, without objects.

        File texts stay behind their ``content_ref`` (see :meth:`content`).
        """
        meta = meta_or_id if isinstance(meta_or_id, SnapshotMeta) else self.meta(meta_or_id)
        return {(r["type"], r["id"]): r.get("fields") or {} for r in self._rows(meta)}

    def latest(self, host: str) -> SnapshotMeta | None:
        ms = self.metas(host)
        return ms[-1] if ms else None

    def previous(self, meta: SnapshotMeta) -> SnapshotMeta | None:
        prior = [m for m in self.metas(meta.host) if (m.time, m.id) < (meta.time, meta.id)]
        return prior[-1] if prior else None

    def at_or_before(self, host: str, when: float) -> SnapshotMeta | None:
        prior = [m for m in self.metas(host) if m.time <= when]
        return prior[-1] if prior else None

    # -- baselines ---------------------------------------------------------------
    def pin(self, scope: str, name: str, snap_id: str) -> None:
        """Pin ``snap_id`` as the baseline of host ``name`` (scope ``host``) or group ``name``."""
        if scope not in ("host", "group"):
            raise ValueError(scope)
        self.meta(snap_id)  # must exist
        self.index.put(self.BASELINES, f"{scope}-{name}", {"scope": scope, "name": name, "snapshot": snap_id})

    def unpin(self, scope: str, name: str) -> None:
        self.index.delete(self.BASELINES, f"{scope}-{name}")

    def baselines(self) -> dict[tuple[str, str], str]:
        return {(d["scope"], d["name"]): d["snapshot"] for d in self.index.all(self.BASELINES)}

    def baseline_for(self, host: str, groups: Iterable[str] = ()) -> tuple[str | None, str]:
        """The pinned baseline of a host: its own, else its first group's; (id, basis)."""
        pins = self.baselines()
        if ("host", host) in pins:
            return pins[("host", host)], "baseline"
        for g in groups:
            if ("group", g) in pins:
                return pins[("group", g)], f"group-baseline:{g}"
        return None, "none"


_SHARED: weakref.WeakKeyDictionary[Any, SnapshotStore] = weakref.WeakKeyDictionary()
_SHARED_LOCK = threading.Lock()


def open_store(state_dir: str | Path, *, state: Any = None, readonly: bool = False) -> SnapshotStore:
    """The store for a state directory, its index on the state layer's tables.

    ``state`` is an already open :class:`ftltui.state.StateStore` (the console and the
    job queue share theirs): every caller then gets the SAME SnapshotStore, so the
    console's cached index sees the snapshots a scan job saves. Otherwise a state store
    is opened (read-only for ``readonly``) and closed by :meth:`SnapshotStore.close`.
    """
    from ftltui.drift.state_index import StateTableIndex

    if state is None:
        return SnapshotStore(state_dir, StateTableIndex.open(Path(state_dir), readonly=readonly))
    with _SHARED_LOCK:
        store = _SHARED.get(state)
        if store is None:
            store = SnapshotStore(state_dir, StateTableIndex(state))
            _SHARED[state] = store
        return store
