"""The ``playbook`` job kind: an Ansible playbook run as a durable job.

The job runs the content it stored when it was enqueued (:mod:`ftltui.jobs.playbook_content`),
so ``jobs show`` can name the version (a sha256) and a re-run runs that version.

Retries follow Ansible, where nothing is retried by itself: a playbook is not assumed
to be safe to run twice (its ``command``/``shell`` tasks may not be), so the default
policy makes one attempt and an attempt never asks for another (``Outcome.retry`` is
false). The operator's explicit **re-run from failure** (:func:`rerun_from_failure`,
what ``ansible-playbook --limit @site.retry`` did) runs the same stored content limited
to the hosts that failed or were unreachable; hosts that finished the playbook are never
run again by it. Per host the job keeps a ledger (:class:`~ftltui.jobs.retry.HostLedger`,
shown by ``jobs show``): ``running`` from its first play until the recap, then its recap
status.
"""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path
from typing import Any, Sequence, TypedDict, cast

from ftltui.engine.events import HostResult
from ftltui.jobs import model as m
from ftltui.jobs.content_store import ContentStore, SecretInContent, known_secrets
from ftltui.jobs.context import JobContext
from ftltui.jobs.model import Job, Outcome
from ftltui.jobs.playbook_content import PreparedRun, load, prepare, store_playbook, unpinned
from ftltui.jobs.retry import ENDED_WELL, HostLedger, RetryPolicy, rerun_split
from ftltui.json_types import JsonDict
from ftltui.state.journal import Ticket

KIND = "playbook"
ONE_ATTEMPT = RetryPolicy(max_attempts=1)
OPTION_FIELDS = ("limit", "tags", "skip_tags", "check", "diff", "forks", "start_at_task", "extra_vars",
                 "verbosity", "become", "become_user", "become_method", "remote_user")
EXIT_KIND = {1: "error", 2: "failed", 3: "unreachable", 4: "parser_error", 5: "bad_options", 99: "interrupted",
             250: "internal"}
_PATH_FIELDS = ("location", "path", "file", "text")


class PlayOptionsDoc(TypedDict, total=False):
    """The stored form of a playbook job's options (:class:`PlayOptions`' JSON-ready fields,
    those set): what ``submit_playbook`` takes and the job's spec keeps."""

    limit: str
    tags: list[str]
    skip_tags: list[str]
    check: bool
    diff: bool
    forks: int
    start_at_task: str
    extra_vars: JsonDict  # -e: user JSON
    verbosity: int
    become: bool
    become_user: str
    become_method: str
    remote_user: str


def options_doc(**kw: Any) -> PlayOptionsDoc:
    """The stored form of a run's options (PlayOptions' JSON-ready fields; no prompt)."""
    unknown = set(kw) - set(OPTION_FIELDS)
    if unknown:
        raise ValueError(f"unknown play options: {', '.join(sorted(unknown))}")
    doc = {k: v for k, v in kw.items() if v not in (None, (), [], {}, False)}
    for k in ("tags", "skip_tags"):
        if k in doc:
            doc[k] = list(doc[k])
    return cast(PlayOptionsDoc, doc)  # the keys checked above, the values as PlayOptions holds them


def play_options(doc: dict[str, Any]) -> Any:
    from ftltui.playbook.options import PlayOptions

    kw = {k: doc[k] for k in OPTION_FIELDS if k in doc}
    for k in ("tags", "skip_tags"):
        if k in kw:
            kw[k] = tuple(kw[k])
    return PlayOptions(**kw)  # ask=None: nobody can answer a prompt in a job, as with no TTY


def content_store(queue: Any) -> ContentStore:
    return ContentStore(queue.store.path)


