"""The built-in job kinds: ``run`` (one module on a pattern) and ``workflow``.

Both use the queue's shared engine ``Executor`` (``JobQueue(executor=...)``) and log
every engine event into the job. Each keeps a per-host ledger (:mod:`ftltui.jobs.retry`)
saved as hosts finish: a retry runs only hosts that failed transiently and may safely
run again, and the result merges the attempts per host.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ftltui.ansible_modules.docs import controller_spec
from ftltui.engine.events import HostFinished, HostStarted, RunStarted
from ftltui.jobs import model as m
from ftltui.jobs import origin
from ftltui.jobs.context import JobContext
from ftltui.jobs.model import Job, Outcome
from ftltui.jobs.queue import JobQueue
from ftltui.jobs.retry import HostLedger, RetryPolicy, copy_ledger, idempotent, ledger_outcome
from ftltui.jobs.workflow import WorkflowRun, load_workflow, workflow_status


async def run_kind(job: Job, ctx: JobContext) -> Outcome:
    """One module on a pattern; a retry runs only the hosts the retry rule allows."""
    spec = ctx.spec
    problem = origin.mismatch(spec, ctx.executor.inventory, job.id)
    if problem is not None:  # queued with another inventory (a detached retry, another owner)
        return Outcome(m.ERROR, "inventory", problem, retry=False)
    names = [h.name for h in ctx.executor.inventory.select(spec["pattern"])]
    if not names:  # a re-run whose hosts are gone matched nothing: never "0 host(s) ok"
        return Outcome(m.ERROR, "no_hosts", f"no host matched {spec['pattern']!r} in the inventory: nothing ran",
                       retry=False)
    ledger = HostLedger(job.per_host, idempotent(spec["module"], spec.get("args")))
    todo = ledger.plan(names)
    number = job.attempts
    if not todo:  # a retry after a crash found nothing it may run again
        job.per_host = ledger.doc()
        return ledger_outcome(ledger, names)
    ledger.start(todo, number)
    await ctx.save({"per_host": ledger.doc()})  # durable before any host starts
    started: set[str] = set()  # hosts whose module began: cancelled after that, it may have run

    def on_event(ev: Any) -> None:
        if isinstance(ev, RunStarted):
            ctx.progress(len(names) - len(todo), len(names))
        elif isinstance(ev, HostStarted):
            started.add(ev.host)
        elif isinstance(ev, HostFinished):
            ledger.record(number, ev.result, ev.host in started)  # durable before its HostFinished is reported
            ctx.host_done([(["per_host", ev.host], ledger.entry(ev.host))])
        ctx.output(ev)

    wanted = set(todo)
    target: Any = spec["pattern"] if len(todo) == len(names) else \
        [h for h in ctx.executor.inventory.select(spec["pattern"]) if h.name in wanted]
    if spec.get("become"):  # the console's become toggle: under each host's own vars, like -b
        from dataclasses import replace

        from ftltui.engine.become import request_vars

        layer = request_vars(spec["become"])
        target = [replace(h, vars={**layer, **h.vars}) for h in ctx.executor.inventory.select(spec["pattern"])
                  if h.name in wanted]
    try:
        res = await ctx.executor.run(target, spec["module"], spec.get("args") or {},
                                     check=bool(spec.get("check")), timeout=spec.get("timeout"), on_event=on_event,
                                     forks=spec.get("forks"))  # a client's `run -f N`
    finally:
        await ctx.saved()
        job.per_host = ledger.doc()  # the final transition stores it with the outcome
    return ledger_outcome(ledger, names, res.cancelled)


async def workflow_kind(job: Job, ctx: JobContext) -> Outcome:
    """A workflow DAG. Step retries (``retries: N``) are the only retries of a step's
    hosts; a job-level retry happens only after the controller died (``lost``) and keeps
    finished steps and, inside the others, finished hosts."""
    from ftltui.jobs.events import StepChanged

    spec = ctx.spec
    problem = origin.mismatch(spec, ctx.executor.inventory, job.id)
    if problem is not None:
        return Outcome(m.ERROR, "inventory", problem, retry=False)
    path = spec["file"]
    if spec.get("content"):  # the file as it was enqueued, even if it changed since
        from ftltui.jobs.content_store import ContentStore

        path, copied = ContentStore(ctx.queue.store.path).live_or_stored(path, spec["content"])
        if copied:
            ctx.log.write({"event": "JobNote", "text": f"{spec['file']} changed since it was queued: "
                                                       f"running the stored content {spec['content'][:12]}"})
    wf = load_workflow(path, ctx.executor.inventory)
    total = len(wf.steps)

    def snapshot() -> dict[str, Any]:  # step records change in place while the store writes
        return {"steps": {n: {**r, "results": dict(r.get("results") or {}),
                              "per_host": copy_ledger(r.get("per_host") or {})} for n, r in run.steps.items()},
                "progress": job.progress}

    async def on_change(name: str, rec: dict[str, Any]) -> None:
        done = sum(1 for r in run.steps.values() if r["state"] in m.TERMINAL)
        ctx.progress(done, total)
        await ctx.saved()
        await ctx.save(snapshot())
        ctx.queue.emit(StepChanged(job.id, step=name, state=rec["state"], reason=rec.get("message", "")))
        ctx.log.write({"event": "StepChanged", "step": name, "state": rec["state"], "reason": rec.get("message", "")})

    retry_of = job.steps if job.attempts > 1 and job.steps else None
    run = WorkflowRun(wf, ctx.executor, check=bool(spec.get("check")), extra_vars=spec.get("vars"),
                      previous=None if retry_of else spec.get("resume"), retry_of=retry_of,
                      on_change=on_change, on_event=lambda step, ev: ctx.output(ev, step),
                      on_host=lambda step, rec, host: ctx.host_done(
                          [(["steps", step, "per_host", host], copy_ledger({host: rec["per_host"][host]})[host]),
                           (["steps", step, "results", host], rec["results"][host])]))
    try:
        steps = await run.run()
    finally:
        await ctx.saved()
    ok, kind = workflow_status(steps)
    summary = {"steps": {n: r["state"] for n, r in steps.items()}}
    if ok:
        return Outcome(m.OK, None, f"{total} step(s) ok", summary)
    bad = [n for n, r in steps.items() if r["state"] not in ("succeeded", "skipped")]
    first = next((n for n in bad if steps[n]["state"] == m.FAILED), bad[0])
    return Outcome(m.ERROR, kind, f"steps not ok: {', '.join(bad)}; {first}: {steps[first].get('message', '')}"[:600],
                   summary, retry=False)


# Ad-hoc runs are not retried automatically, as in Ansible: the operator sees the
# failure at once and retries explicitly (`jobs retry`, `e` in the console), which runs
# only the hosts that did not end well.
AD_HOC = RetryPolicy(max_attempts=1)


def register_builtin(queue: JobQueue) -> None:
    from ftltui.jobs import playbook_kind

    queue.register_kind("run", run_kind)
    queue.register_kind("workflow", workflow_kind)
    playbook_kind.register(queue)  # the console registers it again with its vault keyring


async def enqueue_run(queue: JobQueue, pattern: str, module: str, args: dict[str, Any], *, check: bool = False,
                      timeout: float | None = None, become: dict[str, Any] | None = None,
                      forks: int | None = None, inventory: list[str] | None = None, **kw: Any) -> Job:
    """``become``: ``{"user", "method", "password"}`` from the console; the password is a
    job secret (stored as ******** and kept in memory only, like secret arguments).
    ``forks``: the job's own bound on hosts at once (``ftl-tui run -f N`` as a client of an
    owner), kept in the spec so a retry runs with it too; none: the engine's. ``inventory``:
    the sources of the job this one re-runs (:mod:`ftltui.jobs.origin`); none: the queue's."""
    spec = controller_spec(module)
    secret_names = [a for a in spec.secret_args() if args.get(a) not in (None, "")]
    secrets = [str(args[a]) for a in secret_names]
    kinds = [f"arg:{a}" for a in secret_names]  # names only: a retry asks for these again
    hosts = [h.name for h in queue.executor.inventory.select(pattern)] if queue.executor else []
    kw.setdefault("retry", AD_HOC)
    doc: dict[str, Any] = {"pattern": pattern, "module": module, "args": args, "check": check, "timeout": timeout}
    if forks is not None:
        doc["forks"] = max(1, int(forks))
    if inventory:
        doc[origin.SPEC_KEY] = list(inventory)
    if become:
        doc["become"] = dict(become)
        if become.get("password"):
            secrets.append(str(become["password"]))
            kinds.append("become_password")
    return await queue.enqueue("run", doc, title=f"{module} on {pattern}" + (" (become)" if become else ""),
                               hosts=hosts, secrets=secrets, secret_kinds=kinds, **kw)


