"""``ftl-tui play FILE``: run an Ansible playbook or a workflow as a job, in this process, with live output.

A playbook (a YAML list of plays) takes ansible-playbook's options and prints what
ansible-playbook prints, with its exit status: 0 ok, 1 error, 2 a host failed,
4 a host unreachable or an invalid playbook, 5 bad options, 99 interrupted.

A workflow (a YAML mapping, see sample_inventory/workflows/) exits like ``run``:
0 every step ok, 2 a step failed, 3 a host was unreachable, 4 bad input (invalid
workflow, state directory in use), 5 bad or incomplete options.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from ftltui.commands.common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_UNREACHABLE,
    add_inventory_arg,
    add_json_arg,
    add_state_arg,
    examples,
    load_inventory_of,
    print_json,
    print_jsonl,
    state_dir_of,
    write_out,
)
from ftltui.commands.key_pass import add_key_pass_arg, key_pass_options
from ftltui.commands.options import (
    add_become_args,
    add_connection_args,
    add_extra_vars_arg,
    add_workers_arg,
    parse_extra_vars,
    secrets_of,
    var_defaults_of,
    workers_of,
)
from ftltui.commands.play_playbook import (
    add_playbook_args,
    handle_playbook,
    reject_playbook_options,
)
from ftltui.engine.event_schema import event_record
from ftltui.engine.events import HostFinished, OutputLine
from ftltui.engine.sanitize import safe_text

Enqueue = Callable[[Any], Awaitable[Any]]  # (queue) -> Job

EXAMPLES = examples(
    "ftl-tui play site.yml -i inventory.yml -l web -t deploy --check --diff   # an Ansible playbook",
    "ftl-tui play site.yml -e @vars.yml --vault-password-file ~/.vault_pass -b -K",
    "ftl-tui play site.yml --list-tasks --list-hosts       # also --list-tags, --syntax-check",
    "ftl-tui play sample_inventory/workflows/local-smoke.yml",
    "ftl-tui play deploy.yml -i inventory.yml --check     # change nothing; show the drift it would fix",
    "ftl-tui play deploy.yml -e version=1.4.2 -e env=prod --json",
    "ftl-tui play deploy.yml --wait-lock 30               # wait for a console using the same state",
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("play", help="run an Ansible playbook or a workflow file as a job", description=__doc__,
                       epilog=EXAMPLES)
    p.add_argument("workflow", metavar="FILE",
                   help="an Ansible playbook, or a workflow YAML file (see sample_inventory/workflows/)")
    p.add_argument("-C", "--check", action="store_true", help="check mode for every step: change nothing, show diffs")
    add_playbook_args(p)
    add_workers_arg(p)
    add_extra_vars_arg(p)
    add_connection_args(p)
    add_become_args(p)
    add_key_pass_arg(p)
    p.add_argument("--wait-lock", type=float, default=0.0, metavar="SECONDS",
                   help="wait this long for another ftl-tui using the state directory")
    add_inventory_arg(p)
    add_state_arg(p)
    add_json_arg(p)
    from ftltui.commands.guard_cli import add_confirm_arg

    add_confirm_arg(p)
    p.set_defaults(func=handle, command_parser=p)


def handle(args: argparse.Namespace) -> int:
    from ftltui.jobs.kinds import enqueue_workflow
    from ftltui.playbook.loader import is_playbook

    if is_playbook(Path(args.workflow)):
        return handle_playbook(args)
    reject_playbook_options(args)
    from ftltui.commands.guard_cli import check_workflow, quiet_inventory

    extra = parse_extra_vars(args.extra_vars, args)  # they override the workflow's vars, as in Ansible
    check_workflow(args, args.workflow, quiet_inventory(args))  # read-only, protected groups: exit 5
    from ftltui.api.cli_follow import workflow_via_owner

    code = workflow_via_owner(args, extra)  # a live owner runs it as its job, printed the same
    if code is not None:
        return code
    return run_in_foreground(args, lambda q: enqueue_workflow(q, args.workflow, vars=extra, check=args.check))


def run_in_foreground(args: argparse.Namespace, enqueue: Enqueue) -> int:
    return asyncio.run(_foreground(args, enqueue))


async def _foreground(args: argparse.Namespace, enqueue: Enqueue) -> int:
    from ftltui.engine.executor import Executor
    from ftltui.jobs import JobQueue
    from ftltui.jobs.kinds import register_builtin
    from ftltui.state import StateStore

    var_defaults = var_defaults_of(args)
    inv = load_inventory_of(args)
    store = StateStore.open(state_dir_of(args), wait=getattr(args, "wait_lock", 0.0))
    key_options, key_secrets = key_pass_options(args)  # --ask-key-pass: asked once, before the run
    from ftltui.sites.placement import site_placements  # hosts with a site run on its workers (docs/sites.md)

    executor = Executor(inv, placements=site_placements(inv, state_dir=getattr(args, "state_dir", None)),
                        var_defaults=var_defaults, secrets=secrets_of(var_defaults) + key_secrets,
                        ssh_options=key_options, workers=workers_of(args))
    queue = JobQueue(store, executor=executor)
    register_builtin(queue)
    printer = _Printer(bool(getattr(args, "json", False)), store.redactor)
    printer.workflow_path = getattr(args, "workflow", None) if getattr(args, "check", False) else None
    try:
        await queue.start()
        job = await enqueue(queue)
        printer.job_id = job.id
        queue.bus.subscribe(printer)
        printer.started(job)
        try:
            job = await queue.wait(job.id)
        except asyncio.CancelledError:
            await queue.cancel(job.id)
            raise
        return printer.summary(job)
    finally:
        await queue.stop()
        await executor.close()
        store.close()


class _Printer:
    def __init__(self, as_json: bool, redactor: Any) -> None:
        self.as_json = as_json
        self.redactor = redactor
        self.job_id = 0
        self.color = sys.stdout.isatty()
        self.unreachable = False
        self.workflow_path: str | None = None  # set for --check: report desired-state drift

    def desired_drift(self, job: Any) -> Any:
        """Declared vs actual: every step that would change something, as a drift report."""
        from ftltui.drift.compare import ReportOptions, finish_report
        from ftltui.drift.desired import changes_from_steps
        from ftltui.jobs.workflow.loader import load_workflow

        if not self.workflow_path or not job.steps:
            return None
        wf = load_workflow(self.workflow_path)
        changes, warnings = changes_from_steps(job.steps, {n: st.module for n, st in wf.steps.items()})
        report = finish_report(changes, [], ReportOptions())
        report.warnings.extend(warnings)
        return report

    def _out(self, text: str) -> None:
        write_out(self.redactor.text(text) + "\n", flush=True)

    def started(self, job: Any) -> None:
        if not self.as_json:
            self._out(f"job {job.id}: {job.title}")

    def __call__(self, ev: Any) -> None:
        if getattr(ev, "job_id", None) != self.job_id:
            return
        if self.as_json:
            print_jsonl(self.redactor.obj(event_record(ev.to_dict())))
            return
        t = ev.type
        if t == "StepChanged":
            self._out(f"[{ev.step}] {ev.state}" + (f": {safe_text(ev.reason, 300)}" if ev.reason else ""))
        elif t == "JobOutput":
            inner, step = ev.event, ev.step or ""
            if isinstance(inner, OutputLine):
                self._out(f"  {step} {inner.host} | {safe_text(inner.text, 4000)}")
            elif isinstance(inner, HostFinished):
                r = inner.result
                if r.status == "unreachable":
                    self.unreachable = True
                self._out(f"  {step} {inner.host}: {r.status}" + (f" ({safe_text(r.msg, 200)})" if not r.ok else ""))
        elif hasattr(ev, "state") and getattr(ev, "transition", ""):
            self._out(f"job {ev.job_id}: {ev.state}" + (f" ({ev.reason})" if ev.reason else ""))
        elif t == "JobLost":
            self._out(f"job {ev.job_id}: lost (owner pid {ev.owner_pid} died)")

    def summary(self, job: Any) -> int:
        code = EXIT_OK
        if job.state != "succeeded":
            code = EXIT_UNREACHABLE if self.unreachable or job.error_kind == "unreachable" else EXIT_FAILED
        drift = self.desired_drift(job)
        if self.as_json:
            out = {"job": job.id, "state": job.state, "reason": job.reason, "steps": job.steps, "exit": code}
            if drift is not None:
                out["desired_drift"] = drift.to_dict()
            print_json(self.redactor.obj(out))
            return code
        if job.steps:
            width = max(len(n) for n in job.steps)
            for name, rec in job.steps.items():
                counts = ", ".join(f"{k}={v}" for k, v in (rec.get("counts") or {}).items() if v)
                self._out(f"  {name:<{width}}  {rec['state']:<16} {counts}")
        if drift is not None:
            from ftltui.drift.report import render_table

            self._out("")
            self._out("desired-state drift (what this workflow would change):" if drift.has_drift
                      else "desired-state drift: none, every host matches the workflow")
            if drift.has_drift or drift.warnings:
                self._out(safe_text(render_table(drift, diffs=True)).rstrip())
        self._out(f"job {job.id}: {job.state}" + (f": {job.reason}" if job.reason else ""))
        return code
