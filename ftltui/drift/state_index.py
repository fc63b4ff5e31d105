"""The snapshot index on the state layer's generic tables (``ftltui.state``).

Snapshot records and baselines are small documents keyed by a string; the state store
gives them durability (fsynced journal) and one writer per state directory. Keys live
in a ``key`` field; a per-table key -> doc id map avoids a scan per lookup.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ftltui.state import StateStore


class StateTableIndex:
    def __init__(self, state: StateStore, *, owned: bool = False) -> None:
        self.state = state
        self.owned = owned  # close the store when we opened it
        self._ids: dict[str, dict[str, int]] = {}

    @classmethod
    def open(cls, state_dir: Path, *, readonly: bool = False, wait: float | None = 2.0) -> StateTableIndex:
        return cls(StateStore.open(state_dir, readonly=readonly, wait=None if readonly else wait), owned=True)

    def _map(self, table: str) -> dict[str, int]:
        m = self._ids.get(table)
        if m is None:
            m = {str(d.get("key")): d.doc_id for d in self.state.table(table).all()}
            self._ids[table] = m
        return m

    def put(self, table: str, key: str, record: dict[str, Any]) -> None:
        m = self._map(table)
        doc = {"key": key, **record}
        t = self.state.table(table)
        if key not in m:
            self._ids.pop(table, None)  # another writer may have added it: look again
            m = self._map(table)
        if key in m:
            t.update(m[key], doc)
        else:
            m[key] = t.insert(doc)

    def get(self, table: str, key: str) -> dict[str, Any] | None:
        doc_id = self._map(table).get(key)
        doc = self.state.table(table).get(doc_id) if doc_id is not None else None
        return _strip(doc) if doc is not None else None

    def all(self, table: str) -> list[dict[str, Any]]:
        return [_strip(d) for d in self.state.table(table).all()]

    def delete(self, table: str, key: str) -> None:
        self._ids.pop(table, None)
        doc_id = self._map(table).pop(key, None)
        if doc_id is not None:
            self.state.table(table).remove(doc_id)

    def close(self) -> None:
        if self.owned:
            self.state.close()


def _strip(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k != "key"}


class FrozenIndex:
    """A read-only copy of some index tables, taken on the event loop.

    The console builds drift reports in a thread (loading and diffing snapshots takes
    up to a second on big fleets); the live index is the state store's in-memory
    tables, which a scan job may be writing at that moment on the loop. The thread
    reads this copy instead: a consistent view as of the moment the report was asked for."""

    def __init__(self, tables: dict[str, dict[str, dict[str, Any]]]) -> None:
        self._tables = tables

    @classmethod
    def of(cls, index: StateTableIndex, tables: tuple[str, ...]) -> FrozenIndex:
        return cls({t: {str(d.get("key")): _strip(d) for d in index.state.table(t).all()} for t in tables})

    def put(self, table: str, key: str, record: dict[str, Any]) -> None:
        raise TypeError("a frozen index is read-only")

    def get(self, table: str, key: str) -> dict[str, Any] | None:
        rec = self._tables.get(table, {}).get(key)
        return dict(rec) if rec is not None else None

    def all(self, table: str) -> list[dict[str, Any]]:
        return [dict(r) for r in self._tables.get(table, {}).values()]

    def delete(self, table: str, key: str) -> None:
        raise TypeError("a frozen index is read-only")
