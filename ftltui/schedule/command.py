"""What a schedule runs: a ``run``, ``play`` or ``drift scan`` command line, checked
when added and turned into a queued job when it fires.

The words are parsed by the real CLI parser, so a schedule takes exactly the options
the command takes and a typo is refused when the schedule is added, not at 03:00. A
fired schedule becomes a job in the owner's queue, on the owner's engine and
inventory; so only the options such a job carries are accepted, and every other one
is refused by name (never silently dropped):

* ``run PATTERN [MODULE] -m -a -l -C --timeout``
* ``play FILE -C -e`` and, for playbooks, ``-l -t --skip-tags -D -f --start-at-task
  -v -b --become-user --become-method -u``
* ``drift scan PATTERN --drift-config``

A workflow (not a playbook) takes only ``-C`` and ``-e``. The hosts the command selects
(``run``'s and ``drift scan``'s PATTERN, ``-l``, a workflow's steps' ``hosts:``) are checked
against the inventory the schedule will fire on (:func:`check_hosts`): a malformed pattern
is refused, and one that matches no host is refused with Ansible's words unless the
schedule is added with ``--allow-no-hosts``; when it fires and matches nothing (the
inventory changed) the firing records it (:class:`NoHostsMatched`), nothing is queued. Options that prompt (``-K``,
``--ask-vault-pass``, ``--ask-key-pass``) are refused: nobody is at a terminal when a
schedule fires, and a schedule stores no secret value. ``-i``, ``--state-dir`` and the
vault options are refused: the schedule runs on the inventory, state and vault options
of the process that owns the directory (a vaulted playbook needs an owner started with
its vault options).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import io
from typing import Any, Awaitable, Callable

from ftltui.errors import FtlError, Location, PatternError
from ftltui.schedule.model import NoHostsMatched, Schedule, ScheduleBook, ScheduleError

KINDS = ("run", "play", "drift scan")
CARRIED: dict[str, frozenset[str]] = {
    "run": frozenset({"pattern", "module", "module_name", "module_args", "limit", "check", "timeout"}),
    "play": frozenset({"workflow", "check", "extra_vars", "limit", "tags", "skip_tags", "diff", "forks",
                       "start_at_task", "verbose", "become", "become_user", "become_method", "remote_user"}),
    "drift scan": frozenset({"pattern", "drift_config"}),
}
ALWAYS_DEFAULT = frozenset({"help", "command", "drift_command", "func", "command_parser"})

Submit = Callable[[Schedule], Awaitable[int]]
NO_MATCH = "Could not match supplied host pattern"  # ansible's words for a pattern that selects nothing
ALLOW_NO_HOSTS = "--allow-no-hosts"


def _kind(argv: list[str]) -> str:
    if argv[:2] == ["drift", "scan"]:
        return "drift scan"
    if argv and argv[0] in ("run", "play"):
        return argv[0]
    got = " ".join(argv[:2]) or "nothing"
    raise ScheduleError(f"a schedule runs one of: {', '.join(KINDS)} (with their arguments); got {got!r}")


@functools.lru_cache(maxsize=1)
def _cli_parser() -> argparse.ArgumentParser:
    """The CLI's parser, built once (it imports every command module); parse_args keeps no state."""
    from ftltui.cli import build_parser

    return build_parser()


def _command_parser(kind: str) -> argparse.ArgumentParser:
    parser = _cli_parser()
    for word in kind.split():
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = sub.choices[word]
    return parser


def parse_command(argv: list[str]) -> argparse.Namespace:
    """The command's options as the CLI parses them; a usage error as :class:`ScheduleError`."""
    kind = _kind(argv)
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err):
            return _cli_parser().parse_args(argv)
    except SystemExit:
        lines = [ln for ln in err.getvalue().splitlines() if ln.startswith("ftl-tui")]
        why = lines[-1].split("error: ", 1)[-1] if lines else "bad options"
        raise ScheduleError(f"scheduled command {kind!r}: {why}") from None


