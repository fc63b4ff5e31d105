"""Runs a workflow as a DAG on the engine.

Steps whose dependencies are finished start at once (independent branches run
concurrently). A failed step marks its dependants ``upstream_failed`` (per their
``trigger``) while other branches go on. Steps move through the same states and the
same transition table as jobs. ``previous`` (the step records of an earlier run)
makes this a re-run from failure: steps that succeeded or were skipped are kept,
everything else runs again.

Step records (``job.steps[name]``) hold ``state``, ``history``, ``changed``,
``counts``, and per-host ``results`` (Ansible result shape, with ``diff`` in check
mode): the drift helper reads desired-state drift from them.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from typing import Any, Awaitable, Callable

from ftltui.engine.events import HostFinished
from ftltui.errors import FtlError
from ftltui.jobs import model as m
from ftltui.jobs.model import check_transition
from ftltui.jobs.retry import ENDED_WELL, HostLedger, idempotent, ledger_outcome
from ftltui.jobs.workflow.expr import ExprError, evaluate
from ftltui.jobs.workflow.loader import Step, Workflow

KEEP = (m.SUCCEEDED, m.SKIPPED)
OnChange = Callable[[str, dict[str, Any]], Awaitable[None]]
OnEvent = Callable[[str, Any], None]
OnHost = Callable[[str, dict[str, Any], str], object]  # (step, its record, the host that finished)


class WorkflowRun:
    def __init__(self, wf: Workflow, executor: Any, *, check: bool = False, extra_vars: dict[str, Any] | None = None,
                 previous: dict[str, Any] | None = None, retry_of: dict[str, Any] | None = None,
                 on_change: OnChange | None = None, on_event: OnEvent | None = None,
                 on_host: OnHost | None = None) -> None:
        """``previous``: an operator's re-run from failure (failed hosts run again);
        ``retry_of``: this job's own records after its controller died (the retry rule:
        only hosts that may run again do)."""
        self.wf = wf
        self.executor = executor
        self.check = check
        self.vars = {**wf.vars, **(extra_vars or {})}
        self.on_change = on_change
        self.on_event = on_event
        self.on_host = on_host
        self.steps: dict[str, dict[str, Any]] = {}
        for name in wf.steps:
            old = (retry_of or previous or {}).get(name)
            if old and old.get("state") in KEEP:
                self.steps[name] = {**old, "kept": True}
                continue
            rec = {"state": m.QUEUED, "history": [[m.QUEUED, time.time(), ""]], "changed": False,
                   "counts": {}, "results": {}, "per_host": {}, "attempts": 0, "message": ""}
            if old:  # finished hosts inside an unfinished step are kept too
                per_host = dict(old.get("per_host") or {})
                if retry_of is None:  # an operator's re-run: hosts that did not end well run again
                    per_host = {h: e for h, e in per_host.items()
                                if e.get("attempts") and e["attempts"][-1].get("status") in ENDED_WELL}
                results = {h: r for h, r in (old.get("results") or {}).items() if h in per_host}
                rec.update(per_host=per_host, results=results, attempts=old.get("attempts", 0) if retry_of else 0)
                if old.get("history") and retry_of is not None:
                    rec["history"] = old["history"] + rec["history"]
            self.steps[name] = rec

    async def _move(self, name: str, new: str, reason: str = "", **fields: Any) -> None:
        rec = self.steps[name]
        check_transition(rec["state"], new, f"step {name}")
        rec.update(fields)
        rec["state"] = new
        rec["history"] = rec["history"] + [[new, time.time(), reason]]
        rec["message"] = reason or rec.get("message", "")
        if self.on_change is not None:
            await self.on_change(name, rec)

    def _env(self) -> dict[str, Any]:
        steps = {n: {"state": r["state"], "changed": r.get("changed", False),
                     "failed": r["state"] == m.FAILED, "ok": r["state"] in KEEP,
                     "skipped": r["state"] == m.SKIPPED, "counts": r.get("counts", {})}
                 for n, r in self.steps.items()}
        return {**self.vars, "vars": self.vars, "steps": steps}

    def _gate(self, step: Step) -> tuple[str | None, str]:
        """None to run, else the state to close the step with and why."""
        deps = [self.steps[d]["state"] for d in step.depends_on]
        if step.trigger == "all_success" and any(s not in KEEP for s in deps):
            bad = [d for d in step.depends_on if self.steps[d]["state"] not in KEEP]
            return m.UPSTREAM_FAILED, f"upstream not successful: {', '.join(bad)}"
        if step.trigger == "one_success" and deps and not any(s == m.SUCCEEDED for s in deps):
            return m.UPSTREAM_FAILED, "no upstream step succeeded"
        if step.when_tree is not None:
            try:
                if not evaluate(step.when_tree, self._env()):
                    return m.SKIPPED, f"when: {step.when} is false"
            except ExprError as exc:
                return m.UPSTREAM_FAILED, f"when: {exc}"
        return None, ""

    async def run(self) -> dict[str, dict[str, Any]]:
        running: dict[asyncio.Task[None], str] = {}
        try:
            while True:
                moved = False
                for name, step in self.wf.steps.items():
                    rec = self.steps[name]
                    if rec["state"] != m.QUEUED or any(name == n for n in running.values()):
                        continue
                    if any(self.steps[d]["state"] not in m.TERMINAL for d in step.depends_on):
                        continue
                    close, why = self._gate(step)
                    if close is not None:
                        await self._move(name, close, why)
                        moved = True
                        continue
                    running[asyncio.create_task(self._run_step(step), name=f"step-{name}")] = name
                    moved = True
                if not running:
                    if all(r["state"] in m.TERMINAL for r in self.steps.values()):
                        return self.steps
                    if not moved:
                        raise RuntimeError("workflow made no progress (a bug in the DAG runner)")
                    continue  # a gate closed something: look again
                done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                for t in done:
                    running.pop(t)
                    t.result()
        except asyncio.CancelledError:
            for t in running:
                t.cancel()
            await asyncio.gather(*running, return_exceptions=True)
            for name, rec in self.steps.items():  # close every unfinished step
                if rec["state"] == m.RUNNING:
                    await self._move(name, m.CANCELLING, "cancelled")
                if rec["state"] not in m.TERMINAL:
                    await self._move(name, m.CANCELLED, "cancelled")
            raise

    async def _run_step(self, step: Step) -> None:
        """Attempts of one step: each runs only the hosts the retry rule lets run (never
        one whose attempt finished); ``retries: N`` allows N more attempts per host."""
        name, rec = step.name, self.steps[step.name]
        check = self.check if step.check is None else step.check
        ledger = HostLedger(rec.get("per_host"), idempotent(step.module, step.args))
        rec["idempotent"] = ledger.idempotent
        budget = step.retries + 1
        try:
            hosts = self._hosts(step)
        except FtlError as exc:
            await self._move(name, m.RUNNING, "attempt 1", attempts=rec.get("attempts", 0) + 1)
            await self._move(name, m.FAILED, str(exc), error_kind="bad_args")
            return
        names = [h.name for h in hosts]
        while True:
            todo = ledger.plan(names, budget)
            attempt = rec.get("attempts", 0) + 1
            if todo:
                ledger.start(todo, attempt)
            await self._move(name, m.RUNNING, f"attempt {attempt}" if todo else "nothing left to run",
                             attempts=attempt, per_host=ledger.entries)
            if todo:
                wanted = set(todo)
                err = await self._run_hosts(step, [h for h in self._hosts(step) if h.name in wanted],
                                            ledger, attempt, check)
                if err is not None:
                    await self._move(name, m.FAILED, str(err), error_kind="bad_args")
                    return
            out = ledger_outcome(ledger, names, budget=budget)
            merged = {h: rec["results"][h] for h in names if h in rec["results"]}
            fields = {"results": merged, "counts": out.summary["counts"],
                      "changed": any(r.get("status") == "changed" for r in merged.values()),
                      "error_kind": out.error_kind}
            if out.status == m.OK:
                await self._move(name, m.SUCCEEDED, out.message, **fields)
                return
            if out.retry and todo:
                await self._move(name, m.RETRY_WAIT, out.message, **fields)
                await asyncio.sleep(min(5.0, 0.2 * 2 ** (attempt - 1)))
                await self._move(name, m.QUEUED, "retry")
                continue
            await self._move(name, m.FAILED, out.message, **fields)
            return

    async def _run_hosts(self, step: Step, hosts: list[Any], ledger: HostLedger, attempt: int,
                         check: bool) -> FtlError | None:
        """One engine run of the step; each host's result is recorded as it finishes."""
        name, rec = step.name, self.steps[step.name]

        def on_event(ev: Any) -> None:
            if isinstance(ev, HostFinished):
                ledger.record(attempt, ev.result)  # rec["per_host"] is the ledger's own dict
                rec["results"][ev.host] = ev.result.to_dict()
                if self.on_host is not None:
                    self.on_host(name, rec, ev.host)
            if self.on_event is not None:
                self.on_event(name, ev)

        try:
            env = self._environment(step, hosts)
            await self.executor.run(hosts, step.module, step.args, check=check, timeout=step.timeout,
                                    on_event=on_event, **({"environment": env} if env else {}))
        except FtlError as exc:
            return exc
        return None

    def _environment(self, step: Step, hosts: list[Any]) -> dict[str, Any] | None:
        """The environment the module processes get: the workflow's ``environment`` with the
        step's laid over it name by name; rendered with each host's variables when templated
        (then per host, ``{host: {name: value}}``, still one engine run: the hosts share
        ``forks`` as any step's do). The values may be secrets: they go to the executor only
        (the gate's request frame), never into step records, events or argv."""
        levels = [level for level in (self.wf.environment, step.environment) if level]
        if not levels:
            return None
        from ftltui.engine.templating import has_template, host_context, render_args

        if not any(has_template(level) if isinstance(level, str) else
                   any(isinstance(v, str) and has_template(v) for v in level.values()) for level in levels):
            return _merged_environment(levels, step) or None
        facts = getattr(self.executor, "facts", {}) or {}
        per_host: dict[str, Any] = {}
        for h in hosts:
            ctx = host_context(h, self.executor.inventory, facts)
            rendered = [render_args(level, ctx, host=h.name, arg="environment") for level in levels]
            per_host[h.name] = _merged_environment(rendered, step)
        return per_host

    def _hosts(self, step: Step) -> list[Any]:
        """The step's hosts with the workflow's vars laid over theirs (play vars win)."""
        steps_env = self._env()["steps"]
        out = []
        for h in self.executor.inventory.select(step.hosts):
            out.append(dataclasses.replace(h, vars={**h.vars, **self.vars, "steps": steps_env}))
        return out


