"""Headless commands as clients of a live owner: same output, same exit status.

When a state directory has an owner (a console, a daemon) listening on its socket,
``jobs list|logs|cancel|purge``, ``run``, ``play`` (playbooks) and ``drift scan`` ask it
instead of opening the files themselves: ``jobs`` prints the owner's rows and log records
with the very printers it uses when reading the store itself; ``run``, ``play`` and
``drift scan`` submit a job to the owner and print the job's events (or its result) with
their own printers, so nothing a script sees changes.
With no owner these functions return ``None`` and the command goes on as before.

If the owner dies mid-stream the command says so (its pid, what to run next) and
exits :data:`EXIT_OWNER_GONE`; the job is recovered by the next owner.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

from ftltui.api.client import ApiClient, ApiError, OwnerGone, StreamEnded
from ftltui.api.operations import inventory_key
from ftltui.api.protocol import E_READONLY, E_TOO_LARGE, StreamEvent
from ftltui.api.run_events import RunCollector
from ftltui.api.socket_path import socket_path
from ftltui.console.guard import ReadOnlyRefusal
from ftltui.console.results import BaselinePin, BaselineRequest
from ftltui.errors import FtlError

EXIT_OWNER_GONE = 1  # the owner went away before the command's job ended
# read-only and protected groups are judged by the command before it asks the owner
GUARD_OPTIONS = frozenset({"global_readonly", "protected", "confirm_protected"})
# what became of the job of a client whose owner went away (hR finding 19): the job this
# client waited for is cancelled if it had not started (Job.foreground); other queued jobs stay queued
GONE_NOTE = ("a `run` or `play` job this command waited for is cancelled if it had not started (a running job "
             "is cancelled by an owner that stops, recorded lost by the next owner after one that died); every "
             "other queued job stays queued for the next owner (see `ftl-tui jobs list`)")

# ``run`` options a job of the owner carries; any other option given makes ``run`` work
# in-process as before (it needs no state directory), so its meaning never changes.
RUN_DELEGABLE = frozenset({"pattern", "module", "module_name", "module_args", "check", "timeout", "forks", "one_line",
                           "verbose", "json", "inventory", "state_dir", "func", "command_parser", "command",
                           "ansible_config", "vault_keyring", "demo_noted",
                           # vault passwords read here (options, prompt, ansible.cfg): sent in ``vault``
                           "vault_password_files", "ask_vault_pass", "vault_ids"}) | GUARD_OPTIONS


async def connect_owner(state_dir: Path) -> ApiClient | None:
    """A client of the directory's owner, or ``None`` when nobody listens there."""
    if not os.path.exists(socket_path(state_dir)):
        return None
    try:
        return await ApiClient.connect(state_dir)
    except (TimeoutError, OSError, OwnerGone):
        return None  # a dead owner's socket, or one starting/stopping: behave as with no owner
    except ApiError as exc:
        raise FtlError(f"the owner of {state_dir} refused this client: {exc}") from None


# the command a write op serves, in the words `ftl-tui --readonly COMMAND` refuses it with
# (ftltui.commands.guard_cli.write_action); other ops read as "jobs cancel", "schedule add" ...
OP_ACTIONS = {"run.submit": "run", "playbook.submit": "play", "workflow.submit": "play", "workflow.follow": "play"}


def owner_error(exc: ApiError, pid: int, state_dir: Path, action: str | None = None) -> FtlError:
    """What the command raises for an owner's error answer. A read-only owner's refusal
    (``--readonly`` daemon or console, or its inventory's ``ftl_tui_readonly``) is the
    :class:`ReadOnlyRefusal` every other read-only refusal is: "read-only: ACTION refused
    (...)", exit 5 (docs/readonly.md), not a failed request (exit 4)."""
    if exc.code != E_READONLY:
        return FtlError(str(exc))
    op = str(exc).split(":", 1)[0]
    return ReadOnlyRefusal(action or OP_ACTIONS.get(op, op.replace(".", " ")),
                           f"the owner (pid {pid}) serves {state_dir} read-only")