def check_command(argv: list[str]) -> argparse.Namespace:
    """Parse, then refuse options a scheduled job cannot carry or that would prompt."""
    kind = _kind(argv)
    ns = parse_command(argv)
    refused = []
    for action in _command_parser(kind)._actions:
        dest = action.dest
        if dest in ALWAYS_DEFAULT or dest in CARRIED[kind] or not hasattr(ns, dest):
            continue
        if getattr(ns, dest) != action.default:
            refused.append(max(action.option_strings, key=len) if action.option_strings else dest)
    if refused:
        why = ("it would prompt, and nobody answers a prompt when a schedule fires" if any("ask" in r for r in refused)
               else "schedules run on the inventory, state and vault options of the owner"
               if {"--inventory", "--state-dir", "--vault-password-file", "--vault-id"} & set(refused)
               else "a scheduled job does not carry it")
        raise ScheduleError(f"scheduled {kind!r} does not take {', '.join(sorted(set(refused)))}: {why}; "
                            f"it takes {_flags(kind)}")
    if kind == "play":
        _check_play_file(ns)
    if kind == "run":
        _check_run_module(ns)
    return ns


def _check_run_module(ns: argparse.Namespace) -> None:
    """The module and its arguments, checked as ``run`` checks them before submitting (on
    the controller, no inventory needed): a misspelt module or argument is refused now,
    not by a failed job at 03:00."""
    from ftltui.ansible_modules.docs import controller_spec
    from ftltui.commands.run import module_of, parse_module_args
    from ftltui.engine.executor import precheck_args

    try:
        module = module_of(ns)
        try:
            spec = controller_spec(module)
        except KeyError:
            raise ScheduleError(f"run: unknown module {module!r}: not native and no installed Ansible has it "
                                "(ftl-tui modules lists them)") from None
        precheck_args(spec, parse_module_args(module, ns.module_args))
    except ScheduleError:
        raise
    except FtlError as exc:  # bad k=v text, a missing or unknown argument, a removed module
        raise ScheduleError(f"run: {exc.message}") from None


def _check_play_file(ns: argparse.Namespace) -> None:
    """The file must exist; a workflow (not a playbook) takes no playbook-only option."""
    from pathlib import Path

    from ftltui.commands.options import OptionsError
    from ftltui.commands.play_playbook import reject_playbook_options
    from ftltui.playbook.loader import is_playbook

    path = Path(ns.workflow)
    if not path.is_file():
        raise ScheduleError(f"play {ns.workflow}: no such file")
    if not is_playbook(path):
        try:
            reject_playbook_options(ns)
        except OptionsError as exc:
            raise ScheduleError(str(exc)) from None
        # the workflow job carries its variables and check mode; connection and become
        # options would be the owner's executor's, so they are refused rather than dropped
        given = [f"--{n.replace('_', '-')}" for n in ("become", "become_user", "become_method", "remote_user")
                 if getattr(ns, n, None)]
        if given:
            raise ScheduleError(f"{', '.join(given)}: a scheduled workflow takes only --check and --extra-vars "
                                f"({ns.workflow} is a workflow file)")


def host_patterns(argv: list[str]) -> list[tuple[str, str, Location | None]]:
    """(what, pattern, where) for each host pattern the command selects with, in the order
    ``run``/``play`` apply them: PATTERN, a workflow's steps' ``hosts:`` (where: the step),
    then ``--limit`` (``@FILE`` read now, as it will be when it fires)."""
    from pathlib import Path

    from ftltui.commands.options import OptionsError
    from ftltui.commands.run import limit_pattern
    from ftltui.playbook.loader import is_playbook

    kind = _kind(argv)
    ns = parse_command(argv)
    out: list[tuple[str, str, Location | None]] = []
    if kind in ("run", "drift scan"):
        out.append((f"{kind} PATTERN", ns.pattern, None))
    elif not is_playbook(Path(ns.workflow)):
        from ftltui.jobs.workflow.loader import load_workflow

        try:
            wf = load_workflow(ns.workflow)
        except FtlError:
            wf = None  # its other errors are the firing's to report, as they always were
        if wf is not None:
            out += [(f"workflow step {name!r} hosts:", step.hosts, step.loc) for name, step in wf.steps.items()]
    if getattr(ns, "limit", None):
        try:
            out.append((f"{kind} --limit", limit_pattern(ns.limit), None))
        except OptionsError as exc:
            raise ScheduleError(str(exc)) from None
    return out