def _merged_environment(levels: list[Any], step: Step) -> dict[str, str]:
    """Outer level first, inner names win; values as text (``true`` -> ``True``, as Ansible)."""
    merged: dict[str, str] = {}
    for level in levels:
        if not isinstance(level, dict):
            raise FtlError(f"step {step.name!r}: environment: expected a mapping, the template gave a "
                           f"{type(level).__name__}", step.loc)
        for name, value in level.items():
            merged[str(name)] = str(value)
    return merged


def workflow_status(steps: dict[str, dict[str, Any]]) -> tuple[bool, str | None]:
    """(all good?, the error kind to classify a failure by)."""
    bad = [r for r in steps.values() if r["state"] not in KEEP]
    if not bad:
        return True, None
    kinds = [r.get("error_kind") for r in bad if r["state"] == m.FAILED]
    return False, kinds[0] if kinds else "upstream_failed"


def close_steps(steps: dict[str, dict[str, Any]], job_state: str, reason: str) -> dict[str, dict[str, Any]]:
    """Step records closed to match a job closed without its runner (its controller died,
    or a cancel gave up waiting): no step may read ``running`` after its job stopped.
    ``job_state`` ``retry_wait`` leaves unstarted steps for the retry."""
    out = {}
    for name, old in steps.items():
        rec = dict(old)
        ledger = HostLedger(rec.get("per_host"), bool(rec.get("idempotent")))
        if job_state == m.CANCELLED:
            ledger.cancel_running(reason)
            path = {m.RUNNING: [m.CANCELLING, m.CANCELLED], m.CANCELLING: [m.CANCELLED],
                    m.QUEUED: [m.CANCELLED], m.RETRY_WAIT: [m.CANCELLED]}
        else:
            ledger.close_interrupted()
            path = {m.RUNNING: [m.RETRY_WAIT if job_state == m.RETRY_WAIT else m.FAILED],
                    m.CANCELLING: [m.CANCELLED]}
            if job_state != m.RETRY_WAIT:
                path.update({m.QUEUED: [m.CANCELLED], m.RETRY_WAIT: [m.CANCELLED]})
        if rec.get("per_host"):
            rec["per_host"] = ledger.doc()
        for new in path.get(rec.get("state", ""), []):
            check_transition(rec["state"], new, f"step {name}")
            rec["state"], rec["message"] = new, reason
            rec["history"] = list(rec.get("history") or []) + [[new, time.time(), reason]]
        out[name] = rec
    return out
