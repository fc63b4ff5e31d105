"""``ftl-tui jobs list|show|logs|cancel|retry|requeue|purge``: the job store, headless.

Reading commands open the state read-only, so they work while the console (or a
``play``) owns it; ``logs --follow`` tails a running job's log file. ``cancel`` of a
job owned by another process leaves a request that the owner picks up. ``retry``
re-runs from failure (a workflow keeps its succeeded steps; a run only its failed
hosts) and ``requeue`` runs a fresh copy; both create a new job linked to the old.

``logs`` prints what the console's Logs pane shows: output lines and results, and for a
playbook job its PLAY/TASK lines, each host's result and the recap. ``logs --follow``
waits for the job and exits with its outcome: 0 succeeded, 2 it ended otherwise
(failed, dead, cancelled, lost); without ``--follow`` it exits 0 once printed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ftltui.commands.common import (
    EXIT_BAD_INPUT,
    EXIT_OK,
    add_inventory_arg,
    add_json_arg,
    add_state_arg,
    error,
    note,
    print_json,
    state_dir_of,
)
from ftltui.commands.guard_cli import add_confirm_arg
from ftltui.console.session import ConsoleSession
from ftltui.engine.sanitize import safe_text
from ftltui.errors import FtlError, StateError
from ftltui.inventory import Inventory
from ftltui.jobs.again import GivenSecrets
from ftltui.jobs.model import Job

T = TypeVar("T")
EXIT_JOB_FAILED = 2  # jobs logs --follow: the job ended, but not succeeded

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}

EXAMPLES = """\
examples:
  ftl-tui jobs list --state failed
  ftl-tui jobs show 12 --json
  ftl-tui jobs logs 12 --follow
  ftl-tui jobs cancel 12
  ftl-tui jobs retry 12 --detach
  ftl-tui jobs retry 12 -K                       # the job ran with a become password: type it again
  FTL_PW=... ftl-tui jobs requeue 12 --secret password=FTL_PW
  ftl-tui jobs purge --older-than 30d
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("jobs", help="list, inspect, cancel and retry jobs", description=__doc__)
    jsub = p.add_subparsers(dest="jobs_cmd", metavar="ACTION", required=True)
    for name, helptext in (("list", "jobs in the store"), ("show", "one job with attempts and steps"),
                           ("logs", "a job's output"), ("cancel", "cancel a job"),
                           ("retry", "re-run from failure as a new job"), ("requeue", "run a copy as a new job"),
                           ("purge", "archive old finished jobs")):
        sp = jsub.add_parser(name, help=helptext)
        if name not in ("list", "purge"):
            sp.add_argument("id", type=int)
        if name == "list":
            sp.add_argument("--state", action="append", help="only jobs in this state (repeatable)")
        if name == "logs":
            sp.add_argument("-f", "--follow", action="store_true",
                            help="keep printing until the job ends; exit 0 if it succeeded, else 2")
        if name == "purge":
            sp.add_argument("--older-than", default="7d", help="age like 30m, 12h, 7d (default 7d)")
        if name in ("retry", "requeue"):
            sp.add_argument("--detach", action="store_true", help="only queue it; the console will run it")
            add_inventory_arg(sp)
            add_confirm_arg(sp)
            add_secret_args(sp)
        add_state_arg(sp)
        add_json_arg(sp)
        sp.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    if args.jobs_cmd in ("list", "logs", "cancel", "purge"):  # a live owner answers: the same output, live
        from ftltui.api.cli_client import jobs_via_owner

        code = jobs_via_owner(args, state_dir_of(args))
        if code is not None:
            return code
    inventory = None
    if args.jobs_cmd in ("retry", "requeue"):
        ask_for_what_it_needs(args)  # the job checked first: no password typed for a job that is not there
        _own_inventory(args)
        inventory = _check_protected(args)  # before any face queues it, and before a secret is typed:
        args.given_secrets = given_secrets(args)  # a "no" to the protected question asks for nothing
        args.ask_become_pass = args.become_password_file = None  # read once: the session must not ask again
    if args.jobs_cmd in ("show", "retry", "requeue"):  # the owner's record; its queue retries
        from ftltui.api.cli_follow import jobs_more_via_owner

        code = jobs_more_via_owner(args)
        if code is not None:
            return code
    if args.jobs_cmd in ("retry", "requeue"):
        return _retry(args, inventory)
    return {"list": _list, "show": _show, "logs": _logs, "cancel": _cancel, "purge": _purge}[args.jobs_cmd](args)