def check_hosts(argv: list[str], inventory: Any, allow_no_hosts: bool = False, *, firing: bool = False) -> None:
    """Refuse a malformed host pattern (what, where, what was expected) and, unless
    ``allow_no_hosts``, one that selects none of ``inventory``'s hosts (Ansible's "Could
    not match supplied host pattern", raised as :class:`NoHostsMatched`). ``run``'s
    PATTERN counts within its ``--limit``, as ``run -l`` resolves it. ``firing``: the
    words of a schedule firing now (nothing is queued) rather than of one being added."""
    from ftltui.inventory.patterns import SubscriptOutOfRange

    selected: dict[str, tuple[str, set[str]]] = {}  # what -> (pattern, its hosts)
    for what, pattern, where in host_patterns(argv):
        try:
            sel = inventory.select_detailed(pattern)
            why = f": no group or host named {', '.join(repr(t) for t in sel.unmatched)}" if sel.unmatched else \
                f": group {pattern!r} has no host" if pattern in (getattr(inventory, "groups", None) or ()) else ""
        except SubscriptOutOfRange as exc:
            sel, why = None, f": {exc.message}"
        except PatternError as exc:
            raise ScheduleError(f"{what} {pattern!r}: {exc.message}", where) from None
        hosts = set(sel.hosts) if sel is not None else set()
        if what == "run --limit" and hosts and "run PATTERN" in selected:
            hosts &= selected["run PATTERN"][1]
            why = f": none of the hosts of PATTERN {selected['run PATTERN'][0]!r} is within it"
        selected[what] = (pattern, hosts)
        if hosts or allow_no_hosts:
            continue
        if firing:
            raise NoHostsMatched(f"{NO_MATCH}, nothing run: {pattern!r} ({what}) in the owner's inventory{why}",
                                 where)
        sources = ", ".join(str(x) for x in getattr(inventory, "sources", None) or ()) or "the inventory"
        raise NoHostsMatched(f"{NO_MATCH}: {pattern!r} ({what}) in {sources}{why}; the schedule would fire and "
                             f"run nothing. If that is intended (hosts to come), add {ALLOW_NO_HOSTS} before the "
                             "command", where)


PATH_DESTS = frozenset({"workflow", "drift_config"})  # options whose value is a file
AT_FILE_DESTS = frozenset({"extra_vars", "limit"})  # options whose value may be @FILE


def absolutize(argv: list[str], cwd: str) -> list[str]:
    """The command as typed, with the files it names made absolute against ``cwd`` (the
    directory the schedule was added in): the playbook, ``--drift-config``, ``-e @FILE``,
    ``-l @FILE``. A schedule fires in the owner's directory, where relative paths would
    mean other files. Every other word is kept as it was written.

    What is returned is what is stored, so that is what is checked: parsed again, it must
    mean what ``argv`` meant with those paths made absolute, or the schedule is refused
    (a word lost here would otherwise turn a ``--check`` schedule into a real run)."""
    ns = check_command(argv)
    kind = _kind(argv)
    out = _with_absolute_paths(argv, kind, cwd)
    want = dict(vars(ns))
    for dest in PATH_DESTS | AT_FILE_DESTS:
        value = want.get(dest)
        if isinstance(value, list):
            want[dest] = [_absolute(dest, v, cwd) for v in value]
        elif isinstance(value, str):
            want[dest] = _absolute(dest, value, cwd)
    stored = check_command(out)
    if vars(stored) != want:  # a bug here, never the user's: refuse rather than store another command
        differ = sorted(k for k in want.keys() | vars(stored).keys() if want.get(k) != vars(stored).get(k))
        raise ScheduleError(f"schedule add: the command could not be stored as typed ({', '.join(differ)} would "
                            "differ); write each option and its value as separate words")
    return out