class PlaybookKind:
    """The handler; holds what the console or CLI knows and a job cannot store (the vault)."""

    def __init__(self, vault: Any = None, ask: Any = None, pausers: Any = None) -> None:
        self.vault = vault
        self.ask = ask  # vars_prompt answers (PlayOptions.ask): the CLI's terminal, else nobody
        # job id -> the run's pauser (None: nobody answers, as without a TTY): the console
        # core's PauseDesk.pauser, where a pause is the job's waiting state (issue 15)
        self.pausers = pausers

    async def __call__(self, job: Job, ctx: JobContext) -> Outcome:
        from ftltui.jobs import origin

        spec = ctx.spec
        problem = origin.mismatch(spec, ctx.executor.inventory, job.id)
        if problem is not None:  # queued with another inventory (a detached re-run, another owner)
            return Outcome(m.ERROR, "inventory", problem, retry=False)
        prepared: PreparedRun = await asyncio.to_thread(prepare, content_store(ctx.queue), spec, self.vault)
        ctx.log.write({"event": "JobNote", "text": prepared.note})
        job.summary = {**(job.summary or {}), "content": prepared.content, "ran": prepared.ran}
        ledger = HostLedger(job.per_host, False)
        number = job.attempts
        plays = len(prepared.playbook.plays)
        failures: dict[str, str] = {}
        labels: dict[str, str] = {}
        # each host's span in the run: from the start of the first task that gave it a result
        # to its last result (a task's end), what `jobs show` gives as the host's duration
        began: dict[str, float] = {}  # task_id -> when it (last) started
        spans: dict[str, tuple[float, float]] = {}  # host -> (first task start, last task end)
        options = play_options(spec.get("options") or {})
        from ftltui.playbook.desired_record import DesiredCollector, real_run_paths

        desired = DesiredCollector(real_runs=real_run_paths(prepared.playbook)) if options.check else None

        starts: list[Ticket] = []

        async def batch_started(_hosts: tuple[str, ...]) -> None:
            while starts:
                await starts.pop(0)

        def on_event(ev: Any) -> None:
            if desired is not None:  # --check: declared vs actual, as workflows (paths of the copy run)
                desired(ev)
            ev = _original_paths(ev, prepared)
            name = ev.type
            if name == "PlayStarted":
                fresh = [h for h in ev.hosts if h not in ledger.entries]
                ledger.start(fresh, number)
                ctx.progress(ev.index, plays)
                if fresh:  # journaled now; the batch's first task waits for it (batch_started)
                    starts.append(ctx.host_done([(["per_host", h], ledger.entry(h)) for h in fresh]))
            elif name == "TaskStarted":
                labels[ev.task_id] = ev.label
                began[ev.task_id] = ev.ts
            elif name == "HostTaskResult" and ev.status in ("failed", "unreachable") and not ev.ignored:
                failures[ev.host] = f"{labels.get(ev.task_id, ev.task_id)}: {_failure_text(ev.status, ev.result)}"
            if name == "HostTaskResult":
                start = began.get(ev.task_id, ev.ts)
                first, last = spans.get(ev.host, (start, ev.ts))
                spans[ev.host] = (min(first, start), max(last, ev.ts))
            ctx.output(ev)

        from ftltui.playbook.runner import run_playbook

        options.ask = self.ask
        options.batch_started = batch_started
        options.pauser = self.pausers(job.id) if self.pausers is not None else None
        # what the console asked before queueing (private answers and the become password
        # are job secrets: this in-memory spec has them, the stored one says ********)
        options.prompt_answers = {str(k): str(v) for k, v in (spec.get("answers") or {}).items()}
        if spec.get("become_password"):
            options.var_defaults = {"ansible_become_password": str(spec["become_password"])}
        try:
            finished = await run_playbook(prepared.playbook, ctx.executor, options, on_event)
        except asyncio.CancelledError:
            ledger.cancel_running(started=True)  # their play had begun: tasks may have run
            job.per_host = ledger.doc()
            raise
        finally:
            await ctx.saved()
        ctx.progress(plays, plays)
        for host, st in finished.stats.items():
            status = "unreachable" if st.unreachable else "failed" if st.failed else "changed" if st.changed else "ok"
            first, last = spans.get(host, (0.0, 0.0))
            ledger.record(number, HostResult(host, status, {"msg": failures.get(host, "")},  # type: ignore[arg-type]
                                             duration=last - first,
                                             error_kind="unreachable" if st.unreachable else None))
        ledger.cancel_running("not in the recap")
        job.per_host = ledger.doc()
        summary = {"content": prepared.content, "ran": prepared.ran, "exit_code": finished.exit_code,
                   "recap": {h: s.to_dict() for h, s in finished.stats.items()}}
        if desired is not None:
            summary["desired"] = desired.doc()
        if finished.exit_code == 0 and not finished.stats and job.parent is not None:
            # a re-run (retry/requeue) whose hosts are gone from the inventory ran nothing: not a success
            return Outcome(m.ERROR, "no_hosts", "no host of the job matched the inventory: nothing ran",
                           summary, retry=False)
        if finished.exit_code == 0:
            return Outcome(m.OK, None, f"{len(finished.stats)} host(s) ok", summary)
        if finished.interrupted:
            return Outcome(m.ATTEMPT_CANCELLED, "cancelled", "interrupted", summary)
        bad = [h for h, e in ledger.entries.items() if (e["attempts"] or [{}])[-1].get("status") not in ENDED_WELL]
        msg = f"exit {finished.exit_code}; " + "; ".join(
            f"{h}: {failures.get(h) or (ledger.last(h) or {}).get('status', '?')}" for h in bad[:3])
        # the kind from the recap: ansible-playbook exits 4 for unreachable hosts as for a parser error
        kind = "unreachable" if any(s.unreachable for s in finished.stats.values()) else \
            "failed" if any(s.failed for s in finished.stats.values()) else EXIT_KIND.get(finished.exit_code, "error")
        return Outcome(m.ERROR, kind, msg[:600], summary, retry=False)