def add_secret_args(sp: argparse.ArgumentParser) -> None:
    """The secrets a job had, given again as its first run took them: they are never stored,
    so a re-run of a job that had them is refused without them, naming what to add."""
    g = sp.add_argument_group("secrets the job had (never stored): give them again")
    g.add_argument("-K", "--ask-become-pass", action="store_true", default=None,
                   help="ask for the become password on the terminal")
    g.add_argument("--become-password-file", "--become-pass-file", metavar="FILE",
                   help="read the become password from this file")
    g.add_argument("--secret", action="append", default=[], metavar="NAME[=ENVVAR]",
                   help="the job's secret NAME (a module argument such as password, a private vars_prompt "
                        "answer, a workflow's secret variable): asked on the terminal, or read from ENVVAR "
                        "(repeatable)")


def given_secrets(args: argparse.Namespace) -> GivenSecrets:
    """``-K``/``--become-password-file`` and ``--secret``: read now, before anything is
    opened; the values go only into the new job's in-memory spec (masked everywhere)."""
    import getpass
    import os

    from ftltui.commands.options import OptionsError, become_password

    values: dict[str, str] = {}
    for item in getattr(args, "secret", None) or []:
        name, env = _secret_option(item)
        if env is not None:
            values[name] = os.environ[env]
            continue
        if not sys.stdin.isatty():
            raise OptionsError(f"--secret {name} needs a terminal to type it on; use --secret {name}=ENVVAR")
        try:
            values[name] = getpass.getpass(f"{name}: ")
        except (EOFError, KeyboardInterrupt):
            raise OptionsError(f"--secret {name}: nothing given") from None
    return GivenSecrets(become_password(args, bool(getattr(args, "ask_become_pass", None))), values)


def ask_for_what_it_needs(args: argparse.Namespace) -> None:
    """Before any secret is typed: the job must exist and be one a re-run may queue, and it
    must take what the options give (``-K`` for a job with no become, ``--secret NAME`` it
    never had: refused, naming why). Then only what it needs is asked: a secret it had that
    no option gives is asked on a terminal (as the console asks), else refused naming the
    option. Names and kinds only: nothing here reads a value (session 11, defects 2 and 4)."""
    from ftltui.jobs.again import (
        BECOME,
        lost_secrets,
        missing_secrets,
        refusal,
        secrets_lost,
        unknown_secrets,
    )

    names = [_secret_option(item)[0] for item in getattr(args, "secret", None) or []]  # its own mistakes first
    ro = _ro(args)
    doc = _job_doc(ro, args.id)  # "no job N": said before -K asks for anything
    problem = refusal(doc, args.id, args.jobs_cmd == "retry", ro.log_path(args.id))
    if problem is not None and problem != secrets_lost(args.id, doc):
        raise FtlError(problem)  # not a secret missing: typing one would not help
    become = bool(getattr(args, "ask_become_pass", None) or getattr(args, "become_password_file", None))
    named = GivenSecrets("named" if become else None, {n: "named" for n in names if n})  # names, no value
    unknown = unknown_secrets(doc, args.id, named)
    if unknown:
        raise FtlError(unknown)
    if become and not _takes_become(doc):
        raise FtlError(f"job {args.id} ({doc.get('kind')}) ran without become: it takes no become password "
                       "(leave out -K/--become-password-file)")
    missing = missing_secrets(doc, named) if lost_secrets(doc) else []
    if not missing:
        return
    if not sys.stdin.isatty():  # refused as the re-run would be, before anything is read
        raise FtlError(secrets_lost(args.id, doc, named))
    for kind in missing:  # asked on this terminal, as the console asks for them
        if kind == BECOME:
            args.ask_become_pass = True
        else:
            args.secret = [*(getattr(args, "secret", None) or []), kind.partition(":")[2]]


