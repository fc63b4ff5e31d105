"""What a playbook run reports, in order: the text output (ansible-playbook's shape), the
``--json`` stream, the job store and the console's play → task → host matrix all read
these and nothing else.

Every text and result in an event has already been through the run's redactor, and
``no_log`` results are already replaced by Ansible's censored form.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Literal

from ftltui.engine.events import EventRecord

SCHEMA_VERSION = 1

TaskStatus = Literal["ok", "changed", "failed", "unreachable", "skipped"]


@dataclass(frozen=True)
class PlaybookEvent(EventRecord):
    ts: float = field(default_factory=time.time, kw_only=True)


@dataclass(frozen=True)
class PlaybookStarted(PlaybookEvent):
    path: str
    check: bool = False
    diff: bool = False


@dataclass(frozen=True)
class PlayStarted(PlaybookEvent):
    """``PLAY [label]``; ``hosts`` are the hosts of this batch (``serial``), in order."""

    index: int  # 0-based, across import_playbook
    label: str
    hosts: tuple[str, ...]
    location: str  # "file:line"
    free: bool = False  # strategy free: each host runs at its own pace; TASK banners come with results


@dataclass(frozen=True)
class NoHostsMatched(PlaybookEvent):
    """``skipping: no hosts matched`` for a play."""

    play: int


@dataclass(frozen=True)
class TaskStarted(PlaybookEvent):
    """``TASK [label]`` / ``RUNNING HANDLER [label]``. ``task_id`` is unique in the run
    (the matrix's column); ``path`` is "file:line" of the task."""

    play: int
    task_id: str
    label: str
    action: str
    path: str
    handler: bool = False


@dataclass(frozen=True)
class HostTaskResult(PlaybookEvent):
    """One host's outcome of one task (after changed_when/failed_when/until/ignore_*).

    ``items`` holds per-item results for a loop (each a dict in Ansible's shape with
    ``item``/``ansible_loop_var``, already reported by :class:`ItemResult` as they came);
    ``ignored`` is true when the failure was ignored (``...ignoring``);
    ``delegated_to`` names the host the module ran on when it was delegated."""

    play: int
    task_id: str
    host: str
    status: TaskStatus
    result: dict[str, Any]
    ignored: bool = False
    delegated_to: str | None = None


@dataclass(frozen=True)
class ItemResult(PlaybookEvent):
    """One loop item's outcome, as it finishes (``ok: [host] => (item=x)``)."""

    play: int
    task_id: str
    host: str
    status: TaskStatus
    label: str  # loop_control.label rendered, else the item
    result: dict[str, Any]
    delegated_to: str | None = None  # the host the item ran on when delegated ("[h1 -> h2]")


@dataclass(frozen=True)
class TaskRetrying(PlaybookEvent):
    """An ``until`` attempt failed and the task will run again on ``host``
    (``FAILED - RETRYING: [host]: task (N retries left).``)."""

    play: int
    task_id: str
    host: str
    name: str  # the task's name as Ansible's retry line shows it (no role prefix when named)
    retries_left: int
    result: dict[str, Any]  # the failed attempt's result (censored under no_log)
    delegated_to: str | None = None


@dataclass(frozen=True)
class HostOutput(PlaybookEvent):
    """A line of live output from a running module (the console's Logs pane)."""

    play: int
    task_id: str
    host: str
    stream: str
    text: str


@dataclass(frozen=True)
class PauseStarted(PlaybookEvent):
    """A ``pause`` began (issue 15). Timed: ansible-playbook prints ``Pausing for N seconds`` (issue 15),
    `` (output is hidden)`` after it for ``echo: no``, and its ctrl+C hint line under it when
    the task has a ``prompt`` (``hint``)."""

    host: str
    seconds: int  # 0 for a prompt (``timed`` false)
    hidden: bool = False
    hint: bool = False
    # what the faces show while the job waits (ftltui.console.pauses): the task, the prompt
    # (Ansible's default words when the task has none), private (``echo: no``), and whether
    # it ends by itself; a prompt pause prints nothing in the text output (the TTY asks)
    task: str = ""
    prompt: str = ""
    private: bool = False
    timed: bool = True


@dataclass(frozen=True)
class PauseEnded(PlaybookEvent):
    """The pause of ``host`` ended: ``answered``, ``continued``, ``timed_out``, ``aborted``
    or ``cancelled`` (never the answer)."""

    host: str
    action: str


@dataclass(frozen=True)
class Included(PlaybookEvent):
    """``included: file for host1, host2`` (include_tasks / include_role / include_vars)."""

    play: int
    task_id: str
    file: str  # include_tasks: the absolute path; include_role: the role's name
    hosts: tuple[str, ...]
    label: str | None = None  # the loop item's label ("=> (item=...)"), None outside a loop


@dataclass(frozen=True)
class PlaybookWarning(PlaybookEvent):
    """``[WARNING]: text`` (deprecations too, with ``deprecation=True``)."""

    text: str
    host: str | None = None
    deprecation: bool = False


@dataclass(frozen=True)
class HostStats:
    """One line of PLAY RECAP, counted with ansible-playbook's rules."""

    ok: int = 0
    changed: int = 0
    unreachable: int = 0
    failed: int = 0
    skipped: int = 0
    rescued: int = 0
    ignored: int = 0

    def to_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class PlaybookFinished(PlaybookEvent):
    """The recap (hosts in the order ansible-playbook prints them: sorted by name) and
    the exit status ansible-playbook would return (0, 1, 2, 3, 4, 99, 250)."""

    stats: dict[str, HostStats]
    exit_code: int
    interrupted: bool = False
    aborted: bool = False  # stopped on an error ansible-playbook prints instead of a recap (exit 4)

    def to_dict(self) -> dict[str, Any]:
        return {"event": self.type, "ts": self.ts, "schema": SCHEMA_VERSION,
                "stats": {h: s.to_dict() for h, s in self.stats.items()},
                "exit_code": self.exit_code, "interrupted": self.interrupted, "aborted": self.aborted}
