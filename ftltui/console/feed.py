"""Domain events in, typed view updates out: the one translation every face shares.

The queue's bus carries job transitions and ``JobOutput`` wrapping the engine's, the
playbook runner's and the drift scan's events. :meth:`ViewFeed.translate` turns each
into :mod:`ftltui.console.updates` records, keeping the little state a face needs and
the events do not carry: the module of each run (a result line takes its shape) and
each playbook job's matrix (:class:`~ftltui.jobs.play_record.PlayRecord`).
"""

from __future__ import annotations

from collections.abc import Iterable

from ftltui.console import updates as up
from ftltui.drift import events as drift_events
from ftltui.engine.events import (
    HostFinished,
    HostStarted,
    OutputLine,
    RunFinished,
    RunStarted,
    Warning_,
)
from ftltui.jobs import events as jev
from ftltui.jobs.context import JobContext
from ftltui.jobs.model import FAILED, TERMINAL, Job, Outcome
from ftltui.jobs.play_record import PlayRecord
from ftltui.jobs.queue import Handler
from ftltui.playbook.events import PauseEnded, PauseStarted, PlaybookEvent
from ftltui.vault.needs import VaultNeed, collected

TRANSITIONS = tuple(set(jev.EVENT_FOR_STATE.values()))
MAX_PLAY_RECORDS = 50  # matrices kept live; an evicted job's is read back from its log when opened


class ViewFeed:
    """Stateful translator; one per session (runs and matrices of this session)."""

    def __init__(self) -> None:
        self.run_modules: dict[str, str] = {}  # run id -> module, while the run lasts
        self.play_records: dict[int, PlayRecord] = {}  # playbook job -> its matrix, bounded
        # job -> the vault ids its last attempt lacked a password for (watch_vault_needs),
        # handed on with its failure (JobChanged.vault_needs) and dropped when it ends
        self.vault_needs: dict[int, frozenset[VaultNeed]] = {}

    def translate(self, event: jev.JobEvent, job: Job | None) -> list[up.ViewUpdate]:
        """The updates ``event`` (of the job whose live record is ``job``) means to a face."""
        match event:
            case jev.JobsArchived(ids=ids):  # gone from the live store: a face drops their rows
                return [up.JobChanged(int(i), None) for i in ids]
            case jev.JobOutput(job_id=job_id, event=inner, step=step):
                return self._output(job_id, inner, step)
            case jev.QueueError(job_id=job_id, message=message, retrying=retrying):
                problem = up.QueueProblem(job_id, message, retrying)
                return [problem, up.JobChanged(job_id, job)] if job_id else [problem]
            case jev.StepChanged(job_id=job_id, step=step, state=state, reason=reason):
                return [up.StepChanged(job_id, step, state, reason), up.JobChanged(job_id, job)]
            case _ if isinstance(event, TRANSITIONS):
                needs = self.vault_needs.pop(event.job_id, frozenset()) if event.state in TERMINAL else frozenset()
                changed = up.JobChanged(event.job_id, job, event.state, event.reason,
                                        tuple(sorted(needs, key=lambda n: (n.vault_id, n.wrong)))
                                        if event.state == FAILED else ())
                if changed.noted and job is not None and job.kind == "drift_scan":
                    return [changed, up.DriftChanged(f"drift scan job {event.job_id} {event.state}")]
                return [changed]
            case _:  # progress, a lost owner: the record changed
                return [up.JobChanged(event.job_id, job)]

    def _output(self, job_id: int, ev: object, step: str | None) -> list[up.ViewUpdate]:
        match ev:
            case OutputLine(host=host, stream=stream, text=text):
                return [up.OutputText(job_id, host, stream, text, step)]
            case HostStarted(host=host):
                return [up.HostProgress(job_id, host, "running", step=step)]
            case HostFinished(run_id=run_id, host=host, result=result):
                return [up.HostProgress(job_id, host, result.status, result, self.run_modules.get(run_id, ""), step)]
            case RunStarted(run_id=run_id, module=module, hosts=hosts, check=check):
                self.run_modules[run_id] = module
                return [up.RunBegan(job_id, module, len(hosts), check, step)]
            case Warning_(host=host, text=text):
                return [up.HostWarning(job_id, host or "", text)]
            case RunFinished(run_id=run_id):
                self.run_modules.pop(run_id, None)  # every HostFinished of the run came before
                return []
            case PlaybookEvent():
                record = self.play_record(job_id)
                record.apply(ev)
                return [up.PlaybookProgress(job_id, ev, record)]
            case drift_events.DriftHostScanned(host=host, ok=ok):
                return [up.DriftHostScanned(job_id, host, ok)]
        return []

    def watch_vault_needs(self, handler: Handler) -> Handler:
        """``handler`` (a job kind's) run with the vault ids its decryptions lacked a password
        for collected (:mod:`ftltui.vault.needs`), kept for the job's failure update."""
        async def run(job: Job, ctx: JobContext) -> Outcome:
            with collected() as needs:
                try:
                    return await handler(job, ctx)
                finally:
                    if needs:
                        self.vault_needs[job.id] = frozenset(needs)
                    else:
                        self.vault_needs.pop(job.id, None)  # an earlier attempt's are not this one's

        return run

    def faces_only(self, event: jev.JobEvent) -> bool:
        """Is ``event``'s update of use to faces only (a line of output, a host starting or
        ending, a playbook task's progress, a drift host scanned)? While no face listens
        (``ftl-tui daemon`` with no client) the session builds none of them: they were most
        of its work per host. What the feed itself keeps (a run's module) and what the
        session's own desks need (a pause waiting for an answer, job transitions) go on."""
        if not isinstance(event, jev.JobOutput):
            return False
        ev = event.event
        if isinstance(ev, PlaybookEvent):
            return not isinstance(ev, (PauseStarted, PauseEnded))
        return isinstance(ev, (OutputLine, HostStarted, HostFinished, Warning_, drift_events.DriftHostScanned))

    def forget(self, job_ids: Iterable[int]) -> None:
        """Archived jobs (issue 16): their matrices go too."""
        for job_id in job_ids:
            self.play_records.pop(job_id, None)

    def play_record(self, job_id: int) -> PlayRecord:
        """The live matrix of a playbook job (a new one when this session has none)."""
        record = self.play_records.get(job_id)
        if record is None:
            record = self.play_records[job_id] = PlayRecord()
            while len(self.play_records) > MAX_PLAY_RECORDS:
                del self.play_records[next(iter(self.play_records))]
        return record
