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
