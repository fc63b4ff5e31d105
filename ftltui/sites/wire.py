"""What travels between the owner and a site worker: the shard task, the events, the Redis keys.

One task per (job, attempt, site shard). The executor is called once per module run
(a playbook calls it once per task and host batch), so a shard is one such call on the
site's hosts: the module, its arguments (per host when the owner rendered templates),
the hosts with their resolved variables, the run's flags, and the secrets the worker's
redactor must hide, in a field of their own. The whole document is sealed
(:mod:`ftltui.sites.seal`) before it reaches Celery.

Events come back as stream entries: the engine's own event records (``to_dict``) plus
three of the shard's own: ``ShardClaimed`` (a worker took it), ``ShardDone`` and
``ShardRefused``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ftltui.engine.events import (
    Event,
    HostFinished,
    HostResult,
    HostStarted,
    OutputLine,
    Warning_,
)

PREFIX = "ftltui:site"
TASK_NAME = "ftltui.sites.run_shard"
QUEUE_PREFIX = "ftl-site."
LEASE_SECONDS = 4.0  # a worker renews its claim every second (heartbeat); a claim that lapses is a lost worker
KEEP_SECONDS = 24 * 3600  # how long the per-job keys live in Redis after their last write


def queue_for(site: str) -> str:
    return QUEUE_PREFIX + site


@dataclass
class ShardHost:
    """A host as the worker needs it: name, fully merged variables, groups (for ``group_names``)."""

    name: str
    vars: dict[str, Any]
    groups: list[str] = field(default_factory=list)
    args: dict[str, Any] | None = None  # this host's rendered arguments (None: the task's ``args``)


@dataclass
class ShardTask:
    """One call of the executor on one site's hosts of one job attempt."""

    job: str
    attempt: int
    site: str
    run_id: str
    module: str
    args: dict[str, Any]
    hosts: list[ShardHost]
    check: bool = False
    diff: bool = True
    no_log: bool = False
    rendered: bool = False
    timeout: float | None = None
    environment: dict[str, str] | None = None
    fail_fast: bool = False
    forks: int = 50
    verbosity: int = 0
    ansible_modules: list[str] = field(default_factory=list)
    idempotent: bool = False  # may a host that started on a lost worker run again? (retry rule)
    jump_hosts: list[ShardHost] = field(default_factory=list)  # hops named by the hosts' jump chains
    secrets: list[str] = field(default_factory=list)  # values the worker's redactor hides
    secret_vars: list[str] = field(default_factory=list)
    delivery: int = 1  # 1 the first send, 2.. the owner's redeliveries after a lost worker
    # Redis's clock (TIME, seconds) after which no worker may claim this copy: the owner's
    # pickup deadline, sealed so nobody with Redis access can extend it (0: none)
    expires_at: float = 0.0
    # seconds a worker keeps retrying a write while Redis is away: the owner's broker grace,
    # after which the owner has reported the shard's open hosts and stopped reading
    patience: float = 10.0
    # controller files the module reads (copy/template ``src``): given path -> {"blob": digest, "mode": int}
    # (a tree: {"dirs": [...], "tree": {relative path: {"blob", "mode"}}}); the content is in Keys.blob
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    facts: dict[str, dict[str, Any]] = field(default_factory=dict)  # for ``template`` files (rendered on the worker)

    @property
    def shard(self) -> str:
        return f"{self.job}:{self.attempt}:{self.site}"

    def to_doc(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> ShardTask:
        d = dict(doc)
        d["hosts"] = [ShardHost(**h) for h in d.get("hosts", [])]
        d["jump_hosts"] = [ShardHost(**h) for h in d.get("jump_hosts", [])]
        return cls(**{k: v for k, v in d.items() if k in cls.__dataclass_fields__})


class Keys:
    """The Redis keys of one job attempt (shared by its shards) and of one shard."""

    def __init__(self, job: str, attempt: int) -> None:
        base = f"{PREFIX}:{job}:{attempt}"
        self.stream = f"{base}:events"
        self.started = f"{base}:started"  # hosts whose module a worker started
        self.finished = f"{base}:finished"  # hosts whose result is in the stream

    @staticmethod
    def lease(shard: str) -> str:
        return f"{PREFIX}:lease:{shard}"

    @staticmethod
    def done(shard: str) -> str:
        return f"{PREFIX}:done:{shard}"

    @staticmethod
    def watch(shard: str) -> str:
        """Set by the owner while it follows the shard (a short expiry it renews): no worker
        claims the shard or starts a host of it without this key, so nothing starts once the
        owner has given up on it (Redis away longer than its grace, the owner gone)."""
        return f"{PREFIX}:watch:{shard}"

    @staticmethod
    def blob(digest: str) -> str:
        """A controller file's content, sealed, shipped once (shards name its keyed digest; a
        call that names it again only renews its expiry), whatever job or call ships it."""
        return f"{PREFIX}:file:{digest}"

    @staticmethod
    def cancel(shard: str) -> str:
        """Set by the owner to stop a shard: ``cancel`` or ``fail_fast``."""
        return f"{PREFIX}:cancel:{shard}"


WORKER_KEY = f"{PREFIX}:worker:"  # + site:hostname:pid, a JSON heartbeat with a TTL
REFUSED_KEY = f"{PREFIX}:refused"  # a counter of tasks that did not authenticate


def encode_event(ev: Event) -> dict[str, Any]:
    """An engine event as a stream document (its run id is the worker's: the owner replaces it)."""
    return ev.to_dict()


def decode_event(doc: dict[str, Any], run_id: str) -> Event | None:
    """The engine event of a stream document, under the owner's ``run_id`` (None: not an engine event)."""
    kind = doc.get("event")
    ts = float(doc.get("ts") or 0.0)
    if kind == "HostStarted":
        return HostStarted(run_id, host=str(doc["host"]), ts=ts)
    if kind == "OutputLine":
        return OutputLine(run_id, host=str(doc["host"]), stream=str(doc["stream"]), text=str(doc["text"]), ts=ts)
    if kind == "Warning_":
        return Warning_(run_id, host=doc.get("host"), text=str(doc["text"]), ts=ts)
    if kind == "HostFinished":
        return HostFinished(run_id, host=str(doc["host"]), result=result_of(doc["result"]), ts=ts)
    return None


def result_of(d: dict[str, Any]) -> HostResult:
    return HostResult(str(d["host"]), d["status"], dict(d.get("result") or {}), float(d.get("duration") or 0.0),
                      d.get("error_kind"))
