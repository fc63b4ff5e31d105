"""A console session attached to the owner of a state directory, over its local API.

When another process (``ftl-tui daemon``, a console, a command serving the API) owns a
state directory, a second console opens a :class:`RemoteConsoleSession` instead of
failing: the same operations and the same typed feed as
:class:`~ftltui.console.session.ConsoleSession`, so the console cannot tell which one
it has. The jobs come from the owner's ``view.watch`` stream (its newest job records,
then every job event, which this session's own :class:`~ftltui.console.feed.ViewFeed`
translates); runs, plays, workflows, scans and job actions are requests to the owner;
job logs and drift are read from the directory's files (read-only: the owner is the
only writer, and this process runs as its user). If the owner goes away, an
:class:`~ftltui.console.updates.OwnerNotice` with ``lost`` says so; the face offers to
take over with :meth:`RemoteConsoleSession.owner_session` (a session that opens the
directory as its owner, recovering what the dead owner left running).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from ftltui.api.client import ApiClient, ApiError, OwnerGone
from ftltui.api.event_decode import job_event
from ftltui.api.protocol import Dropped, StreamEvent
from ftltui.console import updates as up
from ftltui.console.drift_desk import DriftDesk
from ftltui.console.guard import Policy, playbook_hosts, workflow_hosts
from ftltui.console.job_secrets import PlaybookSecrets
from ftltui.console.pauses import OwnerPauseDesk, PauseDesk
from ftltui.console.results import BaselinePin, BaselinePinned, BaselineRequest, DriftAccepted, JobActionResult
from ftltui.console.run_args import RunBecome
from ftltui.console.session import ConsoleSession
from ftltui.console.session_settings import SessionSettings
from ftltui.drift.compare import Selection, build_report
from ftltui.drift.model import DriftReport
from ftltui.drift.store import open_store
from ftltui.errors import FtlError
from ftltui.jobs import events as jev
from ftltui.jobs.again import GivenSecrets
from ftltui.jobs.logfile import JobHistory, read_history
from ftltui.jobs.model import Job
from ftltui.jobs.playbook_kind import PlayOptionsDoc
from ftltui.json_types import JsonDict, JsonObject

RESYNC_JOBS = 50  # job records re-read after the owner dropped updates for this view


class OwnerDriftDesk(DriftDesk):
    """Drift read from the owner's snapshot store, read-only and fresh for each report
    (the owner's scans keep adding to it); pinning a baseline writes that store, so it
    is the owner's to do, and accepting drift is an op the owner performs."""

    owner_request: Callable[..., Awaitable[dict[str, Any]]] | None = None
    readonly = True

    def report(self, pattern: str = "all") -> DriftReport:
        hosts, options = self._report_inputs(pattern)
        store = open_store(self.state_dir, readonly=True)
        try:
            return build_report(store, hosts, Selection(), options)
        finally:
            store.close()

    async def report_async(self, pattern: str = "all") -> DriftReport:
        return await asyncio.to_thread(self.report, pattern)

    def pin(self, pattern: str) -> BaselinePinned:
        raise FtlError("pinning a baseline writes the owner's state: pin it in the owner's console, or with "
                       "`ftl-tui drift baseline PATTERN` (the owner pins it)")

    def accept(self, pattern: str, reason: str) -> DriftAccepted:
        raise FtlError("accepting drift writes the owner's ignore file: it is the owner's to do (drift.accept)")

    def set_baselines(self, request: BaselineRequest) -> tuple[BaselinePin, ...]:
        raise FtlError("pinning a baseline writes the owner's snapshot store: it is the owner's to do (drift.baseline)")

    async def set_baselines_async(self, request: BaselineRequest) -> tuple[BaselinePin, ...]:
        """The owner pins (``drift.baseline``); this process writes nothing."""
        if self.owner_request is None:
            raise FtlError("not attached to an owner")
        out = await self.owner_request("drift.baseline", **request.to_dict())
        return tuple(BaselinePin(str(p["scope"]), str(p["name"]), str(p["snapshot"])) for p in out.get("pins") or ())

    async def accept_async(self, pattern: str, reason: str) -> DriftAccepted:
        """The owner accepts the drift it shows now (``drift.accept``): its ignore file, its
        config, its snapshots; this process writes nothing."""
        if self.owner_request is None:
            raise FtlError("not attached to an owner")
        out = await self.owner_request("drift.accept", pattern=pattern, reason=reason)
        return DriftAccepted(int(out.get("changes", 0)))


class RemoteConsoleSession(ConsoleSession):
    """A :class:`ConsoleSession` whose jobs, queue and engine are another process's."""

    def __init__(self, state_dir: Path, settings: SessionSettings | None = None) -> None:
        super().__init__(state_dir, **(settings or SessionSettings()).session_kwargs())
        self.client: ApiClient | None = None
        self.attached_pid = 0  # the owner's pid, once connected
        self.owner_sources: list[str] = []  # the inventory the owner's engine runs on
        self.lost: str | None = None  # why the owner is gone, once it is
        self._view: asyncio.Task[None] | None = None

    def _make_pause_desk(self) -> PauseDesk:
        """The owner's jobs waiting at a pause: state from its events, ops sent to it (issue 15)."""
        return OwnerPauseDesk(self.publish, self.owner_request)

    @classmethod
    def like(cls, session: ConsoleSession) -> RemoteConsoleSession:
        """An attached session with ``session``'s settings (the face built it to own)."""
        return cls(session.state_dir, SessionSettings.of(session))

    def owner_session(self) -> ConsoleSession:
        """A session with this one's settings that opens the state directory as its owner
        (to take over from a dead owner: opening it recovers that owner's jobs)."""
        owner = ConsoleSession(self.state_dir, **SessionSettings.of(self).session_kwargs())
        if self.inventory is not None:
            owner.inventory = self.inventory
        return owner

    # -- lifecycle ----------------------------------------------------------------------
    async def open(self) -> None:
        """Connect, say hello, and follow the owner's view until its first records are in."""
        self._started_opening()
        try:
            self.client = await ApiClient.connect(self.state_dir, readonly=self.guard.readonly)
            self.attached_pid = self.client.owner_pid
            info = await self.client.request("owner.info")
            self.owner_sources = [str(s) for s in info.get("inventory") or []]
        except (OSError, TimeoutError, FtlError) as exc:  # gone between the check and now
            self._owner_lost(f"cannot attach to the owner of {self.state_dir}: {exc}")
            self._ready.set()
            return
        self._drift = OwnerDriftDesk(self.state_dir, None, self.resolve, self.clock)
        self._drift.owner_request = self.owner_request
        first = asyncio.Event()
        self._view = asyncio.create_task(self._follow(first), name="ftl-attached-view")
        await first.wait()
        await self._pauses_now()
        self._ready.set()

    async def _pauses_now(self) -> None:
        """The pauses the owner's jobs wait at already (their PauseStarted came before we attached)."""
        if self.client is None or self.lost is not None:
            return
        try:
            for doc in await self.client.request("pause.list"):
                self.pauses.seen(up.PauseWaiting(**doc))
        except (ApiError, TypeError):  # an owner without the pause ops, or another shape: none shown
            pass

    async def close(self) -> None:
        self._closed = True  # operations refuse from now on (ConsoleSession._check_open)
        if self._view is not None:
            self._view.cancel()
            await asyncio.gather(self._view, return_exceptions=True)
        if self.client is not None:
            await self.client.close()

    @property
    def policy(self) -> Policy:
        """The face's and the inventory's word (as an owner's session), and the owner's:
        an owner that serves this console read-only (``--readonly`` daemon, or this
        console's own ``--readonly`` hello) makes it read-only. One policy, which
        ``readonly`` and ``check_write`` (the session's) both read."""
        policy = super().policy
        if not policy.readonly and self.client is not None and self.client.welcome.readonly:
            return replace(policy, readonly=True, why=f"the owner (pid {self.attached_pid}) serves it read-only")
        return policy

    def _owner_lost(self, message: str) -> None:
        if self.lost is None:
            self.lost = message
            self.publish(up.OwnerNotice(self.attached_pid, message, lost=True))

    async def _follow(self, first: asyncio.Event) -> None:
        assert self.client is not None
        try:
            async for msg in self.client.stream("view.watch"):
                if isinstance(msg, Dropped):
                    self.publish(up.OwnerNotice(self.attached_pid, f"this console fell behind the owner: {msg.count} "
                                                                   "update(s) were not sent; job records re-read"))
                    await self._resync()
                elif isinstance(msg, StreamEvent):
                    self._on_view(msg.event, first)
            self._owner_lost(f"the owner (pid {self.attached_pid}) ended this console's view")
        except (OwnerGone, ApiError) as exc:
            self._owner_lost(str(exc))
        finally:
            first.set()

    def _on_view(self, item: dict[str, Any], first: asyncio.Event) -> None:
        kind = item.get("view")
        doc = item.get("job")
        if isinstance(doc, dict) and isinstance(doc.get("id"), int):
            self.jobs[doc["id"]] = Job.from_doc(doc["id"], doc)
        if kind == "ready":
            self._host_states_now()  # before any live event: those are newer
            first.set()
        elif kind == "schedules":  # an edit (by any client) or a firing: the Schedules view re-reads
            self._schedules_changed(str(item.get("reason") or "schedules changed"))
        elif kind == "drift":  # an accept or pin on the owner (by any client): the Drift pane re-reads
            from ftltui.engine.sanitize import safe_text

            self.publish(up.DriftChanged(safe_text(str(item.get("reason") or "drift changed"), 200)))
        elif kind == "pause_held" and isinstance(item.get("job_id"), int):  # a face held a timed pause
            self.pauses.note_held(item["job_id"])
        elif kind == "event" and isinstance(item.get("event"), dict):
            event = job_event(item["event"])
            if event is None:
                return
            if isinstance(event, jev.JobProgress) and event.job_id in self.jobs:
                self.jobs[event.job_id].progress = {"done": event.done, "total": event.total}
            self.on_domain_event(event)

    def _host_states_now(self) -> None:
        """Each host's latest state from the owner's jobs, as host updates: the tree, the
        header and a group's detail start from what the jobs say (hG s11 #9), not from
        whichever job happened to end while this console was attached."""
        for job_id, host, status in latest_host_states(self.jobs.values()):
            self.publish(up.HostProgress(job_id, host, status))

    def _schedules_changed(self, reason: str) -> None:
        from ftltui.console.schedules import desk_of

        desk = desk_of(self)
        if desk is not None:
            desk.changed(reason)

    async def _resync(self) -> None:
        """After dropped updates: the records of the active and the newest jobs, again (and
        the schedules: a dropped update may have been their change)."""
        assert self.client is not None
        self._schedules_changed("updates dropped: schedules re-read")
        try:
            rows = await self.client.request("jobs.list")
        except ApiError:  # more rows than one message holds: the jobs this console knows are enough
            rows = []
        ids = {r["id"] for r in rows[-RESYNC_JOBS:]} | {i for i, j in self.jobs.items() if not j.terminal}
        for job_id in sorted(ids):
            try:
                doc = await self.client.request("jobs.show", id=job_id)
            except ApiError:  # archived (or purged) meanwhile: the views drop it too (issue 16)
                self.jobs.pop(job_id, None)
                self.publish(up.JobChanged(job_id, None))
                continue
            doc["state"] = doc.get("stored_state", doc["state"])
            job = self.jobs[job_id] = Job.from_doc(job_id, doc)
            self.publish(up.JobChanged(job_id, job))

    # -- requests to the owner ----------------------------------------------------------
    async def _answer(self, op: str, args: dict[str, object]) -> object:
        await self._until_open()  # a session never opened (or closed) refuses at once
        if self.client is None or self.lost is not None:
            raise OwnerGone(self.lost or "not attached to an owner")
        answer: object = await self.client.request(op, **args)
        return answer

    async def _request(self, op: str, **args: object) -> dict[str, Any]:
        """A one-shot op whose answer is one record (a job, a schedule, an outcome)."""
        answer = await self._answer(op, args)
        if not isinstance(answer, dict):
            raise FtlError(f"the owner answered {op} with {type(answer).__name__}, not a record")
        return answer

    async def _rows(self, op: str, **args: object) -> list[dict[str, Any]]:
        """A one-shot op whose answer is a list of records (``jobs.list``, ``schedule.list``)."""
        answer = await self._answer(op, args)
        if not isinstance(answer, list) or not all(isinstance(r, dict) for r in answer):
            raise FtlError(f"the owner answered {op} with {type(answer).__name__}, not a list of records")
        return answer

    async def owner_request(self, op: str, **args: object) -> JsonDict:
        """One of the owner's one-shot ops (``schedule.add``, ``drift.accept`` ...): its
        record, or an :class:`~ftltui.errors.FtlError` with the owner's message."""
        return await self._request(op, **args)

    async def owner_rows(self, op: str, **args: object) -> list[JsonDict]:
        """:meth:`owner_request` for an op that answers with rows (``schedule.list``)."""
        return await self._rows(op, **args)

    async def _job(self, ref: dict[str, Any]) -> Job:
        """The record of a job the owner just created (from the view, else asked for)."""
        job_id = int(ref["id"])
        job = self.jobs.get(job_id)
        if job is None:
            doc = await self._request("jobs.show", id=job_id)
            doc["state"] = doc.get("stored_state", doc["state"])
            job = self.jobs[job_id] = Job.from_doc(job_id, doc)
        return job

    async def submit_run(self, target: str | list[str], module: str, args: JsonObject | None = None,
                         *, check: bool = False, parent: int | None = None,
                         become: RunBecome | None = None, confirmed: bool = False) -> Job:
        self.check_write("run")
        if become:
            raise FtlError("become from an attached console is not sent to the owner (its password would cross "
                           "processes): run it in the owner's console or with `ftl-tui run -b`")
        pattern = target if isinstance(target, str) else ",".join(target)
        hosts = self.resolve(target)
        if not hosts:
            raise FtlError(f"no hosts matched {pattern!r}")
        self.guard.check_run("run", self.inventory, [h.name for h in hosts], confirmed=confirmed)
        return await self._job(await self._request("run.submit", pattern=pattern, module=module,
                                                   args=dict(args or {}), check=check))

    async def submit_workflow(self, path: str, *, check: bool = False, confirmed: bool = False,
                              vars: JsonObject | None = None) -> Job:
        self.check_write("workflow")
        await asyncio.to_thread(self.guard.check_targets, "workflow", self.inventory,  # hosts() off the loop
                                lambda: workflow_hosts(path, self.inventory), confirmed=confirmed)
        return await self._job(await self._request("workflow.submit", file=str(Path(path).resolve()), check=check,
                                                   vars=dict(vars or {})))

    async def submit_playbook(self, path: str, options: PlayOptionsDoc | None = None, *,
                              confirmed: bool = False, secrets: PlaybookSecrets | None = None) -> Job:
        self.check_write("play")
        if secrets:  # prompt answers, a become password: job secrets of this process only
            raise FtlError("answers to a playbook's prompts and a become password are not sent to the owner "
                           "(they would cross processes): run it in the owner's console or with `ftl-tui play`")
        await asyncio.to_thread(self.guard.check_targets, "play", self.inventory, lambda: playbook_hosts(
            path, (options or {}).get("limit"), self.inventory, self.roles_path, self.collections_paths, self.vault),
            confirmed=confirmed)
        return await self._job(await self._request(
            "playbook.submit", file=str(Path(path).resolve()), options=dict(options or {}),
            roles_path=[str(p) for p in self.roles_path], collections_paths=[str(p) for p in self.collections_paths]))

    async def submit_drift_scan(self, pattern: str, *, drift_config: str | None = None) -> Job:
        self.check_write("drift scan")
        if drift_config is not None:  # the owner scans with its state directory's drift config
            raise FtlError("a drift config file is not sent to the owner: scan with the owner's drift.yml")
        return await self._job(await self._request("drift.scan", pattern=pattern))

    drift_scan = submit_drift_scan

    async def job_action(self, action: str, job_id: int, *, given: GivenSecrets | None = None) -> JobActionResult:
        """A re-run on protected hosts raises ``ProtectedConfirmationRequired`` here, before the
        owner is asked: the owner asks no question for a client (``check_protected``), so this
        face does, as the owning console does (hR finding 15); the face then calls
        :meth:`confirmed_job_action`."""
        return await self.confirmed_job_action(action, job_id, confirmed=False, given=given)

    async def confirmed_job_action(self, action: str, job_id: int, *, confirmed: bool = True,
                                   given: GivenSecrets | None = None) -> JobActionResult:
        """:meth:`job_action` after the operator answered the protected-group question; the
        secrets a re-run's job had (``given``) go to the owner in ``secrets`` (its socket only)."""
        self.check_write(action)
        if action in ("retry", "rerun", "requeue") and not confirmed:
            await self._ask_protected(action, job_id)
        secrets = {"secrets": given.to_wire()} if given else {}
        out = await self._request("jobs.action", action=action, id=job_id, **secrets)
        new = out.get("new_job")
        new_job = Job.from_doc(new["id"], new) if isinstance(new, dict) else None
        if new_job is not None:
            self.jobs.setdefault(new_job.id, new_job)
        if action == "purge" and out.get("done"):
            self.jobs.pop(job_id, None)
        return JobActionResult(str(out.get("action", action)), int(out.get("job_id", job_id)), bool(out.get("done")),
                               str(out.get("message", "")), new_job,
                               tuple(str(k) for k in out.get("needs_secrets") or ()))

    async def _ask_protected(self, action: str, job_id: int) -> None:
        """The hosts the owner's re-run would touch (its record and log: same machine, same
        user), judged by this face's guard; a job the owner refuses to re-run is left to it."""
        from ftltui.jobs.again import again_hosts
        from ftltui.jobs.model import TERMINAL

        doc = await self._request("jobs.show", id=job_id)
        doc["state"] = doc.get("stored_state", doc.get("state"))
        if doc["state"] not in TERMINAL:
            return  # the owner says why not
        log = Path(doc["log"]) if doc.get("log") else None
        job = Job(job_id, str(doc.get("kind", "")), dict(doc.get("spec") or {}))
        await asyncio.to_thread(lambda: self.check_protected(action, job, again_hosts(doc, action != "requeue", log),
                                                             False))  # reads the log and a workflow's file

    async def reload_inventory(self, sources: Sequence[str]) -> up.InventoryReloaded:
        """The owner's inventory when it names one (what is shown is what runs), else ``sources``."""
        await self.ready()
        return await super().reload_inventory(self.owner_sources or sources)

    # -- reading the directory's files ----------------------------------------------------
    async def job_history(self, job_id: int, limit: int) -> JobHistory:
        job = self.jobs.get(job_id)
        path = Path(job.log) if job is not None and job.log else self.state_dir / "logs" / f"{job_id}.jsonl"
        return await asyncio.to_thread(read_history, path, limit)

    @property
    def owns_jobs(self) -> bool:
        return False  # quitting leaves the owner's jobs running

    @property
    def drift_ready(self) -> bool:
        """The drift store can be read (the session is open)."""
        return self._drift is not None


def latest_host_states(jobs: Iterable[Job]) -> list[tuple[int, str, str]]:
    """(job id, host, status) for each host, from the job that ran it last: by the time the
    host's own last attempt ended (a job's ``updated`` is its last state change, which can
    come long after a host's result: hR s11 finding 7), ``running`` (now, newest of all)
    while a live job runs it, then job id. Its last attempt's status (a job closed by a dead
    owner's recovery reads as its ledger says). An attempt of an older record without
    ``ended`` falls back to the job's ``updated``."""
    latest: dict[str, tuple[float, int, str]] = {}
    for job in jobs:
        ledgers = [job.per_host or {}] + [(rec or {}).get("per_host") or {} for rec in (job.steps or {}).values()]
        for per_host in ledgers:
            for host, entry in per_host.items():
                attempts = entry.get("attempts") or []
                status = str(attempts[-1].get("status") or "") if attempts else ""
                when = float(attempts[-1].get("ended") or job.updated) if attempts else job.updated
                if entry.get("state") == "running" and not job.terminal:
                    status, when = "running", float("inf")
                if status and (when, job.id) >= latest.get(host, (-1.0, -1, ""))[:2]:
                    latest[host] = (when, job.id, status)
    return [(job_id, host, status) for host, (_ts, job_id, status) in latest.items()]