def _absolute(dest: str, value: str, cwd: str) -> str:
    import os

    if dest in PATH_DESTS:
        return value if os.path.isabs(value) else os.path.join(cwd, value)
    if dest in AT_FILE_DESTS and value.startswith("@") and not os.path.isabs(value[1:]):
        return "@" + os.path.join(cwd, value[1:])
    return value


def _option(parser: argparse.ArgumentParser, flag: str) -> argparse.Action | None:
    """The action ``flag`` names as argparse matches it: exactly, or by a unique prefix of a
    long option (``--tag`` for ``--tags``)."""
    actions = parser._option_string_actions
    if flag in actions:
        return actions[flag]
    if flag.startswith("--") and parser.allow_abbrev:
        hits = {id(a): a for o, a in actions.items() if o.startswith(flag)}
        if len(hits) == 1:
            return next(iter(hits.values()))
    return None


def _with_absolute_paths(argv: list[str], kind: str, cwd: str) -> list[str]:
    """``argv`` word for word, each word read as argparse reads it (an option, its value,
    a positional) so that only the values of file options change."""
    parser = _command_parser(kind)
    n = len(kind.split())
    out, pending, positionals, only_positional = list(argv[:n]), None, 0, False
    for word in argv[n:]:
        if pending is not None:  # the value of the option before it
            out.append(_absolute(pending.dest, word, cwd))
            pending = None
        elif only_positional or not word.startswith("-") or word == "-":
            out.append(_absolute("workflow", word, cwd) if kind == "play" and positionals == 0 else word)
            positionals += 1
        elif word == "--":
            out.append(word)
            only_positional = True
        elif word.startswith("--"):
            flag, eq, value = word.partition("=")
            action = _option(parser, flag)
            if eq:
                out.append(flag + eq + (_absolute(action.dest, value, cwd) if action else value))
            else:
                out.append(word)
                pending = action if action is not None and action.nargs != 0 else None
        else:
            word, pending = _short_cluster(parser, word, cwd)
            out.append(word)
    return out


def _short_cluster(parser: argparse.ArgumentParser, word: str, cwd: str) -> tuple[str, argparse.Action | None]:
    """A word of short options (``-C``, ``-Cv``, ``-e@vars.yml``, ``-e=@vars.yml``, ``-l``):
    the word with an attached file value made absolute, and the option still waiting for
    its value in the next word (if any)."""
    for i in range(1, len(word)):
        action = parser._option_string_actions.get("-" + word[i])
        if action is None:
            return word, None  # not an option argparse would read here: left as typed
        if action.nargs == 0:
            continue
        rest = word[i + 1:]
        if not rest:
            return word, action
        eq = "=" if i == 1 and rest.startswith("=") else ""
        return word[:i + 1] + eq + _absolute(action.dest, rest[len(eq):], cwd), None
    return word, None


def _flags(kind: str) -> str:
    parser = _command_parser(kind)
    names = [max(a.option_strings, key=len) for a in parser._actions if a.dest in CARRIED[kind] and a.option_strings]
    return ", ".join(names) or "no options"


def queue_submitter(queue: Any, book: Any = None) -> Submit:
    """A submit callback for :class:`~ftltui.schedule.scheduler.Scheduler`: each firing
    becomes a job in ``queue`` (whose executor and kinds the owner set up); returns its id.

    The command is parsed again when it fires: files it names (a playbook, an
    ``-e @FILE``) are read then, as a cron job would read them. A drift scan with a
    notification is followed until it ends; what was sent is recorded through ``book``
    (default: the schedules of the queue's own state store)."""
    followers: set[asyncio.Task[None]] = set()  # strong references: the loop keeps only weak ones
    book = book if book is not None else ScheduleBook(queue.store)

    async def submit(schedule: Schedule) -> int:
        ns = check_command(schedule.argv)
        if queue.executor is not None:  # nothing queued for no host: the firing records it (Scheduler)
            check_hosts(schedule.argv, queue.executor.inventory, firing=True)
        job = await _SUBMIT[schedule.kind](queue, ns)
        if schedule.notify and schedule.kind == "drift scan":
            task = asyncio.create_task(_follow(queue, book, schedule, int(job.id)), name=f"ftl-notify-{job.id}")
            followers.add(task)
            task.add_done_callback(followers.discard)
        return int(job.id)

    return submit


