"""What the session's operations return: records a face prints, never formats again.

``message`` is the one sentence the console, the CLI and the API say about the outcome,
so they say the same thing; ``done`` tells a face whether it is news or a warning.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from ftltui.jobs.model import Job


@dataclass(frozen=True)
class JobActionResult:
    """The outcome of cancel, retry, rerun, requeue or purge on job ``job_id``.

    ``new_job`` is the job a retry/rerun/requeue queued (``None`` otherwise);
    ``needs_secrets``: a re-run refused only for the secrets the job had, which are never
    stored (their kinds: ``become_password``, ``arg:NAME``, ...): the face asks for them
    and acts again with them (:class:`ftltui.jobs.again.GivenSecrets`)."""

    action: str
    job_id: int
    done: bool
    message: str
    new_job: Job | None = None
    needs_secrets: tuple[str, ...] = ()


@dataclass(frozen=True)
class BaselinePinned:
    """Hosts whose latest snapshot is now their drift baseline (empty: nothing scanned yet)."""

    hosts: tuple[str, ...]

    @property
    def message(self) -> str:
        return f"baseline pinned for {len(self.hosts)} host(s)" if self.hosts else "no snapshot to pin: scan first (s)"


@dataclass(frozen=True)
class BaselineRequest:
    """``ftl-tui drift baseline``: pin (or ``clear``) the baselines of ``hosts`` (each
    host's latest snapshot, or ``snapshot``), or of ``group`` (``snapshot`` required).
    Host names, not a pattern: the face resolves its pattern with its own inventory, so an
    owner with another inventory pins exactly the hosts the command named."""

    hosts: tuple[str, ...] = ()
    group: str | None = None
    snapshot: str | None = None
    clear: bool = False

    def to_dict(self) -> dict[str, object]:
        return {"hosts": list(self.hosts), "group": self.group, "snapshot": self.snapshot, "clear": self.clear}


@dataclass(frozen=True)
class BaselinePin:
    """One baseline as it is now: ``snapshot`` pinned for host or group ``name`` ("" cleared)."""

    scope: str
    name: str
    snapshot: str

    def to_dict(self) -> dict[str, str]:
        return {"scope": self.scope, "name": self.name, "snapshot": self.snapshot}

    @property
    def message(self) -> str:
        return f"{self.scope} {self.name}: " + (f"baseline {self.snapshot}" if self.snapshot else "baseline cleared")


@dataclass(frozen=True)
class DriftAccepted:
    """How many changes were accepted (appended as exact entries to the ignore file)."""

    changes: int

    @property
    def message(self) -> str:
        return f"accepted {self.changes} change(s)" if self.changes else "nothing to accept"



class ConnectionCount(NamedTuple):
    """SSH connections the session's engine holds open, and jump hosts carrying tunnels."""

    connections: int
    tunnels: int
