"""Where a host's work runs: the executor's seam for running hosts outside its own loop.

By default :class:`~ftltui.engine.executor.Executor` runs every host as an asyncio task in
its own process. A *placement* takes some hosts of a run and runs them elsewhere (worker
processes on this controller, ``ftltui.engine.shards``; Celery workers of a site,
``ftltui.sites``), streaming the same events back. Everything above the executor (jobs,
the console, drift) keeps reading one event stream and one :class:`RunResult`, whichever
placement ran a host.

The contract (stable: other placements are written against it)
---------------------------------------------------------------
``Executor(placements=[a, b])``: for each run, the executor asks the placements in order;
the first whose :meth:`Placement.claims` is true for a host runs it; hosts no placement
claims run in-process, as without placements. For each placement with hosts, the
executor builds one :class:`ShardRequest` and awaits :meth:`Placement.run`.

``run(request, hosts, emit)`` must:

- run ``request.module`` with ``request.args`` on every host of ``hosts`` (the executor's
  layered hosts: inventory vars with the option/config layer under and ``-e`` over them;
  ``request.hosts`` holds the same hosts), with the same engine semantics as in-process
  (check, diff, timeout per host, fail_fast within its hosts, no_log, environment);
- call ``emit`` with ``HostStarted``, ``OutputLine``, ``Warning_`` and ``HostFinished``
  events of its hosts, in order per host (never ``RunStarted``/``RunFinished``: those are
  the executor's). Events must already be redacted with ``request.secrets`` and censored
  under ``no_log`` (the executor redacts and censors again, as a second line);
- return ``{host name: HostResult}`` with each finished host's *real* result (redacted but
  not censored: the executor applies ``no_log``/``keep_result`` itself and reads facts
  from a ``facts`` result);
- honour :meth:`Placement.cancel`: stop its hosts for the run (started hosts end
  ``cancelled``, or with the fail_fast message when ``fail_fast`` is true), then return;
- on ``asyncio.CancelledError`` (the run's task was cancelled) stop the remote work the
  same way before letting the error through.

A host missing from the returned dict (or all unfinished hosts, when ``run`` raises) ends
``failed`` with ``error_kind`` :data:`LOST_KIND`, which the retry ledger treats as
*uncertain* (the module may have run: retried only if idempotent, never as if it had not
started), with the message of :class:`PlacementLost` if ``run`` raised one; when the run was
cancelled or stopped by fail_fast, it ends ``cancelled`` instead. A host that finished (its
``HostFinished`` was emitted) keeps its result even if ``run`` raises later. A placement may
also return such ``lost`` results itself (process shards do, naming the dead worker).

Secrets: ``request.secrets`` are the run's values to redact (``--secret``, passwords,
vault-decrypted values), kept in their own field so a placement that sends the request
off this process can encrypt them separately. The hosts' ``vars`` may hold secrets too
(``ansible_password``, ``ansible_become_password``, vault values): such a placement must
protect the hosts as well. Never put any of it in argv, environment variables, logs or
plaintext queues.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Protocol, runtime_checkable

from ftltui.engine.events import Event, HostResult
from ftltui.inventory.model import Host

# the error kind of a host whose placement died while the host was unfinished: ``lost`` is in
# ftltui.jobs.retry.UNCERTAIN_KINDS, so a retry never treats the host as not started
LOST_KIND = "lost"

Emit = Callable[[Event], None]


class PlacementLost(Exception):
    """A placement lost its remote side mid-run; ``str()`` is the message its unfinished hosts get
    (e.g. ``"controller shard worker lost"``)."""


@dataclass(frozen=True)
class ShardRequest:
    """Everything a remote engine needs to run one executor call on some hosts.

    Plain data (picklable; JSON-able but for ``hosts``, which are :class:`Host` records of
    name, vars and groups), so a placement can ship it to another process or machine.
    ``args`` are the call's arguments before per-host templating (unless ``rendered``);
    ``facts`` holds the gathered facts the hosts' templates may read (their own, and every
    host's when the arguments name ``hostvars``); ``base_dir`` is where relative controller
    paths (``copy src=``, ``template``) are found.
    """

    run_id: str
    module: str
    args: dict[str, Any]
    hosts: tuple[Host, ...]
    check: bool = False
    diff: bool = True
    timeout: float | None = None
    fail_fast: bool = False
    no_log: bool = False
    rendered: bool = False
    environment: dict[str, str] | None = None
    verbosity: int = 0
    ansible_modules: tuple[str, ...] = ()
    base_dir: str | None = None
    facts: Mapping[str, dict[str, Any]] = field(default_factory=dict)
    secrets: tuple[str, ...] = ()  # values to redact: keep (or encrypt) apart from the rest

    @property
    def host_names(self) -> tuple[str, ...]:
        return tuple(h.name for h in self.hosts)


@runtime_checkable
class Placement(Protocol):
    """Runs some hosts of an executor's runs elsewhere; see the module docstring for the contract."""

    def claims(self, host: Host) -> bool:
        """Does this placement run ``host`` (a layered host)? Must be cheap and, for a given host and
        placement, stable across runs (connections and gates stay warm where the host ran before)."""
        ...

    async def run(self, request: ShardRequest, hosts: list[Host], emit: Emit) -> dict[str, HostResult]:
        """Run the request on ``hosts``, emit their events, return their real results."""
        ...

    def cancel(self, run_id: str, *, fail_fast: bool = False) -> None:
        """Stop the run's hosts here (``fail_fast``: another host failed, not an operator's cancel)."""
        ...

    async def close(self) -> None:
        """Release what the placement holds (processes, connections); called by ``Executor.close``."""
        ...