async def _follow(queue: Any, book: ScheduleBook, schedule: Schedule, job_id: int) -> None:
    from ftltui.schedule.notify import Notify, notify_after_scan

    notify = Notify.from_doc(schedule.notify)
    assert notify is not None
    try:
        said = await notify_after_scan(queue, schedule, job_id, notify)
    except Exception as exc:  # noqa: BLE001 - a failed notification must not take the owner down
        said = f"scan job {job_id}: notification failed: {type(exc).__name__}: {exc}"
    try:
        await asyncio.to_thread(book.update, schedule, last_notify=said[:500])
    except FtlError:
        pass  # the schedule was removed meanwhile


async def _submit_run(queue: Any, ns: argparse.Namespace) -> Any:
    from ftltui.commands.run import module_of, parse_module_args, select_hosts
    from ftltui.jobs.kinds import enqueue_run

    module = module_of(ns)
    args = parse_module_args(module, ns.module_args)
    hosts = select_hosts(queue.executor.inventory, ns.pattern, ns.limit)  # none: PatternError, as `run` says
    # with --limit, the hosts of PATTERN within it, resolved now (as `run -l` does)
    pattern = ",".join(h.name for h in hosts) if ns.limit else ns.pattern
    return await enqueue_run(queue, pattern, module, args, check=bool(ns.check), timeout=ns.timeout)


async def _submit_play(queue: Any, ns: argparse.Namespace) -> Any:
    from pathlib import Path

    from ftltui.commands.options import parse_extra_vars
    from ftltui.jobs.kinds import enqueue_workflow
    from ftltui.playbook.loader import is_playbook

    if not is_playbook(Path(ns.workflow)):  # check_command refused playbook-only options
        return await enqueue_workflow(queue, ns.workflow, vars=parse_extra_vars(ns.extra_vars, ns), check=ns.check)
    from ftltui.commands.common import keyring_of
    from ftltui.commands.play_playbook import (
        play_options_of,
        search_paths,
        stored_options,
    )
    from ftltui.jobs import playbook_kind

    options = play_options_of(ns)
    search = search_paths(ns)
    if "playbook" not in queue.kinds:
        raise ScheduleError("the owner's job queue cannot run playbooks")
    return await playbook_kind.enqueue_playbook(
        queue, ns.workflow, options=playbook_kind.options_doc(**stored_options(options)),
        roles_path=[str(p) for p in search["roles_path"]],
        collections_paths=[str(p) for p in search["collections_paths"]], vault=keyring_of(ns))


async def _submit_drift(queue: Any, ns: argparse.Namespace) -> Any:
    from ftltui.drift.jobs import KIND, scan_spec
    from ftltui.jobs import RetryPolicy

    if KIND not in queue.kinds:
        raise ScheduleError("the owner's job queue has no drift scan kind registered")
    hosts = queue.executor.inventory.select(ns.pattern)
    if not hosts:
        raise ScheduleError(f"drift scan: no hosts matched {ns.pattern!r}")
    spec = scan_spec(ns.pattern, hosts, ns.drift_config)
    return await queue.enqueue(KIND, spec, title=f"drift scan {ns.pattern} (scheduled)", hosts=[h.name for h in hosts],
                               retry=RetryPolicy(max_attempts=1))


_SUBMIT: dict[str, Callable[[Any, argparse.Namespace], Awaitable[Any]]] = {
    "run": _submit_run, "play": _submit_play, "drift scan": _submit_drift,
}