def with_owner(state_dir: Path, work: Callable[[ApiClient], Awaitable[int | None]], *,
               owner_gone_exit: int | None = EXIT_OWNER_GONE, action: str | None = None) -> int | None:
    """``work`` with a client of the owner, ``None`` when there is none. If the owner dies
    meanwhile: said on stderr and ``owner_gone_exit`` (``None``: raised, for commands
    whose exit statuses mean something else, such as drift's). ``action``: the command's
    name in a read-only refusal when its ops do not say it (:func:`owner_error`)."""

    async def go() -> int | None:
        client = await connect_owner(state_dir)
        if client is None:
            return None
        try:
            return await work(client)
        except OwnerGone as exc:
            from ftltui.commands.common import error

            if owner_gone_exit is None:
                raise OwnerGone(f"{exc}; {GONE_NOTE}") from None
            error(f"{exc}; {GONE_NOTE}")
            return owner_gone_exit
        except ApiError as exc:
            raise owner_error(exc, client.owner_pid, state_dir, action) from None
        finally:
            await client.close()

    return asyncio.run(go())


def jobs_via_owner(args: argparse.Namespace, state_dir: Path) -> int | None:
    """``jobs list|logs|cancel|purge`` through the owner; ``None`` with no owner."""
    from ftltui.commands.common import EXIT_BAD_INPUT, EXIT_OK, print_json
    from ftltui.commands.jobs import WarningLines, print_job_rows, print_log_record

    async def listing(client: ApiClient) -> int | None:
        try:
            rows = await client.request("jobs.list", states=list(args.state or []))
        except ApiError as exc:
            if exc.code == E_TOO_LARGE:
                return None  # more rows than one message holds: read the store itself, as with no owner
            raise
        print_job_rows(rows, args.json)
        return EXIT_OK

    async def logs(client: ApiClient) -> int:
        from ftltui.commands.jobs import follow_exit_code

        state = None
        warned = WarningLines()  # each warning text once, as when reading the log here
        async for msg in client.stream("jobs.logs", id=args.id, follow=bool(args.follow)):
            if isinstance(msg, StreamEvent):
                print_log_record(msg.event, args.json, warned)
                if isinstance(msg.event, dict) and msg.event.get("event") == "JobState":
                    state = msg.event.get("state")
        return follow_exit_code(state) if args.follow else EXIT_OK  # as with no owner

    async def cancel(client: ApiClient) -> int:
        job = await client.request("jobs.cancel", id=args.id)
        print(f"job {args.id}: {job['state']}")  # as when this process owns the store
        return EXIT_OK

    async def purge(client: ApiClient) -> int:
        from ftltui.commands.jobs import parse_age

        seconds = parse_age(args.older_than)
        if seconds is None:
            return EXIT_BAD_INPUT
        n = (await client.request("jobs.purge", older_than=seconds))["archived"]
        print_json({"archived": n}) if args.json else print(f"archived {n} finished job(s)")
        return EXIT_OK

    work = {"list": listing, "logs": logs, "cancel": cancel, "purge": purge}[args.jobs_cmd]
    return with_owner(state_dir, work)


# ``play`` (playbooks) options a playbook job of the owner carries
PLAY_DELEGABLE = frozenset({"workflow", "check", "limit", "tags", "skip_tags", "diff", "start_at_task", "extra_vars",
                            "verbose", "json", "inventory", "state_dir", "wait_lock", "func", "command_parser",
                            "command", "ansible_config", "vault_keyring", "demo_noted",
                            # vault passwords read here (options, prompt, ansible.cfg): sent in ``vault``
                            "vault_password_files", "ask_vault_pass", "vault_ids"}) | GUARD_OPTIONS


def refuse_if_readonly_owner(state_dir: Path, action: str, why: str = "") -> None:
    """Raise the read-only refusal when the directory's live owner serves it read-only.

    For a command about to run in this process instead of as the owner's job (an option a
    job cannot carry, another inventory): a read-only owner starts nothing, and the same
    command must not start it here because ``-e x=1`` was added (hR #24). With no owner,
    or a writable one, nothing happens. ``why``: see :func:`_refuse_readonly`."""

    async def check(client: ApiClient) -> int | None:
        await _refuse_readonly(client, state_dir, action, why)
        return None

    with_owner(state_dir, check)