def _takes_become(doc: dict[str, Any]) -> bool:
    """A playbook job (``play -K`` gave its session one) or a run job that ran with become."""
    spec = doc.get("spec") or {}
    return doc.get("kind") == "playbook" or (doc.get("kind") == "run" and isinstance(spec.get("become"), dict))


def _secret_option(item: str) -> tuple[str, str | None]:
    """``--secret NAME[=ENVVAR]`` as (NAME, ENVVAR or ``None``); a malformed one, or an ENVVAR
    not set, is a usage error (said before the job is read or anything is asked)."""
    import os

    from ftltui.commands.options import OptionsError

    name, eq, env = item.partition("=")
    # The error never repeats what followed '=': an operator who typed the value itself there
    # (``--secret password=hunter2``) must not see it echoed to the terminal and its logs.
    if not name or (eq and not env):
        raise OptionsError("--secret: expected NAME or NAME=ENVVAR")
    if eq and env not in os.environ:
        raise OptionsError(f"--secret {name}=...: no environment variable of that name (the text after "
                           "'=' names a variable that holds the value, never the value; it is not "
                           "repeated here)")
    return name, (env if eq else None)


def _own_inventory(args: argparse.Namespace) -> None:
    """Without ``-i``, a retry/requeue uses the inventory its job was queued with (stored in
    its spec: :mod:`ftltui.jobs.origin`), not the configured or demo one: a re-run of a job
    runs on that job's hosts (hR finding 3). A ``-i`` that differs is refused when queued."""
    from ftltui.jobs.origin import SPEC_KEY

    if getattr(args, "inventory", None):
        return
    try:
        doc = _ro(args).table("jobs").get(args.id)
    except (StateError, OSError):
        return  # the command itself says what is wrong with the state
    stored = ((doc or {}).get("spec") or {}).get(SPEC_KEY)
    if stored:
        args.inventory = list(stored)


def _check_protected(args: argparse.Namespace) -> Inventory | None:
    """A retry/requeue on hosts of a protected group asks first, as ``run`` and ``play`` do
    (``--confirm-protected``/``--yes``, or ``yes`` on a terminal; else exit 5: hR finding
    15). Returns the inventory it loaded (``None`` when the job is not there: the command
    says so)."""
    from ftltui.commands.common import load_inventory_of
    from ftltui.commands.guard_cli import check_run, check_workflow
    from ftltui.jobs.again import again_hosts

    try:
        ro = _ro(args)
        doc = ro.table("jobs").get(args.id)
    except (StateError, OSError):
        return None
    if doc is None:
        return None
    inventory = load_inventory_of(args)
    hosts = again_hosts(dict(doc), args.jobs_cmd == "retry", ro.log_path(args.id))
    if hosts is None:
        check_workflow(args, str((doc.get("spec") or {}).get("file", "")), inventory)
    else:
        check_run(args, inventory, hosts, action=args.jobs_cmd)
    return inventory


def _ro(args: argparse.Namespace) -> Any:
    from ftltui.state import StateStore

    return StateStore.open(state_dir_of(args), readonly=True)


def _list(args: argparse.Namespace) -> int:
    from ftltui.api.job_views import job_rows

    print_job_rows(job_rows(_ro(args).table("jobs").all(), args.state), args.json)
    return EXIT_OK


