"""Job records as ``ftl-tui jobs list/show --json`` print them, for both faces.

The ``jobs`` command (owning or read-only) and the API server (for its clients) build
the same rows from the same store, so a client prints exactly what an owner prints.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ftltui.errors import StateError


def job_rows(docs: Iterable[Any], states: Sequence[str] | None) -> list[dict[str, Any]]:
    """Rows of ``jobs list``, by id; ``states`` filters on the shown or the stored state."""
    from ftltui.jobs.describe import effective_state

    rows = []
    for d in sorted(docs, key=lambda d: d.doc_id):
        shown, note = effective_state(d)
        if states and shown not in states and d.get("state") not in states:
            continue
        rows.append({"id": d.doc_id, "state": shown, "stored_state": d.get("state"), "state_note": note,
                     "kind": d.get("kind"), "title": d.get("title"), "attempts": d.get("attempts", 0),
                     "progress": d.get("progress"), "updated": d.get("updated"), "reason": d.get("reason", "")})
    return rows


def job_record(store: Any, job_id: int, *, archive: bool = False) -> dict[str, Any]:
    """The record of ``jobs show --json``: the job with its attempts and its shown state.

    ``archive``: a job no longer in the live store is looked up in the archive file (a
    file read: for the CLI's own process, not an owner's loop; issue 16)."""
    from ftltui.jobs.describe import effective_state

    found = store.table("jobs").get(job_id)
    if found is None and archive:
        from ftltui.jobs.archive import find_archived

        archived = find_archived(store.archive_path("jobs"), job_id)
        if archived is not None:
            doc = {**archived, "id": job_id, "archived": True}
            doc["attempt_records"] = sorted(doc.get("attempt_records") or [], key=lambda a: a.get("number", 0))
            shown, note = effective_state(doc)
            doc["stored_state"], doc["state"], doc["state_note"] = doc["state"], shown, note
            return doc
    if found is None:
        raise StateError(f"no job {job_id} (see `ftl-tui jobs list`)")
    doc = dict(found)
    doc["id"] = job_id
    doc["attempt_records"] = sorted((dict(a) for a in store.table("attempts").search(
        lambda a: a.get("job_id") == job_id)), key=lambda a: a["number"])
    shown, note = effective_state(doc)
    doc["stored_state"], doc["state"], doc["state_note"] = doc["state"], shown, note
    return doc
