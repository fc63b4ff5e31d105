"""One state directory opened for work: the store, the job queue, the engine and drift.

A :class:`ConsoleSession` is what every face (the console, the CLI, an API owner) asks
for runs, plays, drift scans and job actions. It is opened with ``async with`` (or
:meth:`open`/:meth:`close`), keeps the records of the jobs it knows, and turns the
domain events into one typed feed (:mod:`ftltui.console.updates`) for
:meth:`subscribe`-rs. Runs and scans are jobs in the durable queue, so they persist and
can be cancelled, retried and requeued; one long-lived Executor serves them all, so SSH
connections and gates are reused. Plain Python: no textual.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence, TypedDict

from ftltui.console import updates as up
from ftltui.console.drift_desk import DriftDesk
from ftltui.console.engine_settings import EngineSettings
from ftltui.console.feed import TRANSITIONS, ViewFeed
from ftltui.console.guard import Guard, Policy, ReadOnlyRefusal, playbook_hosts, workflow_hosts
from ftltui.console.input_priority import InputPriority
from ftltui.console.job_actions import JobActions
from ftltui.console.job_secrets import PlaybookSecrets
from ftltui.console.pauses import PauseDesk
from ftltui.console.results import (BaselinePin, BaselinePinned, BaselineRequest, ConnectionCount, DriftAccepted,
                                   JobActionResult)
from ftltui.console.run_args import RunBecome
from ftltui.drift import jobs as drift_jobs
from ftltui.drift.collect import ScanResult
from ftltui.drift.model import DriftReport
from ftltui.engine.events import Event, HostFinished
from ftltui.engine.executor import Executor, RunResult, precheck_args
from ftltui.engine.placement import Placement
from ftltui.engine.redact import Redactor
from ftltui.errors import FtlError, StateError
from ftltui.inventory import Inventory, load_inventory
from ftltui.inventory.model import Host
from ftltui.jobs import JobQueue, RetryPolicy
from ftltui.jobs import events as jev
from ftltui.jobs.again import GivenSecrets
from ftltui.jobs.kinds import enqueue_run, enqueue_workflow, register_builtin
from ftltui.jobs.logfile import JobHistory, read_history
from ftltui.jobs.model import ACTIVE, RETRY_WAIT, TERMINAL, Job
from ftltui.jobs.play_record import PlayRecord
from ftltui.jobs.playbook_kind import PlayOptionsDoc, enqueue_playbook
from ftltui.jobs.playbook_kind import register as register_playbook
from ftltui.json_types import JsonObject, JsonValue
from ftltui.playbook.options import Asker
from ftltui.state import StateStore
from ftltui.vault import VaultKeyring

if TYPE_CHECKING:
    from ftltui.console.schedules import ScheduleDesk

UpdateHandler = Callable[[up.ViewUpdate], None]
WORKFLOW_KIND = "workflow"
# a transition to one of these closed the attempt: a host left running by it is shown as its
# ledger says (terminal, or retry_wait after a lost attempt: hV2 finding 4)
CLOSES_HOSTS = TERMINAL | {RETRY_WAIT}
MAX_JOB_HOSTS = 50  # jobs whose per-host outcome is kept from events; :meth:`host_results` reads the rest's summary


class WorkflowStepView(TypedDict):
    """One step of a workflow job as the faces draw its DAG (:meth:`ConsoleSession.workflow_steps`)."""

    state: str
    needs: list[str]


class ConsoleSession(JobActions):
    """The store, queue, executor and drift store of one state dir (a private temporary
    one when ``state_dir`` is None, or when another process holds it: ``warning`` says so).

    ``vault`` is the keyring playbook jobs and inventory loads decrypt with;
    ``ssh_options`` and ``var_defaults`` go to the executor (created by :meth:`open`, or
    on first use before it; a session with ``dispatch=False`` builds none). Its site
    placement is planned from the inventory, again when :meth:`set_inventory` brings the
    first one with a site host.
    """

    def __init__(self, state_dir: Path | None = None, *, inventory: Inventory | None = None,
                 clock: Callable[[], float] = time.time, forks: int = 50, concurrency: int = 8,
                 var_defaults: JsonObject | None = None, ssh_options: Mapping[str, object] | None = None,
                 vault: VaultKeyring | None = None, roles_path: Sequence[str] = (), collections_paths: Sequence[str] = (),
                 guard: Guard | None = None, engine: EngineSettings | None = None, lock_wait: float | None = None,
                 dispatch: bool = True, engine_only: bool = False, ask: Asker | None = None) -> None:
        """The CLI's knobs (the console leaves them be): ``engine`` its Executor options;
        ``lock_wait`` a number: own ``state_dir`` (waiting that long for its lock) or raise
        ``StateError`` instead of falling back to a temporary one; ``dispatch=False`` recover
        and allow job actions but run nothing (``jobs cancel``, ``retry --detach``);
        ``engine_only`` opens no store and no queue (``ftl-tui run``: an ad hoc run is no
        job and needs no state directory); ``ask`` answers a playbook job's prompts."""
        self.inventory = inventory
        self.guard = guard or Guard()  # read-only and protected groups (ftltui.console.guard)
        self.engine = engine
        self.lock_wait = lock_wait
        self.dispatch = dispatch
        self.engine_only = engine_only
        self.ask = ask
        self.state_dir = (Path(state_dir) if state_dir is not None
                          else Path(tempfile.gettempdir()) if engine_only else Path(tempfile.mkdtemp(prefix="ftl-tui-")))
        self.clock = clock
        self.forks = forks
        self.concurrency = concurrency
        self.var_defaults: dict[str, Any] = dict(var_defaults or {})  # ansible.cfg's settings, lowest var layer
        self.ssh_options: dict[str, Any] = dict(ssh_options or {})  # e.g. key_passphrase (a face's prompt)
        self.vault = vault
        self.roles_path = list(roles_path)
        self.collections_paths = list(collections_paths)
        self.jobs: dict[int, Job] = {}  # every job this session knows, live records for active ones
        self.host_status: dict[str, str] = {}  # host -> last status of this session
        # job -> host -> last status (this session's newest MAX_JOB_HOSTS jobs; older ones: their summary)
        self.job_hosts: dict[int, dict[str, str]] = {}
        self.queue: JobQueue | None = None
        self.warning: str | None = None
        self.feed = ViewFeed()
        self._subscribers: list[UpdateHandler] = []  # faces; while none, output builds no updates
        self._executor: Executor | None = None
        self._sites_planned = False  # the executor has its site placement (hosts with ftl_site)
        self.schedule_desk: ScheduleDesk | None = None  # made on first use by ScheduleDesk.of
        self._drift: DriftDesk | None = None
        self._ready = asyncio.Event()
        self._opening = False  # open() was called: operations wait for it to finish (faces open in the background)
        self._closed = False  # close() was called: operations refuse (its queue is stopped)
        # playbook jobs waiting at a pause, and the ops that end the wait (issue 15)
        self.pauses = self._make_pause_desk()
        self._own_handlers: list[UpdateHandler] = [self.pauses.on_update]  # the session's desks: not faces
        self.input_priority = InputPriority(lambda: self._executor)  # keys pressed: the workers yield

    def _make_pause_desk(self) -> PauseDesk:
        """This session's pause desk (an attached session's sends the ops to its owner)."""
        return PauseDesk(self.publish, self._add_secret, self.check_write)

    # -- lifecycle ----------------------------------------------------------------------
    async def __aenter__(self) -> ConsoleSession:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def open(self) -> None:
        """Open the state store (in a thread: disk) and start the queue's workers."""
        self._started_opening()
        # first: a face's bad engine setting fails before the store is taken; a session that
        # runs nothing (jobs cancel/purge/requeue --detach) builds no engine (review hQ #12)
        executor = self.executor if self.dispatch or self.engine_only else None
        if self.engine_only:
            self._ready.set()
            return
        try:
            store = await asyncio.to_thread(StateStore.open, self.state_dir, False, self.lock_wait or 0)
        except (StateError, OSError) as exc:
            if self.lock_wait is not None:
                await self.close()  # the engine made above
                raise  # the CLI owns the directory or says it is in use (exit 4)
            # another ftl-tui holds the state: keep working, on a private store
            self.warning = f"{exc}; jobs of this session are kept in a temporary state dir"
            self.state_dir = Path(tempfile.mkdtemp(prefix="ftl-tui-"))
            store = await asyncio.to_thread(StateStore.open, self.state_dir, False, 0)
        queue = JobQueue(store, executor=executor, concurrency=self.concurrency)
        register_builtin(queue)  # run + workflow
        register_playbook(queue, self.vault, self.ask, self.pauses.pauser)  # decrypt with the session's keyring
        drift_jobs.register(queue)
        for kind in queue.kinds:  # a job that lacked a vault password says which id, as data
            handler = queue.handler(kind)
            if handler is not None:
                queue.register_kind(kind, self.feed.watch_vault_needs(handler))
        queue.bus.subscribe(self.on_domain_event)
        self.queue = queue
        self._drift = DriftDesk(self.state_dir, store, self.resolve, self.clock)
        # read-only: queued jobs wait for a writer
        await queue.start(dispatch=self.dispatch and not self.guard.readonly)
        for job in queue.list():
            self.jobs[job.id] = queue.get(job.id) or job  # the live record of an active job
        self._ready.set()

    def _started_opening(self) -> None:
        """Every ``open`` says so first (an attached session's too): from then on an
        operation waits for it instead of refusing."""
        self._opening, self._closed = True, False

    def _check_open(self) -> None:
        """Raise at once, never wait, when nothing can serve an operation: a session never
        opened waited forever for ``open`` (a job submitted to it would never run), and a
        closed one's queue is stopped."""
        if self._closed:
            raise StateError("this session is closed; open a new one (async with ConsoleSession(...) as session)")
        if not self._opening:
            raise StateError("this session was never opened: use `async with ConsoleSession(...) as session:` "
                             "(or await session.open()) before submitting or reading jobs")

    async def ready(self) -> None:
        """Until :meth:`open` has finished: a face that starts it in the background may
        wait here before its worker has called it (a console taking over); a closed
        session raises ``StateError``."""
        if self._closed:
            self._check_open()
        await self._ready.wait()

    async def _until_open(self) -> None:
        """What an operation waits for: :meth:`open` under way or done; raises at once when
        it was never called or the session is closed (:meth:`_check_open`)."""
        self._check_open()
        await self._ready.wait()
        self._check_open()  # closed while we waited

    async def close(self) -> None:
        self._closed = True
        self.input_priority.stop()
        if self.queue is not None:
            await self.queue.stop(cancel_running=True)
            self.queue.store.close()
        if self._drift is not None:
            self._drift.close()
        if self._executor is not None:
            await self._executor.close()

    # -- the feed -----------------------------------------------------------------------
    def subscribe(self, handler: UpdateHandler) -> Callable[[], None]:
        """Call ``handler`` with every view update, on the loop (keep it cheap); returns
        the function that unsubscribes it."""
        self._subscribers.append(handler)
        return lambda: self._subscribers.remove(handler) if handler in self._subscribers else None

    def publish(self, update: up.ViewUpdate) -> None:
        for handler in [*self._own_handlers, *self._subscribers]:
            handler(update)

    def on_domain_event(self, event: object) -> None:
        """The queue's bus handler (its events are :class:`~ftltui.jobs.events.JobEvent`):
        keep the job records, then publish the view updates."""
        if not isinstance(event, jev.JobEvent):
            return  # the queue emits nothing else; the bus is typed for engine events
        if isinstance(event, jev.JobsArchived):
            self._forget_archived(event.ids)
        if not self._subscribers and self.feed.faces_only(event):
            if isinstance(event, jev.JobOutput) and isinstance(event.event, HostFinished):
                self._note_host(event.job_id, event.event.host, event.event.result.status)
            return  # no face listens: no update to build (a face that subscribes later reads the job)
        job: Job | None = None
        if event.job_id:
            job = self.jobs.get(event.job_id)
            if (job is None or isinstance(event, (TRANSITIONS, jev.StepChanged))) and self.queue is not None:
                job = self.queue.get(event.job_id)  # live while active, else the stored record
            if job is not None:
                self.jobs[job.id] = job
        updates = list(self.feed.translate(event, job))
        if job is not None and isinstance(event, TRANSITIONS) and job.state in CLOSES_HOSTS:
            updates += self._closed_hosts(job)
        for update in updates:
            if isinstance(update, up.HostProgress) and update.result is not None:
                self._note_host(update.job_id, update.host, update.status)
            self.publish(update)

    def _note_host(self, job_id: int, host: str, status: str) -> None:
        """A host's outcome in ``job_id`` (:meth:`host_results`), heard or not."""
        self.host_status[host] = status
        hosts = self.job_hosts.get(job_id)
        if hosts is None:
            hosts = self.job_hosts[job_id] = {}
            while len(self.job_hosts) > MAX_JOB_HOSTS:  # a daemon runs for months (review hQ #7)
                del self.job_hosts[next(iter(self.job_hosts))]
        hosts[host] = status

    def _closed_hosts(self, job: Job) -> list[up.HostProgress]:
        """The hosts a job's end closed without a result event of theirs: a job recovered
        from a dead owner (each running host closed as ``lost``), or cancelled before its
        hosts reported. Shown as their ledger says, never left ``running`` (hR finding 6).
        A host with a result from an earlier attempt is shown again when its last attempt is
        one the close made (``lost``, or cancelled with no result): that attempt ran after
        the result this session saw (hV2 finding 4).

        A playbook's host results come as playbook events (its task lines and recap), never
        as a run's: a host its close did not make gets its status only, no invented
        ``h = SUCCESS (0.00s) => {"msg": ""}`` result line after the job's end (hD finding 6)."""
        from ftltui.engine.events import HostResult

        seen = self.job_hosts.get(job.id) or {}
        out = []
        for host, entry in (job.per_host or {}).items():
            attempts = entry.get("attempts") or []
            if not attempts:
                continue
            last = attempts[-1]
            closed = last.get("error_kind") == "lost" or (last.get("status") == "cancelled" and last.get("rc") is None)
            if host in seen and not closed:
                continue
            if job.kind == "playbook" and not closed:
                out.append(up.HostProgress(job.id, host, last.get("status") or "failed"))
                continue
            result = HostResult(host, last.get("status") or "failed", {"msg": str(last.get("msg") or "")},
                                float(last.get("duration") or 0.0), last.get("error_kind"))
            out.append(up.HostProgress(job.id, host, result.status, result, str(job.spec.get("module", ""))))
        return out

    def _forget_archived(self, ids: Sequence[int]) -> None:
        """Jobs the queue moved to the archive (issue 16: a daemon runs for months): their
        records, host outcomes and matrices leave this session's memory; the views drop
        their rows on the ``JobChanged(id, None)`` the feed makes of the event."""
        for job_id in ids:  # only finished jobs are archived (the owner's store says so)
            self.jobs.pop(job_id, None)
            self.job_hosts.pop(job_id, None)
        self.feed.forget(ids)

    def _add_secret(self, text: str) -> None:
        """A secret learned during a run (a private pause answer): masked from now on."""
        if self.queue is not None:
            self.queue.store.redactor.add([text])

    @property
    def play_records(self) -> dict[int, PlayRecord]:
        """Playbook job -> its live play -> task -> host matrix (this session's, bounded)."""
        return self.feed.play_records

    # -- engine and inventory -------------------------------------------------------------
    @property
    def executor(self) -> Executor:
        if self._executor is None:
            # hosts with a site run on its workers (docs/sites.md); the console's unusable sites fail their hosts
            engine = self.engine or EngineSettings(workers=_workers_setting(), strict_sites=False)
            placements = self._site_placements()
            self._sites_planned = bool(placements)
            self._executor = Executor(self.inventory, placements=placements, forks=self.forks,
                                      var_defaults=self.var_defaults, ssh_options=self.ssh_options,
                                      workers=engine.workers, secrets=engine.secrets, base_dir=engine.base_dir,
                                      extra_vars=dict(engine.extra_vars), ansible_modules=engine.ansible_modules,
                                      verbosity=engine.verbosity)
        return self._executor

    def _site_placements(self) -> list[Placement]:
        """The site placement of :attr:`inventory` (``[]`` while no host has a site); it
        follows later inventory swaps itself (``inventory_of``)."""
        from ftltui.sites.placement import site_placements

        engine = self.engine or EngineSettings(strict_sites=False)
        return list(site_placements(self.inventory, state_dir=self.state_dir, forks=self.forks,
                                    strict=engine.strict_sites, inventory_of=lambda: self.inventory))

    def set_inventory(self, inventory: Inventory) -> up.InventoryReloaded:
        """Run every later job on ``inventory``; published as :class:`InventoryReloaded`.

        A console and ``serve`` open the session before their inventory loads: the first
        inventory with a site host plans the site placement then, ahead of every other
        placement, so those hosts never run from here (review hQ #3)."""
        first = self.inventory is None
        self.inventory = inventory
        if self._executor is not None:
            self._executor.set_inventory(inventory)
            if not self._sites_planned:
                placements = self._site_placements()
                if placements:  # runs already placed keep their hosts; later runs see the sites first
                    self._executor.placements[0:0] = placements
                    self._sites_planned = True
        update = up.InventoryReloaded(len(inventory.hosts), first)
        self.publish(update)
        return update

    async def reload_inventory(self, sources: Sequence[str]) -> up.InventoryReloaded:
        """Load ``sources`` in a thread (files, scripts) and swap it in; a broken inventory
        raises (``FtlError`` with file:line) and the last good one stays."""
        inventory = await asyncio.to_thread(load_inventory, list(sources), self.vault)
        return self.set_inventory(inventory)

    def resolve(self, target: str | list[str]) -> list[Host]:
        """The hosts of a pattern, or of a list of host names (unknown names dropped)."""
        if self.inventory is None:
            return []
        if isinstance(target, str):
            return list(self.inventory.select(target))
        return [self.inventory.hosts[n] for n in target if n in self.inventory.hosts]

    @property
    def facts(self) -> dict[str, dict[str, JsonValue]]:
        return self._executor.facts if self._executor is not None else {}

    def connections_open(self) -> ConnectionCount:
        if self._executor is None:
            return ConnectionCount(0, 0)
        stats = self._executor.connection_stats()
        return ConnectionCount(stats.connections, stats.tunnels)

    @property
    def policy(self) -> Policy:
        """Read-only and protected groups as they apply now (the inventory may add to the face's)."""
        return self.guard.policy(self.inventory)

    @property
    def readonly(self) -> bool:
        return self.policy.readonly

    def check_write(self, action: str) -> None:
        """Raise :class:`~ftltui.console.guard.ReadOnlyRefusal` when nothing may change now:
        what :attr:`policy` says (one policy: an attached session's adds its owner's word)."""
        policy = self.policy
        if policy.readonly:
            raise ReadOnlyRefusal(action, f"this session is read-only: {policy.why}")

    async def job_action(self, action: str, job_id: int, *, given: GivenSecrets | None = None) -> JobActionResult:
        """:meth:`JobActions.job_action` on an open session only (else "no job N" would
        mislead: the jobs are not read yet)."""
        self._check_open()
        return await super().job_action(action, job_id, given=given)

    async def confirmed_job_action(self, action: str, job_id: int, *, confirmed: bool = True,
                                   given: GivenSecrets | None = None) -> JobActionResult:
        """The same guard for the protected-group dialog's ``y``, which calls this directly
        (hV2 finding 6: a closed session answered "no job N" instead of StateError)."""
        self._check_open()
        return await super().confirmed_job_action(action, job_id, confirmed=confirmed, given=given)

    async def cancel(self, job_id: int) -> bool:
        self._check_open()
        return await super().cancel(job_id)

    def running(self) -> int:
        return sum(1 for j in self.jobs.values() if j.state in ACTIVE)

    # -- submitting -----------------------------------------------------------------------
    async def _queue(self) -> JobQueue:
        await self._until_open()
        if self.queue is None:
            raise StateError("the session is not open")
        return self.queue

    def _known(self, job: Job) -> Job:
        self.jobs[job.id] = job
        return job

    async def submit_run(self, target: str | list[str], module: str, args: JsonObject | None = None,
                         *, check: bool = False, parent: int | None = None,
                         become: RunBecome | None = None, confirmed: bool = False) -> Job:
        """Queue an ad hoc module run; bad module/args raise before a job exists; a run on
        protected hosts raises ``ProtectedConfirmationRequired`` unless ``confirmed``."""
        self._check_open()
        self.check_write("run")
        precheck_args(self.executor.module_spec(module), dict(args or {}))
        pattern = target if isinstance(target, str) else ",".join(target)
        hosts = self.resolve(target)
        if not hosts:
            raise FtlError(f"no hosts matched {pattern!r}")
        self.guard.check_run("run", self.inventory, [h.name for h in hosts], confirmed=confirmed)
        queue = await self._queue()
        return self._known(await enqueue_run(queue, pattern, module, dict(args or {}), check=check, parent=parent,
                                             become=become.to_dict() if become is not None else None))

    async def submit_workflow(self, path: str, *, check: bool = False, confirmed: bool = False,
                              vars: JsonObject | None = None) -> Job:
        """Queue a workflow file; it is validated first (a bad file never becomes a job).
        ``vars``: ``-e``, over the workflow's own."""
        self._check_open()
        self.check_write("workflow")
        await asyncio.to_thread(self.guard.check_targets, "workflow", self.inventory,  # hosts() off the loop
                                lambda: workflow_hosts(path, self.inventory), confirmed=confirmed)
        given = dict(vars) if vars is not None else None
        return self._known(await enqueue_workflow(await self._queue(), path, vars=given, check=check))

    async def submit_playbook(self, path: str, options: PlayOptionsDoc | None = None, *,
                              confirmed: bool = False, secrets: PlaybookSecrets | None = None) -> Job:
        """Load the playbook (file:line errors, never a job), store its content, enqueue.
        ``secrets``: the play form's prompt answers and become password (job secrets)."""
        self._check_open()
        self.check_write("play")
        await asyncio.to_thread(self.guard.check_targets, "play", self.inventory, lambda: playbook_hosts(
            path, (options or {}).get("limit"), self.inventory, self.roles_path, self.collections_paths, self.vault),
            confirmed=confirmed)
        queue = await self._queue()
        return self._known(await enqueue_playbook(queue, path, options=options, roles_path=self.roles_path,
                                                  collections_paths=self.collections_paths, vault=self.vault,
                                                  answers=dict(secrets.answers) if secrets and secrets.answers is not None
                                                  else None, private=secrets.private if secrets else (),
                                                  become_password=secrets.become_password if secrets else None))

    async def submit_drift_scan(self, pattern: str, *, drift_config: str | None = None) -> Job:
        """A scan of the hosts of ``pattern`` as one job (``drift_config``: a file other than
        the state dir's drift.yml); :meth:`scan_result` reads what it found."""
        self._check_open()
        self.check_write("drift scan")
        hosts = self.resolve(pattern)
        if not hosts:
            raise FtlError(f"no hosts matched {pattern!r}")
        queue = await self._queue()
        spec = drift_jobs.scan_spec(pattern, hosts, drift_config)
        return self._known(await queue.enqueue(drift_jobs.KIND, spec, title=f"drift scan {pattern}",
                                               hosts=spec["hosts"], retry=RetryPolicy(max_attempts=1)))

    drift_scan = submit_drift_scan

    async def submit_again(self, job_id: int, resume: bool, given: GivenSecrets | None = None) -> Job:
        """``jobs retry`` (``resume``: from failure) or ``jobs requeue`` of a finished job, as
        the API owner's ``jobs.again`` (:mod:`ftltui.jobs.again`); a refusal raises its words.
        ``given``: the secrets the job had, given again (they are never stored)."""
        from ftltui.jobs.again import enqueue_again, refusal

        self._check_open()
        self.check_write("retry" if resume else "requeue")
        queue = await self._queue()
        job = queue.get(job_id)
        if job is None:
            raise StateError(f"no job {job_id} (see `ftl-tui jobs list`)")
        doc = dict(queue.store.table("jobs").get(job_id) or {})
        log_path = queue.store.log_path(job_id)
        problem = refusal(doc, job_id, resume, log_path, given)
        if problem is not None:
            raise FtlError(problem)
        return self._known(await enqueue_again(queue, doc, job_id, resume, log_path, given))

    async def run_adhoc(self, target: str | list[Host], module: str, args: JsonObject, *,
                        on_event: Callable[[Event], None], check: bool = False, diff: bool = False,
                        timeout: float | None = None, fail_fast: bool = False, no_log: bool = False) -> RunResult:
        """One module on ``target`` now, on the session's engine, with no job (Ansible's
        ``ansible``: ``ftl-tui run`` owning its directory); ``on_event`` gets every engine event."""
        self.check_write("run")
        return await self.executor.run(target, module, args, check=check, timeout=timeout, fail_fast=fail_fast,
                                       on_event=on_event, diff=diff, no_log=no_log)

    def watch(self, handler: Callable[[jev.JobEvent], None]) -> Callable[[], None]:
        """Every domain event of the queue (the job events with the engine's inside): for a
        face that prints each one as it is (the CLI's lines and JSON records); views use
        :meth:`subscribe`. Returns the function that stops it."""
        self._check_open()
        if self.queue is None:
            raise StateError("the session is not open")
        return self.queue.bus.subscribe(handler)

    async def wait(self, job_id: int) -> Job:
        """Until job ``job_id`` is finished: its final record."""
        return self._known(await (await self._queue()).wait(job_id))

    @property
    def redactor(self) -> Redactor:
        """The state store's redactor: what a face prints of a job goes through it (its secrets masked)."""
        self._check_open()
        if self.queue is None:
            raise StateError("the session is not open")
        return self.queue.store.redactor

    def job(self, job_id: int) -> Job | None:
        """The job's record now (live while it is active, else the stored one)."""
        return self.queue.get(job_id) if self.queue is not None else self.jobs.get(job_id)

    async def purge_finished(self, older_than: float) -> int:
        """Archive every finished job last changed more than ``older_than`` seconds ago."""
        self._check_open()
        self.check_write("purge")
        return await (await self._queue()).purge(older_than)

    def scan_result(self, job: Job) -> ScanResult:
        """What a finished drift scan job found: its summary with the stored snapshots' records."""
        summary = job.summary or {}
        if "snapshots" not in summary:
            raise StateError(f"drift scan job {job.id} ended {job.state}: {job.reason}")
        metas = {host: self.drift.snapshots.meta(snap_id) for host, snap_id in summary["snapshots"].items()}
        return ScanResult(metas, dict(summary.get("failed") or {}), list(summary.get("run_ids") or []),
                          bool(summary.get("cancelled")))

    # -- reading ----------------------------------------------------------------------------
    def workflow_steps(self, job: Job) -> dict[str, WorkflowStepView]:
        """Step name -> {state, needs}: the DAG of a workflow job (file order), with live states."""
        if job.kind != WORKFLOW_KIND:
            return {}
        deps: dict[str, list[str]] = {}
        try:
            from ftltui.jobs.workflow import load_workflow

            wf = load_workflow(job.spec["file"], self.inventory)
            deps = {n: list(st.depends_on) for n, st in wf.steps.items()}
        except (FtlError, OSError, KeyError):
            pass  # the file moved or changed: show the recorded steps without edges
        names = list(deps) + [n for n in (job.steps or {}) if n not in deps]
        return {n: {"state": (job.steps or {}).get(n, {}).get("state", "queued"), "needs": deps.get(n, [])}
                for n in names}

    def host_results(self, job: Job) -> dict[str, str]:
        """Per-host outcome of a run job: from this session's events, else the summary."""
        return dict(self.job_hosts.get(job.id) or (job.summary or {}).get("hosts") or {})

    async def job_history(self, job_id: int, limit: int) -> JobHistory:
        """The last ``limit`` records of a job's output log, typed, read off the loop."""
        queue = await self._queue()
        return await asyncio.to_thread(read_history, queue.store.log_path(job_id), limit)

    # -- drift ------------------------------------------------------------------------------
    @property
    def drift(self) -> DriftDesk:
        self._check_open()
        if self._drift is None:
            raise StateError("the session is not open")
        return self._drift

    async def drift_report_async(self, pattern: str = "all") -> DriftReport:
        return await self.drift.report_async(pattern)

    def drift_pin(self, pattern: str) -> BaselinePinned:
        self.check_write("drift baseline")
        pinned = self.drift.pin(pattern)
        if pinned.hosts:
            self.publish(up.DriftChanged(f"baseline pinned on {pattern}"))
        return pinned

    async def drift_baseline(self, request: BaselineRequest) -> tuple[BaselinePin, ...]:
        """``ftl-tui drift baseline``: pin or clear baselines (an attached session's is the
        owner's ``drift.baseline``: the snapshot store is the owner's to write)."""
        self.check_write("drift baseline")
        pins = await self.drift.set_baselines_async(request)
        if pins:
            self.publish(up.DriftChanged("baseline " + ("cleared" if request.clear else "pinned")
                                         + f" on {request.group or ','.join(request.hosts)}"))
        return pins

    def drift_accept(self, pattern: str, reason: str = "accepted in the console") -> DriftAccepted:
        self.check_write("drift accept")
        accepted = self.drift.accept(pattern, reason)
        if accepted.changes:
            self.publish(up.DriftChanged(f"drift accepted on {pattern}"))
        return accepted

    async def drift_accept_async(self, pattern: str, reason: str = "accepted in the console") -> DriftAccepted:
        """:meth:`drift_accept` as a face calls it: an attached session's is the owner's
        ``drift.accept`` (the ignore file is the owner's to write)."""
        self._check_open()
        self.check_write("drift accept")
        accepted = await self.drift.accept_async(pattern, reason)
        if accepted.changes:
            self.publish(up.DriftChanged(f"drift accepted on {pattern}"))
        return accepted


def _workers_setting() -> int | None:
    """``FTL_TUI_WORKERS``, else ansible.cfg's ``[ftl_tui] workers`` (issue 17: N worker processes
    share the hosts), else auto; a bad value runs auto rather than stopping the console
    (``ftl-tui run`` reports it)."""
    from ftltui.engine.shards.auto import configured_workers

    try:
        return configured_workers()
    except ValueError:
        return None