def print_job_rows(rows: list[dict[str, Any]], as_json: bool) -> None:
    """``jobs list`` output, the same whether the rows came from the store or from its owner."""
    if as_json:
        print_json(rows)
        return
    print(f"{'ID':>6}  {'STATE':<15} {'TRIES':>5}  {'UPDATED':<19}  TITLE")
    for r in rows:
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(r["updated"] or 0))
        why = r["state_note"] or r["reason"]
        print(safe_text(f"{r['id']:>6}  {r['state']:<15} {r['attempts']:>5}  {when}  {r['title']}"
                        + (f"  ({why[:80]})" if why else "")))


def _job_doc(store: Any, job_id: int) -> dict[str, Any]:
    doc = store.table("jobs").get(job_id)
    if doc is None:
        raise StateError(f"no job {job_id} (see `ftl-tui jobs list`)")
    return dict(doc)


def _show(args: argparse.Namespace) -> int:
    from ftltui.api.job_views import job_record

    print_job(job_record(_ro(args), args.id, archive=True), args.json)  # archived jobs too (issue 16)
    return EXIT_OK


def print_job(doc: dict[str, Any], as_json: bool) -> None:
    """``jobs show`` output, the same whether the record came from the store or from its owner."""
    from ftltui.jobs.describe import (
        as_recovery_closes,
        host_lines,
        state_label,
        step_lines,
    )

    shown, job_id = doc["state"], doc["id"]
    if as_json:
        print_json(doc)
        return
    doc = as_recovery_closes(doc)  # a dead owner's hosts: lost, as recovery will record them, never "running"
    # every line below may carry a host's text (reasons, messages): shown as run shows it, hR #18
    print(safe_text(f"job {job_id}: {doc['title']} [{doc['kind']}] {state_label({**doc, 'state': doc['stored_state']})}"))
    if doc.get("parent"):
        print(f"  from job {doc['parent']}")
    if doc.get("archived"):  # moved out of the live store (retention, purge): read from the archive file
        print("  archived (archive/jobs.jsonl in the state directory)")
    if (doc.get("spec") or {}).get("content_note"):  # not stored: a file held a secret value
        print(safe_text(f"  {doc['spec']['content_note']}"))
    if (doc.get("spec") or {}).get("content"):  # the version it runs: a retry runs this, not the file now
        spec, summary = doc["spec"], doc.get("summary") or {}
        ran = {"live": " (ran the file, unchanged)", "stored": " (ran the stored copy: the file had changed)"}
        print(safe_text(f"  content sha256:{spec['content']} of {spec.get('playbook') or spec.get('file')}"
                        + ran.get(summary.get("ran", ""), "")))  # a file name may hold escapes (hD #5)
    if doc.get("waiting"):  # the owner's word: the job waits at a pause (issue 15)
        print(f"  {safe_text(str(doc['waiting']), 300)}")
    for state, ts, reason in doc.get("history", []):
        print(safe_text(f"  {time.strftime('%H:%M:%S', time.localtime(ts))}  {state:<15} {reason}"))
    for a in doc["attempt_records"]:
        outcome = a.get("outcome") or ("interrupted (its process is gone)" if shown == "lost" else "running")
        print(safe_text(f"  attempt {a['number']}: {outcome} pid {a['pid']} {a.get('message', '')}"))
    if doc.get("per_host"):
        print("  hosts")
        for line, _status in host_lines(doc["per_host"], "    "):
            print(safe_text(line))
    for line, _state in step_lines(doc.get("steps") or {}):
        print(safe_text(line))