# why a command that needs the state directory would not be the owner's job (``why`` below)
OTHER_INVENTORY = "on another inventory than the owner's"
OWN_OPTIONS = "with options the owner's jobs do not carry"


async def _refuse_readonly(client: ApiClient, state_dir: Path, action: str, why: str = "") -> None:
    """The read-only refusal (exit 5) when the owner is read-only; nothing otherwise.

    ``why`` empty: the command needs no state directory (``run``), and would have run
    here. Otherwise (:data:`OTHER_INVENTORY`, :data:`OWN_OPTIONS`) it would run here on
    the state directory, which the owner holds: it used to go on and fail with "state
    directory is in use", which is not what stopped it (the owner's read-only mode is).

    Read-only is asked of ``owner.info``, not only the welcome: a console opened with
    ``--readonly`` (or on an inventory with ``ftl_tui_readonly``) serves its API with a
    writable welcome and refuses each write by its session's policy, now."""
    if not client.welcome.readonly and not (await client.request("owner.info")).get("readonly"):
        return
    pid = client.owner_pid
    if not why:
        raise ReadOnlyRefusal(action, f"the owner (pid {pid}) serves {state_dir} read-only; "
                                      f"this {action} would have run in this process instead")
    raise ReadOnlyRefusal(action, f"the owner (pid {pid}) serves {state_dir} read-only: it starts nothing, and this "
                                  f"{action} {why} would need the state directory it holds; stop that owner (or "
                                  f"start it without --readonly), or give this command another --state-dir")


def _only_options(args: argparse.Namespace, positional: str, allowed: frozenset[str]) -> bool:
    """Only ``allowed`` options differ from their defaults (and no -vv: logs are per process)."""
    defaults = vars(args.command_parser.parse_args(["--", positional]))  # a pattern may start with "-"
    given = {k for k, v in vars(args).items() if k not in defaults or defaults[k] != v}
    return given <= allowed and int(getattr(args, "verbose", 0) or 0) < 2


def run_delegable(args: argparse.Namespace) -> bool:
    return _only_options(args, args.pattern, RUN_DELEGABLE)


async def same_inventory(client: ApiClient, sources: list[str]) -> bool:
    info = await client.request("owner.info")
    return [inventory_key(s) for s in info.get("inventory", [])] == [inventory_key(s) for s in sources]


async def inventories_differ(client: ApiClient, state_dir: Path, action: str,
                             sources: list[str]) -> tuple[str, list[str]]:
    """What to tell a ``run``/``play`` on another inventory than the owner's (hG s11 #3):
    both inventories, as ``jobs retry -i`` names both (the caller says what follows), and
    the owner's inventory sources."""
    theirs = [str(s) for s in (await client.request("owner.info")).get("inventory") or []]
    return (f"the owner (pid {client.owner_pid}) of {state_dir} serves inventory {', '.join(theirs) or '(none)'}; "
            f"this {action} names {', '.join(sources) or 'the default inventory'}"), theirs


async def refuse_other_inventory(client: ApiClient, state_dir: Path, action: str, sources: list[str]) -> FtlError:
    """The refusal of a ``play`` on another inventory than the owner's: its job would run on
    the owner's inventory, and it cannot run here either, since the owner holds the state
    directory (it used to fail with "in use ...; open it read-only or wait", which helps
    no one: ``--readonly`` refuses a play, and waiting means stopping the owner)."""
    said, theirs = await inventories_differ(client, state_dir, action, sources)
    return FtlError(f"{said}: the owner runs a {action} only on its own inventory, and this process cannot run it "
                    f"while the owner holds the state directory; use the owner's inventory "
                    f"({' '.join('-i ' + s for s in theirs) or 'no -i'}), or give this command another --state-dir "
                    "(it then runs here, with its own jobs)")


