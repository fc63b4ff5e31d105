"""The built-in job kinds: ``run`` (one module on a pattern) and ``workflow``.

Both use the queue's shared engine ``Executor`` (``JobQueue(executor=...)``) and log
every engine event into the job. Failures are classified by the hosts' error kinds so
the retry policy only retries what a retry can fix.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ftltui import modules
from ftltui.engine.events import HostResult, RunStarted
from ftltui.jobs import model as m
from ftltui.jobs.context import JobContext
from ftltui.jobs.model import Job, Outcome
from ftltui.jobs.queue import JobQueue
from ftltui.jobs.retry import TRANSIENT_KINDS, RetryPolicy
from ftltui.jobs.workflow import WorkflowRun, load_workflow, workflow_status


def classify(results: dict[str, HostResult], cancelled: bool = False) -> Outcome:
    counts: dict[str, int] = {}
    for r in results.values():
        counts[r.status] = counts.get(r.status, 0) + 1
    if cancelled:
        return Outcome(m.ATTEMPT_CANCELLED, "cancelled", "cancelled", {"counts": counts})
    bad = [r for r in results.values() if not r.ok]
    if not bad:
        return Outcome(m.OK, None, f"{len(results)} host(s) ok", {"counts": counts})
    kinds = [r.error_kind or r.status for r in bad]
    # one permanent failure makes the whole attempt permanent: retrying cannot fix it
    kind = next((k for k in kinds if k not in TRANSIENT_KINDS), kinds[0])
    status = m.TIMEOUT if kind == "timeout" else m.ERROR
    return Outcome(status, kind, f"{len(bad)} host(s) failed: {bad[0].host}: {bad[0].msg[:200]}", {"counts": counts})


async def run_kind(job: Job, ctx: JobContext) -> Outcome:
    spec = ctx.spec

    def on_event(ev: Any) -> None:
        if isinstance(ev, RunStarted):
            ctx.progress(0, len(ev.hosts))
        ctx.output(ev)

    res = await ctx.executor.run(spec["pattern"], spec["module"], spec.get("args") or {},
                                 check=bool(spec.get("check")), timeout=spec.get("timeout"), on_event=on_event)
    return classify(res.results, res.cancelled)


async def workflow_kind(job: Job, ctx: JobContext) -> Outcome:
    spec = ctx.spec
    wf = load_workflow(spec["file"], ctx.executor.inventory)
    total = len(wf.steps)

    async def on_change(name: str, rec: dict[str, Any]) -> None:
        done = sum(1 for r in run.steps.values() if r["state"] in m.TERMINAL)
        ctx.progress(done, total)
        from ftltui.jobs.events import StepChanged

        await ctx.save({"steps": dict(run.steps), "progress": job.progress})
        ctx.queue.emit(StepChanged(job.id, step=name, state=rec["state"], reason=rec.get("message", "")))
        ctx.log.write({"event": "StepChanged", "step": name, "state": rec["state"], "reason": rec.get("message", "")})

    previous = spec.get("resume") or (job.steps if job.attempts > 1 else None)
    run = WorkflowRun(wf, ctx.executor, check=bool(spec.get("check")), extra_vars=spec.get("vars"),
                      previous=previous, on_change=on_change, on_event=lambda step, ev: ctx.output(ev, step))
    steps = await run.run()
    ok, kind = workflow_status(steps)
    summary = {"steps": {n: r["state"] for n, r in steps.items()}}
    if ok:
        return Outcome(m.OK, None, f"{total} step(s) ok", summary)
    bad = [n for n, r in steps.items() if r["state"] not in ("succeeded", "skipped")]
    return Outcome(m.ERROR, kind, f"steps not ok: {', '.join(bad)}", summary)


def register_builtin(queue: JobQueue) -> None:
    queue.register_kind("run", run_kind)
    queue.register_kind("workflow", workflow_kind)


async def enqueue_run(queue: JobQueue, pattern: str, module: str, args: dict[str, Any], *, check: bool = False,
                      timeout: float | None = None, **kw: Any) -> Job:
    spec = modules.spec(module)
    secrets = [str(args[a]) for a in spec.secret_args() if args.get(a) not in (None, "")]
    hosts = [h.name for h in queue.executor.inventory.select(pattern)] if queue.executor else []
    return await queue.enqueue("run", {"pattern": pattern, "module": module, "args": args, "check": check,
                                       "timeout": timeout}, title=f"{module} on {pattern}", hosts=hosts,
                               secrets=secrets, **kw)


async def enqueue_workflow(queue: JobQueue, path: str | Path, *, vars: dict[str, Any] | None = None,
                           check: bool = False, resume: dict[str, Any] | None = None,
                           retry: RetryPolicy | None = None, **kw: Any) -> Job:
    """Validate first (a bad file never becomes a job), then enqueue."""
    path = str(Path(path).resolve())
    wf = load_workflow(path, queue.executor.inventory if queue.executor else None)
    secrets = wf.secret_values(vars)
    for step in wf.steps.values():
        spec = modules.spec(step.module)
        secrets += [str(step.args[a]) for a in spec.secret_args() if step.args.get(a) not in (None, "")]
    return await queue.enqueue("workflow", {"file": path, "vars": vars or {}, "check": check, "resume": resume},
                               title=f"workflow {wf.name}" + (" (check)" if check else ""),
                               secrets=secrets, retry=retry, **kw)