def _failure_text(status: str, result: dict[str, Any]) -> str:
    """What a failed task's result says for the job's reason. A ``no_log: true`` task's
    result is censored (no ``msg``): the reason says so in ansible-playbook's words, not
    only "failed", so the operator knows why there is nothing more to read."""
    if "msg" in result:
        return str(result["msg"])
    censored = result.get("censored")
    return f"{status} ({censored})" if censored else status


def _original_paths(ev: Any, prepared: PreparedRun) -> Any:
    """Events of a stored copy name the files the user knows, not the copy's."""
    if prepared.tree is None:
        return ev
    changes: dict[str, Any] = {f: prepared.original_path(getattr(ev, f)) for f in _PATH_FIELDS
                               if isinstance(getattr(ev, f, None), str) and str(prepared.tree) in getattr(ev, f)}
    result = getattr(ev, "result", None)
    if isinstance(result, dict) and str(prepared.tree) in str(result.get("msg", "")):
        changes["result"] = {**result, "msg": prepared.original_path(str(result["msg"]))}
    return dataclasses.replace(ev, **changes) if changes else ev


def register(queue: Any, vault: Any = None, ask: Any = None, pausers: Any = None) -> None:
    queue.register_kind(KIND, PlaybookKind(vault, ask, pausers))


async def enqueue_playbook(queue: Any, path: str | Path, *, options: PlayOptionsDoc | None = None,
                           roles_path: Sequence[str] = (), collections_paths: Sequence[str] = (),
                           vault: Any = None, retry: RetryPolicy | None = None,
                           answers: dict[str, Any] | None = None, private: Sequence[str] = (),
                           become_password: str | None = None, **kw: Any) -> Job:
    """Load (a bad playbook raises with file:line and never becomes a job), store its
    content, enqueue. ``options``: :func:`options_doc`. ``answers``: ``vars_prompt``
    answers by name (those named in ``private`` and ``become_password`` are job secrets:
    kept in memory for the run, stored and logged as ********)."""
    path = str(Path(path).resolve())
    roles_path = [str(Path(p).expanduser()) for p in roles_path]
    collections_paths = [str(Path(p).expanduser()) for p in collections_paths]

    def load_and_store() -> tuple[Any, str | None, str]:
        playbook = load(Path(path), roles_path, collections_paths, vault)
        try:
            sha, _manifest = store_playbook(content_store(queue), playbook, known_secrets(queue), roles_path,
                                            collections_paths, vault)
        except SecretInContent as exc:  # secrets never reach the state dir: a re-run reads the files again
            return playbook, None, exc.message
        loose = unpinned(playbook, roles_path, collections_paths, vault)
        return playbook, sha, ("not stored (read where they are): " + "; ".join(loose[:5])) if loose else ""

    playbook, sha, note = await asyncio.to_thread(load_and_store)
    opts: dict[str, Any] = dict(options or {})
    spec = {"playbook": path, "content": sha, "content_note": note, "options": opts, "roles_path": roles_path,
            "collections_paths": collections_paths}
    private_answers = {str(k): str(v) for k, v in (answers or {}).items() if k in private and v not in (None, "")}
    secrets = list(private_answers.values())
    kinds = [f"prompt:{k}" for k in private_answers]  # names only: a retry asks for these again
    if answers:
        spec["answers"] = {str(k): str(v) for k, v in answers.items()}
    if become_password:
        spec["become_password"] = become_password
        secrets.append(become_password)
        kinds.append("become_password")
    if secrets:
        kw["secrets"] = [*kw.get("secrets", ()), *secrets]
        kw["secret_kinds"] = [*kw.get("secret_kinds", ()), *kinds]
    kw.setdefault("hosts", play_hosts(playbook, getattr(queue.executor, "inventory", None), opts.get("limit")))
    return await queue.enqueue(KIND, spec, title=_title(path, opts), retry=retry or ONE_ATTEMPT, **kw)