async def enqueue_workflow(queue: JobQueue, path: str | Path, *, vars: dict[str, Any] | None = None,
                           check: bool = False, resume: dict[str, Any] | None = None,
                           retry: RetryPolicy | None = None, content: str | None = None,
                           inventory: list[str] | None = None, extra_secrets: Sequence[str] = (),
                           **kw: Any) -> Job:
    """Validate first (a bad file never becomes a job), store its content (a retry runs
    it, not what the file says by then; ``content``: the sha of a job being re-run), enqueue.
    ``extra_secrets``: values given again for a re-run (``jobs retry --secret``), secrets of
    the job whether or not the file read now still declares them (session 10 review, 9)."""
    from ftltui.jobs.content_store import ContentStore, SecretInContent, known_secrets

    path = str(Path(path).resolve())
    store = ContentStore(queue.store.path)
    stored = content
    wf = load_workflow(path if stored is None else store.live_or_stored(path, stored)[0],
                       queue.executor.inventory if queue.executor else None)
    secrets = wf.secret_values(vars) + [v for v in extra_secrets if v not in ("", None)]
    for step in wf.steps.values():
        spec = controller_spec(step.module)
        secrets += [str(step.args[a]) for a in spec.secret_args() if step.args.get(a) not in (None, "")]
    note = ""
    if stored is None:
        try:
            stored = store.put_file(path, known_secrets(queue, secrets))
        except SecretInContent as exc:  # secrets never reach the state dir: a retry reads the file again
            note = exc.message
    doc: dict[str, Any] = {"file": path, "content": stored, "content_note": note,
                           "vars": vars or {}, "check": check, "resume": resume}
    if inventory:  # the job it re-runs: its own inventory (ftltui.jobs.origin)
        doc[origin.SPEC_KEY] = list(inventory)
    kinds = [f"var:{k}" for k, v in (vars or {}).items() if v not in (None, "") and str(v) in secrets]
    return await queue.enqueue("workflow", doc,
                               title=f"workflow {wf.name}" + (" (check)" if check else ""),
                               secrets=secrets, secret_kinds=kinds, retry=retry, **kw)