def run_via_owner(args: argparse.Namespace, state_dir: Path, module: str, module_args: dict[str, Any],
                  inventory_sources: list[str], printer: Any) -> int | None:
    """``run`` as a job of the owner, printed by ``printer`` (run's Text/JsonPrinter);
    ``None`` when there is no owner, it serves another inventory, or an option needs
    this process."""
    from ftltui.ansible_modules.docs import controller_spec

    if not run_delegable(args):
        refuse_if_readonly_owner(state_dir, "run")
        return None
    try:
        controller_spec(module)
    except KeyError:
        return None  # the in-process run reports it, with the list of known modules

    async def run(client: ApiClient) -> int | None:
        if not await same_inventory(client, inventory_sources):
            await _refuse_readonly(client, state_dir, "run")
            from ftltui.commands.common import note

            # run needs no state directory (docs/api.md): it runs here, and says so (hG s11 #3)
            said, _theirs = await inventories_differ(client, state_dir, "run", inventory_sources)
            note(f"{said}: it runs in this process, not as the owner's job (jobs list will not show it)")
            return None
        ref = await client.request("run.submit", pattern=args.pattern, module=module, args=module_args,
                                   check=bool(args.check), timeout=args.timeout, forks=args.forks,
                                   foreground=True,  # this client waits: Job.foreground
                                   **_vault_arg(args))
        collector = RunCollector(printer)
        end = StreamEnded()
        try:
            async for rec in job_records(client, ref["id"], end):
                collector.feed(rec)
        except asyncio.CancelledError:  # Ctrl-C: as in-process, the run stops
            await asyncio.shield(_cancel(client, ref["id"]))
            raise
        result = collector.result(module, args.pattern)
        printer.summary(result)
        return int(result.exit_code)

    return with_owner(state_dir, run)


async def _cancel(client: ApiClient, job_id: int) -> None:
    try:
        await asyncio.wait_for(client.request("jobs.cancel", id=job_id), 10)
    except (TimeoutError, FtlError):
        pass


def play_via_owner(args: argparse.Namespace, path: Path, options: Any, search: dict[str, Any],
                   inventory_sources: list[str]) -> int | None:
    """``play site.yml`` as a playbook job of the owner, printed by ``play``'s own outputs;
    ``None`` with no owner, another inventory, or an option only this process can carry
    out. A playbook's ``vars_prompt`` is asked on this terminal once the owner is known to take
    the job (never before a refusal), and the answers go with ``playbook.submit`` (the private
    ones as job secrets, as the console's play form sends them: review s11, finding 4); its
    ``pause`` tasks are answered on this terminal through the owner's ``pause.*`` ops
    (commands/pause_tty.py), or as ansible-playbook without one."""
    import json
    import sys

    from ftltui.api.playbook_events import playbook_event
    from ftltui.jobs.playbook_kind import OPTION_FIELDS
    from ftltui.playbook.events import PlaybookFinished

    state_dir = state_dir_of_args(args)
    if not _only_options(args, args.workflow, PLAY_DELEGABLE):
        refuse_if_readonly_owner(state_dir, "play", OWN_OPTIONS)
        return None
    prompts = sys.stdin.isatty() and _may_prompt(path)
    stored = {k: getattr(options, k) for k in OPTION_FIELDS}
    try:
        json.dumps(stored)
    except (TypeError, ValueError):
        refuse_if_readonly_owner(state_dir, "play", OWN_OPTIONS)
        return None  # e.g. -e values that are not plain data

    async def play(client: ApiClient) -> int | None:
        from ftltui.playbook.output_json import JsonOutput
        from ftltui.playbook.output_text import TextOutput

        if not await same_inventory(client, inventory_sources):
            await _refuse_readonly(client, state_dir, "play", OTHER_INVENTORY)
            raise await refuse_other_inventory(client, state_dir, "play", inventory_sources)
        answers: dict[str, Any] = {}
        if prompts:  # asked only now: a refusal (read-only, another inventory) comes before any prompt
            answers = await _prompt_answers(client, state_dir, path, options, search)
        ref = await client.request("playbook.submit", file=str(path.resolve()), options=stored,
                                   roles_path=[str(p) for p in search.get("roles_path", [])],
                                   collections_paths=[str(p) for p in search.get("collections_paths", [])],
                                   foreground=True,  # this client waits: Job.foreground
                                   **_vault_arg(args), **answers)  # the 0600 socket only, never argv
        output: Any = JsonOutput() if args.json else TextOutput(verbosity=options.verbosity, diff=options.diff)
        finished: PlaybookFinished | None = None
        pauses = _pause_terminal(client, ref["id"], bool(args.json))
        end = StreamEnded()
        try:
            async for rec in job_records(client, ref["id"], end):
                event = playbook_event(rec)
                if event is not None:
                    finished = event if isinstance(event, PlaybookFinished) else finished
                    output(event)
                    pauses(event)
        except asyncio.CancelledError:  # Ctrl-C: as in-process, the play stops (exit 99)
            await asyncio.shield(_cancel(client, ref["id"]))
            raise
        finally:
            pauses.close()  # the terminal's settings back
        job = (end.result or {}).get("job") or {}
        from ftltui.drift.desired import desired_report, desired_text

        # --check: the desired-state drift the job's summary carries, printed as play alone prints it
        drift = desired_report((job.get("summary") or {}).get("desired")) if options.check else None
        if args.json:
            output.recap(job=ref["id"], state=job.get("state"),
                         **({"desired_drift": drift.to_dict()} if drift is not None else {}))
        elif drift is not None:  # on stderr: stdout stays ansible-playbook's text
            sys.stdout.flush()
            sys.stderr.write(desired_text(drift))
        if finished is not None:
            return int(finished.exit_code)
        code = (job.get("summary") or {}).get("exit_code")
        return code if isinstance(code, int) else 250

    return with_owner(state_dir, play)


