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
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
from ftltui.commands.jobs import WarningLines
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
from ftltui.console.engine_settings import EngineSettings
from ftltui.console.feed import TRANSITIONS
from ftltui.console.session import ConsoleSession
from ftltui.engine.event_schema import event_record
from ftltui.engine.events import HostFinished, OutputLine, Warning_
from ftltui.engine.sanitize import safe_text
from ftltui.jobs import events as jev
from ftltui.jobs.model import Job

if TYPE_CHECKING:
    from ftltui.drift.model import DriftReport
    from ftltui.inventory import Inventory

Submit = Callable[[ConsoleSession], Awaitable[Job]]  # a typed operation of the session -> its job

EXAMPLES = examples(
    "ftl-tui play site.yml -i inventory.yml -l web -t deploy --check --diff   # an Ansible playbook",
    "ftl-tui play site.yml -e @vars.yml --vault-password-file ~/.vault_pass -b -K",
    "ftl-tui play site.yml --list-tasks --list-hosts       # also --list-tags, --syntax-check",
    "ftl-tui play sample_inventory/workflows/local-smoke.yml   # a workflow (installed: the demo note names the dir)",
    "ftl-tui play deploy.yml -i inventory.yml --check     # change nothing; show the drift it would fix",
    "ftl-tui play deploy.yml -e version=1.4.2 -e env=prod --json",
    "ftl-tui play deploy.yml --wait-lock 30               # wait for a console using the same state",
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("play", help="run an Ansible playbook or a workflow file as a job", description=__doc__,
                       epilog=EXAMPLES)
    p.add_argument("workflow", metavar="FILE",
                   help="an Ansible playbook, or a workflow YAML file (see the sample inventory's workflows/)")
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
    from ftltui.commands.play_playbook import playbook_file_error
    from ftltui.playbook.loader import is_playbook

    code = playbook_file_error(args.workflow)  # missing, a directory, unreadable, empty: as ansible-playbook
    if code is not None:
        return code
    if is_playbook(Path(args.workflow)):
        return handle_playbook(args)
    reject_playbook_options(args)
    from ftltui.commands.guard_cli import check_workflow

    extra = parse_extra_vars(args.extra_vars, args)  # they override the workflow's vars, as in Ansible
    inventory = load_inventory_of(args)  # once: for the guard and for the run
    check_workflow(args, args.workflow, inventory)  # read-only, protected groups: exit 5
    from ftltui.api.cli_follow import workflow_via_owner

    code = workflow_via_owner(args, extra)  # a live owner runs it as its job, printed the same
    if code is not None:
        return code
    path = args.workflow
    return run_in_foreground(args, lambda s: s.submit_workflow(path, vars=extra, check=args.check, confirmed=True),
                             inventory)


def run_in_foreground(args: argparse.Namespace, submit: Submit, inventory: Inventory | None = None) -> int:
    """A job of this process's own :class:`ConsoleSession` on the state directory (no live
    owner: this command owns it for the run), printed as it goes; its exit status."""
    return asyncio.run(_foreground(args, submit, inventory))


def session_for(args: argparse.Namespace, inventory: Inventory, **kw: Any) -> ConsoleSession:
    """The session a headless command owns its state directory with: ``ftl-tui``'s options
    (ansible.cfg, -u/-b/..., --ask-key-pass, --workers, --wait-lock) as the engine's.
    ``kw``: more session arguments (forks, engine settings of the command's own)."""
    from ftltui.commands.guard_cli import guard_of

    var_defaults = var_defaults_of(args)
    key_options, key_secrets = key_pass_options(args)  # --ask-key-pass: asked once, before the run
    engine = kw.pop("engine", None) or EngineSettings(workers=workers_of(args))
    engine = replace(engine, secrets=engine.secrets + tuple(secrets_of(var_defaults) + key_secrets))
    return ConsoleSession(state_dir_of(args), inventory=inventory, var_defaults=var_defaults, ssh_options=key_options,
                          guard=guard_of(args), engine=engine, lock_wait=getattr(args, "wait_lock", 0.0), **kw)


async def _foreground(args: argparse.Namespace, submit: Submit, inventory: Inventory | None) -> int:
    inv = inventory if inventory is not None else load_inventory_of(args)
    async with session_for(args, inv) as session:
        printer = Printer(bool(getattr(args, "json", False)), session.redactor)
        printer.workflow_path = getattr(args, "workflow", None) if getattr(args, "check", False) else None
        job = await submit(session)
        printer.job_id = job.id
        session.watch(printer)
        printer.started(job)
        try:
            job = await session.wait(job.id)
        except asyncio.CancelledError:
            await session.cancel(job.id)
            raise
        return printer.summary(job)


class Printer:
    def __init__(self, as_json: bool, redactor: Any) -> None:
        self.as_json = as_json
        self.redactor = redactor
        self.job_id = 0
        self.color = sys.stdout.isatty()
        self.unreachable = False
        self.workflow_path: str | None = None  # set for --check: report desired-state drift
        self.warned = WarningLines()  # module warnings, each text once (issue 14)

    def desired_drift(self, job: Job) -> DriftReport | None:
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

    def started(self, job: Job) -> None:
        if not self.as_json:
            self._out(f"job {job.id}: {job.title}")

    def __call__(self, ev: jev.JobEvent) -> None:
        if ev.job_id != self.job_id:
            return
        if self.as_json:
            print_jsonl(self.redactor.obj(event_record(ev.to_dict())))
            return
        if isinstance(ev, jev.StepChanged):
            self._out(f"[{ev.step}] {ev.state}" + (f": {safe_text(ev.reason, 300)}" if ev.reason else ""))
        elif isinstance(ev, jev.JobOutput):
            inner, step = ev.event, ev.step or ""
            if isinstance(inner, OutputLine):
                self._out(f"  {step} {inner.host} | {safe_text(inner.text, 4000)}")
            elif isinstance(inner, HostFinished):
                r = inner.result
                if r.status == "unreachable":
                    self.unreachable = True
                self._out(f"  {step} {inner.host}: {r.status}" + (f" ({safe_text(r.msg, 200)})" if not r.ok else ""))
            elif isinstance(inner, Warning_):  # on stderr, in run's and ansible-playbook's words
                line = self.warned.line(inner.text)
                if line is not None:
                    sys.stdout.flush()
                    sys.stderr.write(self.redactor.text(line) + "\n")
                    sys.stderr.flush()
        elif isinstance(ev, TRANSITIONS) and ev.transition:
            self._out(f"job {ev.job_id}: {ev.state}" + (f" ({ev.reason})" if ev.reason else ""))
        elif isinstance(ev, jev.JobLost):
            self._out(f"job {ev.job_id}: lost (owner pid {ev.owner_pid} died)")

    def summary(self, job: Job) -> int:
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
