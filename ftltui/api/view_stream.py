"""The owner's side of the ops attached consoles and following clients use (docs/api.md).

* ``view.watch`` (stream, read): an attached console's live view of the whole owner.
  First the newest job records (``{"view": "job", "job": {...}}``, in batches), then
  ``{"view": "ready"}``, then every job event as ``{"view": "event", "event": RECORD}``
  with the job's record (``"job"``) when the event changed it, and
  ``{"view": "schedules", "reason": ...}`` when the owner's schedules changed (an edit,
  a firing: the view re-reads them with ``schedule.list``), and
  ``{"view": "pause_held", "job_id": N}`` when a face held job N's timed pause
  (``pause.hold``: no playbook event says so). Each update is built and
  encoded once for all attached views (:class:`ViewHub`). Live: a client that falls
  behind gets a ``dropped`` notice instead of the events, and re-syncs.
* ``workflow.follow`` and ``jobs.again.follow`` (streams, write): submit, then the new
  job's events, complete (a ``play``/``jobs retry`` client prints each), ending with the
  job's end as ``jobs.watch`` ends. The first event is ``{"submitted": JOBREF}``; as for
  a command that owns the directory, events before the submission returned are not sent.
* ``jobs.action`` and ``jobs.again`` (one-shot, write): the console's job actions, and
  ``jobs retry|requeue --detach``.
* ``drift.accept`` (one-shot, write): an attached console's "accept the drift shown
  now": the owner writes its own ignore file.
* ``drift.baseline`` (one-shot, write): ``ftl-tui drift baseline`` while an owner is live:
  the owner pins (or clears) the named hosts' or group's baselines in its snapshot store.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from ftltui.api import protocol as p
from ftltui.api.operations import JobRef, WorkflowRequest, job_id_arg
from ftltui.api.view_operations import ViewOperations
from ftltui.console.feed import TRANSITIONS
from ftltui.console.results import BaselineRequest
from ftltui.drift.ignore import check_reason
from ftltui.engine.event_schema import event_record
from ftltui.errors import DriftConfigError
from ftltui.jobs import events as jev
from ftltui.jobs.again import GivenSecrets
from ftltui.vault import VaultSecret

if TYPE_CHECKING:
    from ftltui.api.outbox import Outbox
    from ftltui.api.server import ClientSession

STREAM_OPS = frozenset({"view.watch", "workflow.follow", "jobs.again.follow"})
WRITE_OPS = frozenset({"workflow.follow", "jobs.again.follow", "jobs.action", "jobs.again", "drift.accept",
                       "drift.baseline"})
ONE_SHOT_OPS = frozenset({"jobs.action", "jobs.again", "drift.accept", "drift.baseline"})
NOTICE_SECONDS = 0.5  # how often a view that fell behind is checked for a pending "dropped" notice
BATCH_BYTES = 256 * 1024  # job records per ``events`` message, well under the message bound
RECORD_CHANGES = TRANSITIONS + (jev.StepChanged, jev.JobLost, jev.QueueError)  # events that change a job's record


def _view_ops(session: ClientSession) -> ViewOperations:
    ops = session.ops
    if not isinstance(ops, ViewOperations):
        raise p.ProtocolError(p.E_UNKNOWN_OP, "this owner serves no attached views")
    return ops


def _resume(args: dict[str, Any]) -> bool:
    resume = args.get("resume", True)
    if not isinstance(resume, bool):
        raise p.ProtocolError(p.E_BAD_REQUEST, "argument 'resume': expected a boolean")
    return resume


def _given(args: dict[str, Any]) -> GivenSecrets | None:
    """``jobs.again``'s optional ``secrets``: the job's secrets given again by the client
    (over this 0600 socket only); the owner masks them as job secrets of the new job."""
    try:
        given = GivenSecrets.from_wire(args.get("secrets"))
    except ValueError as exc:
        raise p.ProtocolError(p.E_BAD_REQUEST, f"argument 'secrets': {exc}") from None
    return given or None


def _vault(args: dict[str, Any]) -> list[VaultSecret]:
    """``jobs.again``'s optional ``vault``: vault passwords the client read from its own vault
    options (``--ask-vault-pass``), ``[{"vault_id", "password"}]``; checked, never echoed."""
    value = args.get("vault") or []
    if not isinstance(value, list) or not all(
            isinstance(v, dict) and set(v) == {"vault_id", "password"} and isinstance(v["vault_id"], str)
            and v["vault_id"] and isinstance(v["password"], str) and v["password"] for v in value):
        raise p.ProtocolError(p.E_BAD_REQUEST, "argument 'vault': expected a list of {vault_id, password} strings")
    return [VaultSecret(v["vault_id"], v["password"].encode(), "a client's vault option") for v in value]


async def take_vault(ops: Any, args: dict[str, Any]) -> None:
    """A submit's optional ``vault`` (``run.submit``, ``playbook.submit``, ``workflow.submit``,
    ``workflow.follow``): the passwords the client read (its vault options, ``--ask-vault-pass``,
    ansible.cfg's ``vault_password_file``) go to the owner's keyring before the job is made, as
    ``jobs.again``'s do; an owner without a keyring refuses them (``bad_request``)."""
    vault = _vault(args)
    if vault:
        await ops.accept_vault(vault)


async def one_shot(session: ClientSession, req: p.Request) -> Any:
    ops = _view_ops(session)
    if req.op == "jobs.action":
        action = req.args.get("action")
        if not isinstance(action, str):
            raise p.ProtocolError(p.E_BAD_REQUEST, "argument 'action': expected a string")
        return await ops.job_action(action, job_id_arg(req.args), _given(req.args))
    if req.op == "drift.accept":
        pattern, reason = req.args.get("pattern", "all"), req.args.get("reason", "accepted in an attached console")
        if not isinstance(pattern, str) or not isinstance(reason, str):
            raise p.ProtocolError(p.E_BAD_REQUEST, "arguments 'pattern' and 'reason': expected strings")
        try:
            check_reason(reason)  # one line of the owner's ignore file: a newline would break it
        except DriftConfigError as exc:
            raise p.ProtocolError(p.E_BAD_REQUEST, f"argument {exc}") from None
        return await ops.drift_accept(pattern, reason[:200])
    if req.op == "drift.baseline":
        return await ops.drift_baseline(baseline_request(req.args))
    return (await ops.submit_again(job_id_arg(req.args), _resume(req.args), _given(req.args),
                                   _vault(req.args))).to_dict()


def baseline_request(args: dict[str, Any]) -> BaselineRequest:
    """``drift.baseline``'s arguments, type-checked: ``hosts`` (names), ``group``,
    ``snapshot`` (strings or null) and ``clear`` (a boolean)."""
    hosts = args.get("hosts") or []
    if not isinstance(hosts, list) or not all(isinstance(h, str) and h for h in hosts):
        raise p.ProtocolError(p.E_BAD_REQUEST, "argument 'hosts': expected a list of host names")
    group, snapshot, clear = args.get("group"), args.get("snapshot"), args.get("clear", False)
    if not all(v is None or isinstance(v, str) for v in (group, snapshot)) or not isinstance(clear, bool):
        raise p.ProtocolError(p.E_BAD_REQUEST, "arguments 'group', 'snapshot': expected strings; 'clear': a boolean")
    return BaselineRequest(tuple(hosts), group or None, snapshot or None, clear)


async def stream(session: ClientSession, req: p.Request) -> None:
    ops = _view_ops(session)
    if req.op == "view.watch":
        await _watch_view(session, ops, req.id)
    elif req.op == "workflow.follow":
        request = WorkflowRequest.from_args(req.args)
        await take_vault(session.ops, req.args)  # the client's vault passwords, before the job (docs/api.md)
        await _follow_new(session, ops, req.id, lambda: session.ops.submit_workflow(request))
    else:
        job_id, resume, given, vault = job_id_arg(req.args), _resume(req.args), _given(req.args), _vault(req.args)
        await _follow_new(session, ops, req.id, lambda: ops.submit_again(job_id, resume, given, vault))


def _record(ops: ViewOperations, event: jev.JobEvent) -> dict[str, Any]:
    rec: dict[str, Any] = ops.store.redactor.obj(event_record(event.to_dict()))
    return rec


Viewer = Callable[[p.SharedEvent | None], None]  # None: the update was too large to send


class ViewHub:
    """The owner's one subscription for all ``view.watch`` streams: each job event is
    redacted, turned into a view item and JSON-encoded once (:class:`~ftltui.api.protocol.SharedEvent`),
    then handed to every attached view (each splices in its stream id). Schedule changes
    (``ops.subscribe_schedules``) go out as ``{"view": "schedules", "reason": ...}``, an
    accept or pin of drift (``ops.subscribe_drift``) as ``{"view": "drift", "reason": ...}``, a
    held timed pause (``ops.subscribe_pause_held``) as ``{"view": "pause_held", "job_id": N}``."""

    def __init__(self, ops: ViewOperations) -> None:
        self.ops = ops
        self.viewers: list[Viewer] = []
        self._unsubscribe: list[Callable[[], None]] = []

    def add(self, viewer: Viewer) -> Callable[[], None]:
        if not self.viewers:
            self._unsubscribe = [self.ops.subscribe_events(self._on_event),
                                 self.ops.subscribe_schedules(self._on_schedules),
                                 self.ops.subscribe_drift(self._on_drift),
                                 self.ops.subscribe_pause_held(self._on_pause_held)]
        self.viewers.append(viewer)

        def remove() -> None:
            if viewer in self.viewers:
                self.viewers.remove(viewer)
            if not self.viewers:
                for unsubscribe in self._unsubscribe:
                    unsubscribe()
                self._unsubscribe = []
        return remove

    def _send(self, item: dict[str, Any]) -> None:
        try:
            shared: p.SharedEvent | None = p.SharedEvent(item)
        except p.ProtocolError:  # over the size bound: each view re-syncs on the notice
            shared = None
        for viewer in list(self.viewers):
            viewer(shared)

    def _on_event(self, event: jev.JobEvent) -> None:
        item: dict[str, Any] = {"view": "event", "event": _record(self.ops, event)}
        if isinstance(event, RECORD_CHANGES) and event.job_id:
            doc = self.ops.job_doc(event.job_id)
            if doc is not None:
                item["job"] = doc
        self._send(item)

    def _on_schedules(self, reason: str) -> None:
        self._send({"view": "schedules", "reason": reason})

    def _on_drift(self, reason: str) -> None:
        self._send({"view": "drift", "reason": reason})

    def _on_pause_held(self, job_id: int) -> None:
        self._send({"view": "pause_held", "job_id": job_id})


def hub_of(ops: ViewOperations) -> ViewHub:
    """The owner's hub, kept on ``ops`` itself (a global weak map whose values point back
    at their keys kept every owner alive; review hQ #9)."""
    if ops.view_hub is None:
        ops.view_hub = ViewHub(ops)
    return ops.view_hub


def live_viewer(outbox: Outbox, rid: int) -> Viewer:
    """The hub's viewer for stream ``rid`` of a client: each update framed for it, or counted
    as dropped (sent as one ``dropped`` notice once it catches up) while it is behind."""

    def viewer(shared: p.SharedEvent | None) -> None:
        if shared is None:
            outbox.count_dropped(rid)
        elif outbox.queued_bytes + len(shared.body) + shared.ENVELOPE > outbox.live_limit:
            # behind: dropped without building its frame (a copy of the body per viewer;
            # review hQ #10); ENVELOPE is a bound on what the frame adds
            if not outbox.closed:
                outbox.count_dropped(rid)
        else:
            outbox.put_live(rid, shared.frame(rid))

    return viewer


async def _watch_view(session: ClientSession, ops: ViewOperations, rid: int) -> None:
    outbox = session.outbox
    viewer = live_viewer(outbox, rid)

    # no await from here to the "ready" item: no event can fall between the records and the feed
    unsubscribe = hub_of(ops).add(viewer)
    try:
        batch: list[dict[str, Any]] = []
        size = 0
        for doc in ops.recent_job_docs():
            item = {"view": "job", "job": doc}
            try:
                n = len(p.encode(p.StreamEvent(rid, item)))
            except p.ProtocolError:
                continue  # one record over the message bound: `jobs show` reads it from the store
            if batch and size + n > BATCH_BYTES:
                session.send(p.StreamEvents(rid, tuple(batch)))
                batch, size = [], 0
            batch.append(item)
            size += n
        batch.append({"view": "ready"})
        session.send(p.StreamEvents(rid, tuple(batch)))
        while True:  # until the client cancels or goes away
            # events dropped while the client was behind are announced once it has caught up,
            # even when no later event comes to carry the notice (a job's last transition was dropped)
            await asyncio.sleep(NOTICE_SECONDS)
            await outbox.space()
            outbox.flush_dropped(rid)
    finally:
        unsubscribe()


async def _follow_new(session: ClientSession, ops: ViewOperations, rid: int,
                      submit: Callable[[], Awaitable[JobRef]]) -> None:
    ref = await submit()
    session.send(p.StreamEvent(rid, {"submitted": ref.to_dict()}))

    def sink(event: jev.JobEvent) -> None:
        if event.job_id != ref.id:
            return
        try:
            session.send(p.StreamEvent(rid, {"event": _record(ops, event)}))
        except p.ProtocolError:  # one event over the message bound: say so in its place
            session.send(p.StreamEvent(rid, {"event": {"event": "log.oversized", "job_id": ref.id}}))

    unsubscribe = ops.subscribe_events(sink)
    try:
        end = await session.ops.wait_job(ref.id)
    finally:
        unsubscribe()
    session.send(p.StreamEnd(rid, end.to_dict()))
