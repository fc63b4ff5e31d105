"""What an owner offers its clients: the :class:`OwnerOperations` protocol and its records.

The server (:mod:`ftltui.api.server`) only decodes requests and dispatches them here;
any owner (the daemon, a console, a CLI command that owns the state directory) plugs
in by providing these methods. The set is what the headless commands need: submit a
run / workflow / drift scan, the operator actions on jobs, the job list, a job's live
events and where its log file is. Everything crossing this boundary is JSON-ready
(records as ``docs/events.md`` documents them), because it goes on the wire as is.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from ftltui.api.protocol import E_BAD_REQUEST, ProtocolError

EventSink = Callable[[dict[str, Any]], None]  # receives one JSON-ready event record
Unsubscribe = Callable[[], None]


@dataclass(frozen=True)
class OwnerInfo:
    pid: int
    state_dir: str
    inventory: tuple[str, ...] = ()  # the sources the owner's engine was built from
    readonly: bool = False  # the owner itself refuses writes (``--readonly`` owners)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "inventory": list(self.inventory)}


@dataclass(frozen=True)
class JobRef:
    """A job an operation created or changed, as the client prints it."""

    id: int
    state: str
    title: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class JobEnd:
    """A job's final word, for a client that streamed it (exit status is computed from it)."""

    id: int
    state: str
    reason: str = ""
    error_kind: str | None = None
    steps: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def inventory_key(source: str) -> str:
    """An inventory source compared across processes: paths made absolute, host lists as given."""
    return source if "," in source else os.path.realpath(source)


def _arg(args: dict[str, Any], name: str, types: tuple[type, ...], default: Any = None,
         required: bool = False) -> Any:
    """One request argument, type-checked (bytes from another process are never trusted)."""
    if name not in args or args[name] is None:
        if required:
            raise ProtocolError(E_BAD_REQUEST, f"argument {name!r} is missing")
        return default
    value = args[name]
    if isinstance(value, bool) and bool not in types:
        raise ProtocolError(E_BAD_REQUEST, f"argument {name!r}: expected {types[0].__name__}, got bool")
    if not isinstance(value, types):
        raise ProtocolError(E_BAD_REQUEST, f"argument {name!r}: expected {types[0].__name__}, "
                                           f"got {type(value).__name__}")
    return value


def job_id_arg(args: dict[str, Any]) -> int:
    value = _arg(args, "id", (int,), required=True)
    if value < 1:
        raise ProtocolError(E_BAD_REQUEST, f"argument 'id': expected a job id of at least 1, got {value}")
    return int(value)


@dataclass(frozen=True)
class RunRequest:
    """``ftl-tui run PATTERN MODULE -a ARGS [-C] [--timeout S] [-f N]`` as a job of the owner
    (``forks``: the job's own bound on hosts at once; none: the owner's engine's)."""

    pattern: str
    module: str
    args: dict[str, Any] = field(default_factory=dict)
    check: bool = False
    timeout: float | None = None
    forks: int | None = None
    # the client waits for the result (``ftl-tui run``/``play``, not --detach): the job is
    # cancelled, never started later, if its owner stops or dies before it starts (Job.foreground)
    foreground: bool = False

    @classmethod
    def from_args(cls, a: dict[str, Any]) -> RunRequest:
        timeout = _arg(a, "timeout", (int, float))
        if timeout is not None and not 0 < timeout < float("inf"):
            raise ProtocolError(E_BAD_REQUEST, f"argument 'timeout': expected seconds above 0, got {timeout}")
        forks = _arg(a, "forks", (int,))
        if forks is not None and forks < 1:
            raise ProtocolError(E_BAD_REQUEST, f"argument 'forks': expected at least 1, got {forks}")
        return cls(_arg(a, "pattern", (str,), required=True), _arg(a, "module", (str,), required=True),
                   _arg(a, "args", (dict,), {}), _arg(a, "check", (bool,), False), timeout, forks,
                   _arg(a, "foreground", (bool,), False))


@dataclass(frozen=True)
class WorkflowRequest:
    """``ftl-tui play WORKFLOW.yml [-e ..] [-C]``: a workflow file the owner can read."""

    file: str
    vars: dict[str, Any] = field(default_factory=dict)
    check: bool = False
    # the client waits for the result (``ftl-tui run``/``play``, not --detach): the job is
    # cancelled, never started later, if its owner stops or dies before it starts (Job.foreground)
    foreground: bool = False

    @classmethod
    def from_args(cls, a: dict[str, Any]) -> WorkflowRequest:
        return cls(_arg(a, "file", (str,), required=True), _arg(a, "vars", (dict,), {}),
                   _arg(a, "check", (bool,), False), _arg(a, "foreground", (bool,), False))