async def _prompt_answers(client: ApiClient, state_dir: Path, path: Path, options: Any,
                          search: dict[str, Any]) -> dict[str, Any]:
    """The ``vars_prompt`` answers asked on this terminal, as ``play`` alone asks them
    (commands/play_playbook.terminal_answers), for ``playbook.submit``'s ``answers`` and
    ``private``. A read-only owner refuses first (exit 5): nothing is asked for a job that
    cannot start."""
    from ftltui.commands.play_playbook import terminal_answers
    from ftltui.console.guard import ReadOnlyRefusal

    if client.welcome.readonly or (await client.request("owner.info")).get("readonly"):
        raise ReadOnlyRefusal("play", f"the owner (pid {client.owner_pid}) serves {state_dir} read-only: it starts "
                                      "nothing")
    answers, private = await asyncio.to_thread(terminal_answers, path, options, search)
    return {"answers": answers, "private": list(private)} if answers else {}


def _vault_arg(args: argparse.Namespace) -> dict[str, Any]:
    """``{"vault": [...]}`` when this command read vault passwords (its options, the prompt,
    ansible.cfg): the owner's keyring takes them before the job, as alone they would open
    this command's values; nothing otherwise (an owner without a keyring is not asked)."""
    from ftltui.api.cli_follow import vault_wire

    vault = vault_wire(args)
    return {"vault": vault} if vault else {}


def _may_prompt(path: Path) -> bool:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return True
    return "vars_prompt" in text


def _pause_terminal(client: ApiClient, job_id: int, json_output: bool) -> Any:
    """The job's pauses answered here: on this terminal, else as ansible-playbook without one."""
    from ftltui.commands.pause_tty import PauseOps, PauseTerminal, interactive

    async def op(name: str, job: int, **kw: Any) -> None:
        await client.request(name, job_id=job, **kw)

    ops = PauseOps(lambda job, text: op("pause.answer", job, text=text), lambda job: op("pause.continue", job),
                   lambda job: op("pause.abort", job), lambda job: op("pause.hold", job))
    return PauseTerminal(ops, lambda: job_id, tty=interactive() and not json_output)


def state_dir_of_args(args: argparse.Namespace) -> Path:
    from ftltui.paths import state_dir_path

    return state_dir_path(getattr(args, "state_dir", None))


