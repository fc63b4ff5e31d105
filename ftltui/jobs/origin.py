"""The inventory a job was queued with: recorded in its spec, checked when it runs again.

A retry or requeue is a re-run of *that* job, on *its* hosts. Its pattern must resolve in
the inventory the job was queued with, never in whatever inventory the retrying process
happens to have: a prod job retried from a shell whose ansible.cfg points at staging
would run on other machines, and one retried against the bundled demo inventory matched
nothing and "succeeded" on no host (hR finding 3). So :meth:`JobQueue.enqueue` stores the
sources in ``spec["inventory"]``, a re-run keeps them, and both the re-run's submission
(:func:`ftltui.jobs.again.enqueue_again`) and the job kinds when the job starts refuse an
inventory with other sources. Jobs stored before this have no sources: nothing to check.
"""

from __future__ import annotations

import os
from typing import Any

SPEC_KEY = "inventory"


def source_key(source: str) -> str:
    """A source compared across processes and working directories: a path made absolute
    (symlinks resolved), a ``host1,host2`` list as given (``api.operations.inventory_key``)."""
    return source if "," in source else os.path.realpath(source)


def sources_of(inventory: Any) -> list[str] | None:
    """The comparable sources of a loaded inventory; ``None`` for one built in memory."""
    sources = getattr(inventory, "sources", None) if inventory is not None else None
    return [source_key(str(s)) for s in sources] if sources else None


def mismatch(spec: dict[str, Any], inventory: Any, job_id: int | None = None) -> str | None:
    """Why ``spec``'s job may not run on ``inventory`` (the message to show), else ``None``."""
    stored = spec.get(SPEC_KEY)
    now = sources_of(inventory)
    if not stored or now is None or sorted(stored) == sorted(now):
        return None
    which = f"job {job_id}" if job_id is not None else "this job"
    return (f"{which} was queued with inventory {', '.join(stored)}, but this process has "
            f"{', '.join(now)}: a retry or requeue runs only on the job's own hosts, from its own "
            f"inventory; run it with -i {' -i '.join(stored)} (or from a console/daemon opened on it)")
