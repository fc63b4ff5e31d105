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

from ftltui.errors import FtlError
from ftltui.jobs import model as m
from ftltui.jobs.model import check_transition
from ftltui.jobs.workflow.expr import ExprError, evaluate
from ftltui.jobs.workflow.loader import Step, Workflow

KEEP = (m.SUCCEEDED, m.SKIPPED)
OnChange = Callable[[str, dict[str, Any]], Awaitable[None]]
OnEvent = Callable[[str, Any], None]


class WorkflowRun:
    def __init__(self, wf: Workflow, executor: Any, *, check: bool = False, extra_vars: dict[str, Any] | None = None,
                 previous: dict[str, Any] | None = None, on_change: OnChange | None = None,
                 on_event: OnEvent | None = None) -> None:
        self.wf = wf
        self.executor = executor
        self.check = check
        self.vars = {**wf.vars, **(extra_vars or {})}
        self.on_change = on_change
        self.on_event = on_event
        self.steps: dict[str, dict[str, Any]] = {}
        for name in wf.steps:
            old = (previous or {}).get(name)
            if old and old.get("state") in KEEP:
                self.steps[name] = {**old, "kept": True}
            else:
                self.steps[name] = {"state": m.QUEUED, "history": [[m.QUEUED, time.time(), ""]], "changed": False,
                                    "counts": {}, "results": {}, "attempts": 0, "message": ""}

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
        name = step.name
        check = self.check if step.check is None else step.check
        attempt = 0
        while True:
            attempt += 1
            await self._move(name, m.RUNNING, f"attempt {attempt}", attempts=attempt)
            try:
                hosts = self._hosts(step)
                res = await self.executor.run(hosts, step.module, step.args, check=check, timeout=step.timeout,
                                              on_event=lambda ev: self.on_event and self.on_event(name, ev))
            except FtlError as exc:
                await self._move(name, m.FAILED, str(exc), error_kind="bad_args")
                return
            results = {h: r.to_dict() for h, r in res.results.items()}
            bad = {h: r for h, r in res.results.items() if not r.ok}
            fields = {"results": results, "counts": res.counts, "changed": any(r.changed for r in res.results.values()),
                      "error_kind": next((r.error_kind or r.status for r in bad.values()), None)}
            if not bad:
                await self._move(name, m.SUCCEEDED, f"{len(results)} host(s) ok", **fields)
                return
            why = f"failed on {', '.join(sorted(bad)[:5])}: {next(iter(bad.values())).msg[:200]}"
            if attempt <= step.retries:
                await self._move(name, m.RETRY_WAIT, why, **fields)
                await asyncio.sleep(min(5.0, 0.2 * 2 ** (attempt - 1)))
                await self._move(name, m.QUEUED, "retry")
                continue
            await self._move(name, m.FAILED, why, **fields)
            return

    def _hosts(self, step: Step) -> list[Any]:
        """The step's hosts with the workflow's vars laid over theirs (play vars win)."""
        steps_env = self._env()["steps"]
        out = []
        for h in self.executor.inventory.select(step.hosts):
            out.append(dataclasses.replace(h, vars={**h.vars, **self.vars, "steps": steps_env}))
        return out


def workflow_status(steps: dict[str, dict[str, Any]]) -> tuple[bool, str | None]:
    """(all good?, the error kind to classify a failure by)."""
    bad = [r for r in steps.values() if r["state"] not in KEEP]
    if not bad:
        return True, None
    kinds = [r.get("error_kind") for r in bad if r["state"] == m.FAILED]
    return False, kinds[0] if kinds else "upstream_failed"