@dataclass(frozen=True)
class DriftScanRequest:
    """``ftl-tui drift scan PATTERN`` as a job of the owner."""

    pattern: str

    @classmethod
    def from_args(cls, a: dict[str, Any]) -> DriftScanRequest:
        return cls(_arg(a, "pattern", (str,), required=True))


@dataclass(frozen=True)
class PlaybookRequest:
    """``ftl-tui play site.yml`` as a job of the owner: the file, the stored play options
    (:data:`ftltui.jobs.playbook_kind.OPTION_FIELDS`) and the client's role/collection paths."""

    file: str
    options: dict[str, Any] = field(default_factory=dict)
    roles_path: tuple[str, ...] = ()
    collections_paths: tuple[str, ...] = ()
    # the client waits for the result (``ftl-tui run``/``play``, not --detach): the job is
    # cancelled, never started later, if its owner stops or dies before it starts (Job.foreground)
    foreground: bool = False
    # ``vars_prompt`` answers the client asked on its terminal (by name), and which of them are
    # private: job secrets, masked in the store, logs and events, as the console's play form's
    answers: dict[str, str] | None = field(default=None, repr=False)
    private: tuple[str, ...] = ()

    @classmethod
    def from_args(cls, a: dict[str, Any]) -> PlaybookRequest:
        paths = {}
        for name in ("roles_path", "collections_paths"):
            value = _arg(a, name, (list,), [])
            if not all(isinstance(v, str) for v in value):
                raise ProtocolError(E_BAD_REQUEST, f"argument {name!r}: expected a list of paths")
            paths[name] = tuple(value)
        answers = _arg(a, "answers", (dict,), None)
        private = _arg(a, "private", (list,), [])
        if answers is not None and not all(isinstance(k, str) and isinstance(v, str) for k, v in answers.items()):
            raise ProtocolError(E_BAD_REQUEST, "argument 'answers': expected an object of strings")  # never echoed
        if not all(isinstance(n, str) for n in private):
            raise ProtocolError(E_BAD_REQUEST, "argument 'private': expected a list of prompt names")
        return cls(_arg(a, "file", (str,), required=True), _arg(a, "options", (dict,), {}), **paths,
                   foreground=_arg(a, "foreground", (bool,), False), answers=answers, private=tuple(private))


class OwnerOperations(Protocol):
    """The owner's side of the API. Methods raise :class:`ProtocolError` with
    ``not_found``/``bad_request``/``failed`` for the client to see; an
    :class:`ftltui.errors.FtlError` is reported as ``failed`` with its message."""

    def info(self) -> OwnerInfo: ...

    def list_jobs(self, states: Sequence[str]) -> list[dict[str, Any]]:
        """Rows as ``ftl-tui jobs list --json`` prints them (all jobs when ``states`` is empty)."""
        ...

    def show_job(self, job_id: int) -> dict[str, Any]:
        """The record ``ftl-tui jobs show ID --json`` prints."""
        ...

    async def submit_run(self, request: RunRequest) -> JobRef: ...

    async def submit_workflow(self, request: WorkflowRequest) -> JobRef: ...

    async def submit_drift_scan(self, request: DriftScanRequest) -> JobRef: ...

    async def submit_playbook(self, request: PlaybookRequest) -> JobRef: ...

    async def cancel_job(self, job_id: int) -> JobRef: ...

    async def requeue_job(self, job_id: int) -> JobRef: ...

    async def purge_jobs(self, older_than: float) -> int: ...

    def subscribe_job(self, job_id: int, sink: EventSink) -> Unsubscribe:
        """Call ``sink`` with every later event of the job (synchronously, from the owner's
        loop: the sink must be cheap and must not raise)."""
        ...

    async def wait_job(self, job_id: int) -> JobEnd:
        """Until the job is finished (returns at once if it is)."""
        ...

    def log_path(self, job_id: int) -> Path:
        """The job's log file (JSON lines), complete and on disk."""
        ...

    def job_finished(self, job_id: int) -> bool: ...