def _logs(args: argparse.Namespace) -> int:
    from ftltui.jobs.model import TERMINAL

    store = _ro(args)
    _job_doc(store, args.id)
    path = store.log_path(args.id)
    pos, last_check = 0, time.monotonic()
    warned = WarningLines()
    while True:
        try:
            with open(path, "rb") as fh:
                fh.seek(pos)
                data = fh.read()
        except FileNotFoundError:
            data = b""
        end = data.rfind(b"\n") + 1
        finished = None
        for line in data[:end].splitlines():
            rec = json.loads(line)
            print_log_record(rec, args.json, warned)
            if rec.get("event") == "JobState" and rec.get("state") in TERMINAL:
                finished = str(rec.get("state"))
        pos += end
        if not args.follow:
            return EXIT_OK
        if finished is not None:
            return follow_exit_code(finished)
        if time.monotonic() - last_check > 2:  # the owner may have died: ask the store
            from ftltui.jobs.describe import effective_state

            last_check = time.monotonic()
            shown, note = effective_state(_ro(args).table("jobs").get(args.id) or {})
            if shown in TERMINAL or shown == "lost":
                if note:
                    sys.stdout.write(f"job {note}\n")
                return follow_exit_code(shown)
        time.sleep(0.1)


def follow_exit_code(state: str | None) -> int:
    """``jobs logs --follow``'s status once the job ended: 0 succeeded, 2 anything else
    (failed, dead, cancelled, lost), so a script can wait for a job and check it."""
    from ftltui.jobs.model import SUCCEEDED

    return EXIT_OK if state == SUCCEEDED else EXIT_JOB_FAILED


@dataclass
class WarningLines:
    """A job's module warnings and deprecations as ``ftl-tui run`` and ansible-playbook print
    them: ``[WARNING]: TEXT``, a deprecation under its own ``[DEPRECATION WARNING]:`` label
    (the executor's text carries it), each text once per command as Ansible's Display shows
    it, however many hosts and steps repeat it (the job log keeps every one, per host).
    Shared by ``play WORKFLOW.yml``'s printer and ``jobs logs``, alone or through an owner."""

    shown: set[str] = field(default_factory=set)

    def line(self, text: str) -> str | None:
        """The line to print for ``text``, or ``None`` when it was printed already."""
        from ftltui.ansible_modules.run import DEPRECATION_LABEL

        if text in self.shown:
            return None
        self.shown.add(text)
        return safe_text(text if text.startswith(DEPRECATION_LABEL) else f"[WARNING]: {text}")


def print_log_record(rec: dict[str, Any], as_json: bool, warned: WarningLines | None = None) -> None:
    """One log record as ``jobs logs`` prints it (read from the file or streamed by the owner).
    ``warned``: the warnings this command printed already (one per text, as ``run``).

    The log keeps a host's text as it came; on the way to a terminal it is made safe as
    ``run`` and the console make it (escapes stripped, controls as ``\\xNN``): a host must
    not clear the operator's screen, retitle the window or set the clipboard (hR #18).
    ``--json`` escapes them already (json.dumps)."""
    if as_json:
        sys.stdout.write(json.dumps(rec) + "\n")
    else:
        ev, step = rec.get("event"), rec.get("step") or ""
        if ev == "OutputLine":
            sys.stdout.write(safe_text(f"{step} {rec['host']} | {rec['text']}") + "\n")
        elif ev == "HostFinished":
            r = rec["result"]
            sys.stdout.write(safe_text(f"{step} {rec['host']}: {r['status']}") + "\n")
        elif ev == "Warning_":  # a workflow step's module warning (issue 14): in run's words, once
            line = (warned if warned is not None else WarningLines()).line(str(rec.get("text") or ""))
            if line is not None:
                sys.stdout.write(line + "\n")
        elif ev in ("JobState", "StepChanged"):
            who = f"[{rec['step']}]" if ev == "StepChanged" else "job"
            sys.stdout.write(safe_text(f"{who} {rec['state']}" + (f": {rec['reason']}" if rec.get("reason") else ""))
                             + "\n")
        else:  # a playbook job's events: the lines the console's Logs pane shows for them
            from ftltui.jobs.play_record import log_lines

            for _job, host, _stream, text in log_lines("", rec):
                sys.stdout.write(safe_text(f"{host} | {text}" if host else text) + "\n")
    sys.stdout.flush()