# ``drift scan`` options a scan job of the owner carries (its drift config is the state dir's)
DRIFT_SCAN_DELEGABLE = frozenset({"pattern", "json", "inventory", "state_dir", "func", "drift_command", "command",
                                  "command_parser", "ansible_config", "vault_keyring", "demo_noted"}) | GUARD_OPTIONS


def drift_scan_via_owner(args: argparse.Namespace) -> tuple[int, Any] | None:
    """``drift scan PATTERN`` as a scan job of the owner: (job id, ScanResult) rebuilt from
    the job's summary and the snapshots' records (read from the store, read-only);
    ``None`` with no owner or options only this process carries; refused (FtlError) on
    another inventory, whose scan could not run here while the owner holds the directory."""
    from ftltui.commands.common import inventory_sources

    state_dir = state_dir_of_args(args)
    if not _only_options(args, args.pattern, DRIFT_SCAN_DELEGABLE):
        refuse_if_readonly_owner(state_dir, "drift scan", OWN_OPTIONS)
        return None
    sources = inventory_sources(args)
    outcome: list[tuple[int, Any]] = []

    async def scan(client: ApiClient) -> int | None:
        if not await same_inventory(client, sources):
            await _refuse_readonly(client, state_dir, "drift scan", OTHER_INVENTORY)
            raise await refuse_other_inventory(client, state_dir, "drift scan", sources)  # not "in use" (issue 16)
        ref = await client.request("drift.scan", pattern=args.pattern)
        end = StreamEnded()
        async for _ in client.stream("jobs.watch", end, id=ref["id"]):
            pass  # the end carries the summary; live events are for views
        summary = (end.result or {}).get("summary") or {}
        outcome.append((int(ref["id"]), await asyncio.to_thread(_scan_result, state_dir, summary)))
        return 0

    if with_owner(state_dir, scan, owner_gone_exit=None) is None:
        return None
    return outcome[0]


def drift_baseline_via_owner(state_dir: Path, request: BaselineRequest) -> tuple[BaselinePin, ...] | None:
    """``drift baseline`` as the owner's ``drift.baseline`` (it writes its snapshot store):
    the pins as they are now; ``None`` with no owner. Host names, not a pattern, cross:
    the command resolved its pattern with its own inventory."""
    outcome: list[tuple[BaselinePin, ...]] = []

    async def pin(client: ApiClient) -> int:
        out = await client.request("drift.baseline", **request.to_dict())
        outcome.append(tuple(BaselinePin(str(p["scope"]), str(p["name"]), str(p["snapshot"]))
                             for p in out.get("pins") or ()))
        return 0

    if with_owner(state_dir, pin, owner_gone_exit=None) is None:
        return None
    return outcome[0]


def _scan_result(state_dir: Path, summary: dict[str, Any]) -> Any:
    from ftltui.drift.collect import ScanResult
    from ftltui.drift.store import open_store

    with open_store(state_dir, readonly=True) as store:
        metas = {host: store.meta(snap_id) for host, snap_id in (summary.get("snapshots") or {}).items()}
    return ScanResult(metas, dict(summary.get("failed") or {}), list(summary.get("run_ids") or []),
                      bool(summary.get("cancelled")))


async def job_records(client: ApiClient, job_id: int, end: StreamEnded) -> AsyncIterator[dict[str, Any]]:
    """A job's log records, followed to its end, complete: a record too big for one
    message is read from the log file itself (this process runs as the owner's user)."""
    log_file: str | None = None
    async for msg in client.stream("jobs.logs", end, id=job_id, follow=True):
        if not isinstance(msg, StreamEvent):
            continue
        rec = msg.event
        if rec.get("event") == "log.oversized" and isinstance(rec.get("offset"), int):
            if log_file is None:
                log_file = str((await client.request("jobs.show", id=job_id)).get("log") or "")
            whole = await asyncio.to_thread(_line_at, log_file, rec["offset"])
            rec = whole if whole is not None else rec
        yield rec


def _line_at(path: str, offset: int) -> dict[str, Any] | None:
    import json

    try:
        with open(path, "rb") as fh:
            fh.seek(offset)
            rec = json.loads(fh.readline())
    except (OSError, ValueError):
        return None
    return rec if isinstance(rec, dict) else None
