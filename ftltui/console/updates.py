"""The typed feed of view updates: what a face (console, CLI, API client) shows.

Built from the domain events (queue transitions, engine events inside ``JobOutput``,
playbook and drift events) by :class:`ftltui.console.feed.ViewFeed`, so a face matches
on these few classes instead of walking the engine's event types. Text fields hold the
remote text as it came (already redacted by the engine and the job); a face that draws
them strips escapes itself (``safe_text``), as each face has its own width and markup.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

from ftltui.engine.events import HostResult
from ftltui.jobs.model import Job
from ftltui.jobs.play_record import PlayRecord
from ftltui.playbook.events import PlaybookEvent
from ftltui.vault.needs import VaultNeed

# job states after which a face says what happened to the job (a note in the log)
NOTED_STATES = frozenset({"succeeded", "failed", "cancelled", "dead", "retry_wait"})


@dataclass(frozen=True, slots=True)
class JobChanged:
    """A job's record changed (``job`` is the live record, ``None`` when it is gone).

    ``state`` is set when the change was a committed transition, empty for progress."""

    job_id: int
    job: Job | None
    state: str = ""
    reason: str = ""
    # the vault ids its run lacked a password for (or had a wrong one for), noted where the
    # decryption failed (:mod:`ftltui.vault.needs`): a face asks for these, never for an id
    # read out of ``reason``, which may carry a host's text; set on its failure only
    vault_needs: tuple[VaultNeed, ...] = ()

    @property
    def noted(self) -> bool:
        """A transition worth a line in the log (finished, or waiting for a retry)."""
        return self.state in NOTED_STATES


@dataclass(frozen=True, slots=True)
class StepChanged:
    """A workflow step moved to ``state``."""

    job_id: int
    step: str
    state: str
    reason: str = ""


@dataclass(frozen=True, slots=True)
class QueueProblem:
    """The queue could not record something (a full state disk); ``job_id`` 0 = no job."""

    job_id: int
    message: str
    retrying: bool


@dataclass(frozen=True, slots=True)
class RunBegan:
    """A module run of a job started on ``host_count`` hosts (``step``: the workflow step)."""

    job_id: int
    module: str
    host_count: int
    check: bool
    step: str | None = None


@dataclass(frozen=True, slots=True)
class OutputText:
    """One line a host printed while a module ran."""

    job_id: int
    host: str
    stream: str
    text: str
    step: str | None = None


@dataclass(frozen=True, slots=True)
class HostProgress:
    """A host of a job started (``running``) or finished (``result`` set, ``status`` its status)."""

    job_id: int
    host: str
    status: str
    result: HostResult | None = None
    module: str = ""
    step: str | None = None


@dataclass(frozen=True, slots=True)
class HostWarning:
    """A warning of a run (``host`` empty when it is about the run)."""

    job_id: int
    host: str
    text: str


@dataclass(frozen=True, slots=True)
class PlaybookProgress:
    """An event of a playbook job; ``record`` is the job's play -> task -> host matrix, updated."""

    job_id: int
    event: PlaybookEvent
    record: PlayRecord


@dataclass(frozen=True, slots=True)
class DriftHostScanned:
    """A drift scan job stored one host's snapshot (``ok``) or could not."""

    job_id: int
    host: str
    ok: bool


@dataclass(frozen=True, slots=True)
class DriftChanged:
    """The stored drift may differ now (a scan finished, a baseline was pinned, drift accepted)."""

    reason: str


@dataclass(frozen=True, slots=True)
class InventoryReloaded:
    """The session runs on a new inventory of ``host_count`` hosts (``first``: the first one)."""

    host_count: int
    first: bool


@dataclass(frozen=True, slots=True)
class OwnerNotice:
    """An attached session's word about the owner it is a client of (pid ``pid``):
    ``lost`` when the owner is gone (nothing more will arrive; the face offers to take
    over), else a notice such as "the view fell behind and was re-read"."""

    pid: int
    message: str
    lost: bool = False


@dataclass(frozen=True, slots=True)
class PauseWaiting:
    """Job ``job_id`` waits at a ``pause`` (issue 15; ftltui.console.pauses): a prompt
    (``seconds`` None) or a timed pause ending at ``ends_at`` (epoch seconds). ``private``:
    the answer is a secret (a password input). ``prompt`` is remote text: plain, never markup.
    ``held``: an operator stopped a timed pause's clock (ctrl+C in ``ftl-tui play``): it
    waits for continue or abort with no end (``ends_at`` None), so no face counts down."""

    job_id: int
    host: str
    task: str
    prompt: str
    seconds: int | None
    private: bool
    ends_at: float | None = None
    custom_prompt: bool = False
    held: bool = False

    @property
    def timed(self) -> bool:
        return self.seconds is not None

    def seconds_left(self, now: float) -> int | None:
        return None if self.ends_at is None else max(0, int(round(self.ends_at - now)))

    def describe(self, now: float) -> str:
        """One line for ``jobs show``/``jobs list`` and a bar: what the job waits for."""
        if self.held:
            return f"waits at pause [{self.task}]: held, until continued or aborted"
        if self.timed:
            return f"waits at pause [{self.task}]: {self.seconds_left(now)} seconds left"
        return f"waits at pause [{self.task}]: {self.prompt}{' (private)' if self.private else ''}"


@dataclass(frozen=True, slots=True)
class PauseEnded:
    """Job ``job_id``'s pause ended (``answered``, ``continued``, ``timed_out``, ``aborted``,
    ``cancelled``; never the answer)."""

    job_id: int
    action: str


ViewUpdate = Union[JobChanged, StepChanged, QueueProblem, RunBegan, OutputText, HostProgress, HostWarning,
                   PlaybookProgress, DriftHostScanned, DriftChanged, InventoryReloaded, OwnerNotice,
                   PauseWaiting, PauseEnded]