def _cancel(args: argparse.Namespace) -> int:
    from ftltui.jobs.archive import request

    opened: list[ConsoleSession] = []

    async def cancel(session: ConsoleSession) -> Job:
        opened.append(session)
        return await _cancelled(session, args.id)

    try:
        job = asyncio.run(_operate(args, cancel))
    except StateError:
        if opened:  # the state opened: the job's own error ("no job N")
            raise
        ro = _ro(args)  # another process owns the state: leave it a request
        _job_doc(ro, args.id)
        request(ro.path, "cancel", args.id)
        print(f"job {args.id}: cancel requested from the process that owns it ({ro.lock_holder})")
        return EXIT_OK
    print(f"job {args.id}: {job.state}")
    return EXIT_OK


async def _cancelled(session: ConsoleSession, job_id: int) -> Job:
    job = session.job(job_id)
    if job is None:
        raise StateError(f"no job {job_id} (see `ftl-tui jobs list`)")
    await session.cancel(job_id)
    return session.job(job_id) or job


async def _operate(args: argparse.Namespace, work: Callable[[ConsoleSession], Awaitable[T]]) -> T:
    """``work`` on this command's own :class:`ConsoleSession` of the state directory, opened
    to recover and act but to run nothing (an operator action, not a run)."""
    from ftltui.commands.guard_cli import guard_of

    async with ConsoleSession(state_dir_of(args), guard=guard_of(args), dispatch=False, lock_wait=0.0) as session:
        return await work(session)


def _retry(args: argparse.Namespace, inventory: Inventory | None = None) -> int:
    from ftltui.commands.play import run_in_foreground
    from ftltui.jobs.again import refusal

    ro = _ro(args)
    doc = _job_doc(ro, args.id)
    log_path = ro.log_path(args.id)
    given: GivenSecrets | None = getattr(args, "given_secrets", None)
    problem = refusal(doc, args.id, args.jobs_cmd == "retry", log_path, given)
    if problem is not None:
        error(problem)
        return EXIT_BAD_INPUT
    resume = args.jobs_cmd == "retry"
    from ftltui.jobs.again import held_note

    held = held_note(doc, args.id) if resume else None
    if held:
        note(held)
    if args.detach and given:  # only queued here: the process that runs it would never get them
        error(f"--detach with a job's secrets: they are never stored, so the process that would run job "
              f"{args.id}'s re-run later would not have them; leave out --detach to run it now, or start "
              f"the console or `ftl-tui daemon` first (its queue keeps them in memory)")
        return EXIT_BAD_INPUT
    if args.detach:
        job = asyncio.run(_operate(args, lambda s: s.submit_again(args.id, resume, given)))
        print(f"job {job.id}: queued (from job {args.id})")
        return EXIT_OK
    from ftltui.commands.common import load_inventory_of
    from ftltui.commands.guard_cli import guard_of

    if inventory is None:
        inventory = load_inventory_of(args)  # its ftl_tui_readonly refuses before the state is opened (exit 5)
    guard_of(args).check_write(args.jobs_cmd, inventory)
    return run_in_foreground(args, lambda s: s.submit_again(args.id, resume, given), inventory)


def parse_age(text: str) -> float | None:
    """``--older-than``: seconds from an age like 30m, 12h or 7d (None, said on stderr, if not one)."""
    text = text.strip()
    try:
        return float(text[:-1]) * UNITS[text[-1]] if text[-1] in UNITS else float(text)
    except (ValueError, IndexError):
        error(f"--older-than: expected an age like 30m, 12h or 7d, got {text!r}")
        return None


def _purge(args: argparse.Namespace) -> int:
    seconds = parse_age(args.older_than)
    if seconds is None:
        return EXIT_BAD_INPUT
    n = asyncio.run(_operate(args, lambda s: s.purge_finished(seconds)))
    print_json({"archived": n}) if args.json else print(f"archived {n} finished job(s)")
    return EXIT_OK