def play_hosts(playbook: Any, inventory: Any, limit: str | None) -> list[str]:
    """The hosts the plays target (within ``limit``), for the Jobs pane and the queue's
    per-host limit; a templated ``hosts:`` is known only at run time and adds nothing."""
    from ftltui.errors import FtlError

    if inventory is None:
        return []
    try:
        allowed = {h.name for h in inventory.select(limit)} if limit else None
        names: dict[str, None] = {}
        for play in playbook.plays:
            if "{{" not in play.hosts and "{%" not in play.hosts:
                names.update((h.name, None) for h in inventory.select(play.hosts)
                             if allowed is None or h.name in allowed)
        return list(names)
    except FtlError:  # a pattern the inventory refuses: the run reports it
        return []


def _title(path: str, opts: dict[str, Any]) -> str:
    extra = [f"-l {opts['limit']}"] if opts.get("limit") else []
    extra += [f"-t {','.join(opts['tags'])}"] if opts.get("tags") else []
    extra += ["--check"] if opts.get("check") else []
    extra += ["--diff"] if opts.get("diff") else []
    return f"playbook {Path(path).name}" + (" " + " ".join(extra) if extra else "")


def failed_hosts(job: Job | dict[str, Any]) -> list[str]:
    """Hosts whose last attempt did not end well (failed, unreachable, cancelled before its
    play began): what Ansible's ``.retry`` file listed, less the hosts whose tasks may have
    run (cancelled mid-play, controller died: :func:`held_hosts`, README "Retries")."""
    per_host = job.get("per_host") if isinstance(job, dict) else job.per_host
    return rerun_split(per_host or {}, False)[0]


def held_hosts(job: Job | dict[str, Any]) -> dict[str, str]:
    """Hosts a re-run from failure leaves alone, with why: their tasks may have run."""
    per_host = job.get("per_host") if isinstance(job, dict) else job.per_host
    return rerun_split(per_host or {}, False)[1]


async def rerun_from_failure(queue: Any, job: Job | dict[str, Any], job_id: int | None = None,
                             **kw: Any) -> Job | None:
    """A new job running the same stored content on the failed/unreachable hosts only
    (``--limit`` of those hosts); ``None`` when every host finished well. ``kw``: the
    secrets given again (``secrets``, ``secret_kinds``: :func:`ftltui.jobs.again.restored`)."""
    hosts = failed_hosts(job)
    if not hosts:
        return None
    spec = dict(job["spec"] if isinstance(job, dict) else job.spec)
    opts = {**(spec.get("options") or {}), "limit": ",".join(hosts)}
    spec["options"] = opts
    parent = job_id if job_id is not None else getattr(job, "id", None)
    return await queue.enqueue(KIND, spec, title=_title(spec["playbook"], opts) + " (re-run from failure)",
                               hosts=hosts, retry=ONE_ATTEMPT, parent=parent, **kw)
