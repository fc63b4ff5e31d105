"""``ftl-tui play PLAYBOOK``: an Ansible playbook, with ansible-playbook's options and output.

The run is a durable job (kind ``playbook``: its content is stored, ``jobs show`` names
the version, ``jobs`` can re-run it from failure) executed in this process, with every
event printed as ansible-playbook prints it (or as JSON lines with ``--json``).

Exit status as ansible-playbook 2.19: 0 ok, 1 error, 2 a host failed, 4 a host was
unreachable (ansible-playbook's own number; its manual says 3) or the playbook is
invalid, 5 bad options, 99 interrupted (Ctrl-C), 250 an unexpected error.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import stat
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ftltui.commands.common import (
    config_of,
    keyring_of,
    load_inventory_of,
    positive_int,
)
from ftltui.commands.options import (
    OptionsError,
    forks_of,
    parse_extra_vars,
    workers_of,
)
from ftltui.console.job_secrets import PlaybookSecrets
from ftltui.engine.sanitize import safe_text
from ftltui.errors import FtlError
from ftltui.jobs import events as jev
from ftltui.playbook.events import PlaybookEvent, PlaybookFinished
from ftltui.playbook.loader import has_document

if TYPE_CHECKING:
    from ftltui.inventory import Inventory
    from ftltui.jobs.model import Job
    from ftltui.playbook.options import PlayOptions

EXIT_ERROR = 1
EXIT_PARSE = 4  # ansible-playbook's AnsibleParserError
EXIT_INTERRUPTED = 99
NO_HOSTS_TO_TARGET = "Specified inventory, host pattern and/or --limit leaves us with no hosts to target."
EXIT_UNEXPECTED = 250
PLAYBOOK_ONLY = ("limit", "tags", "skip_tags", "diff", "forks", "start_at_task", "list_tasks", "list_hosts",
                 "list_tags", "syntax_check", "verbose")


def add_playbook_args(p: argparse.ArgumentParser) -> None:
    """ansible-playbook's options that ``play`` takes for playbooks (not workflows)."""
    g = p.add_argument_group("playbooks (as ansible-playbook)")
    g.add_argument("-l", "--limit", metavar="SUBSET", help="further limit the hosts to this pattern (or @FILE)")
    g.add_argument("-t", "--tags", action="append", default=[], metavar="TAGS",
                   help="only run plays and tasks tagged with these (comma-separated, repeatable)")
    g.add_argument("--skip-tags", action="append", default=[], metavar="TAGS",
                   help="only run plays and tasks whose tags do not match these")
    g.add_argument("-D", "--diff", action="store_true", help="show the differences in files and templates")
    g.add_argument("-f", "--forks", type=positive_int, default=None, metavar="N",
                   help="hosts a task runs on at once (default: ansible.cfg's forks if set, else 50)")
    g.add_argument("--start-at-task", metavar="NAME", help="start the playbook at the task with this name")
    g.add_argument("--list-tasks", action="store_true", help="list the tasks that would run; run nothing")
    g.add_argument("--list-hosts", action="store_true", help="list the hosts each play would run on; run nothing")
    g.add_argument("--list-tags", action="store_true", help="list the tags; run nothing")
    g.add_argument("--syntax-check", action="store_true", help="check the playbook's syntax; run nothing")
    g.add_argument("-v", "--verbose", action="count", default=0,
                   help="more output: -v every result, -vv task paths too")


def reject_playbook_options(args: argparse.Namespace) -> None:
    """A workflow run with a playbook-only option: say so, never silently ignore it."""
    given = [name for name in PLAYBOOK_ONLY if getattr(args, name, None) not in (None, False, [], 0)]
    if given:
        flags = ", ".join("--" + n.replace("_", "-") for n in given)
        raise OptionsError(f"{flags}: for playbooks only; {args.workflow} is a workflow file")


def split_tags(values: list[str]) -> tuple[str, ...]:
    return tuple(t.strip() for v in values for t in v.split(",") if t.strip())


def tty_asker(prompt: str, private: bool, default: str | None) -> str | None:
    """vars_prompt/pause on the terminal (private answers not echoed); None without one."""
    if not sys.stdin.isatty():
        return None
    text = f"{prompt} [{default}]: " if default not in (None, "") else f"{prompt}: "
    try:
        return getpass.getpass(text) if private else input(text)
    except EOFError:
        return None


def play_options_of(args: argparse.Namespace) -> PlayOptions:
    from ftltui.commands.run import limit_pattern
    from ftltui.playbook.options import PlayOptions

    return PlayOptions(
        limit=limit_pattern(args.limit) if args.limit else None,
        tags=split_tags(args.tags), skip_tags=split_tags(args.skip_tags),
        check=bool(args.check), diff=bool(args.diff),
        forks=forks_of(args),  # as `run`: -f, else ansible.cfg's forks, else 50 hosts at once
        start_at_task=args.start_at_task, extra_vars=parse_extra_vars(args.extra_vars, args),
        verbosity=int(args.verbose or 0), become=True if args.become else None,
        become_user=args.become_user, become_method=args.become_method, remote_user=args.remote_user,
        ask=tty_asker,
    )


def search_paths(args: argparse.Namespace) -> dict[str, Any]:
    cfg = config_of(args)
    expand = lambda paths: [Path(os.path.expanduser(p)) for p in paths or []]
    return {"roles_path": expand(getattr(cfg, "roles_path", [])),
            "collections_paths": expand(getattr(cfg, "collections_path", [])), "vault": keyring_of(args)}


def playbook_file_error(name: str) -> int | None:
    """ansible-playbook's checks of the file named on its command line, with its words and
    exits; ``None`` when the file can be read and has content. The file cannot say whether
    it is a playbook or a workflow yet, so these come first for both, as ansible-playbook's
    come before it reads anything else: a missing file or a directory is its exit 1 (read as
    a workflow, they exited 4), a file it cannot read or that holds no YAML document its
    exit 4 (a parser error)."""
    path = Path(name)
    shown = safe_text(name)  # a file name may hold escapes
    if not path.exists():
        sys.stderr.write(f"[ERROR]: the playbook: {shown} could not be found\n")
        return EXIT_ERROR
    if stat.S_ISFIFO(path.stat().st_mode):
        return None  # read once, by the loader: peeking would eat it
    if not path.is_file():
        sys.stderr.write(f"[ERROR]: the playbook: {shown} does not appear to be a file\n")
        return EXIT_ERROR
    full = os.path.abspath(name)  # ansible-playbook names the file by its absolute path here
    try:
        with open(full, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError as exc:
        sys.stderr.write(safe_text(f"[ERROR]: An error occurred while trying to read the file '{full}': {exc}") + "\n")
        return EXIT_PARSE
    if not has_document(text):
        sys.stderr.write(f"[ERROR]: Empty playbook, nothing to do: {safe_text(full)}\n")
        return EXIT_PARSE
    return None


def handle_playbook(args: argparse.Namespace) -> int:
    try:
        return _handle_playbook(args)
    except KeyboardInterrupt:  # Ctrl-C at any point, as ansible-playbook: 99
        sys.stderr.write("[ERROR]: User interrupted execution\n")
        return EXIT_INTERRUPTED


def _handle_playbook(args: argparse.Namespace) -> int:
    path = Path(args.workflow)
    code = _read_extra_vars_and_vault(args)
    if code is not None:
        return code
    if args.syntax_check:
        return syntax_check(path, args)
    if args.list_tasks or args.list_hosts or args.list_tags:
        return listing(path, args)
    if args.verbose and not args.json:  # as ansible-playbook -v; never inside the JSON lines
        cfg = config_of(args)
        sys.stdout.write(f"Using {cfg.config_file} as config file\n" if cfg.config_file
                         else "No config file found; using defaults\n")
    options = play_options_of(args)
    from ftltui.commands.guard_cli import check_playbook

    search = search_paths(args)  # read-only inventory, protected groups: exit 5 before anything runs
    inventory = load_inventory_of(args)  # once: for the guard and for the run
    check_playbook(args, str(path), options.limit, inventory,
                   [str(p) for p in search["roles_path"]], [str(p) for p in search["collections_paths"]])
    if not limit_leaves_hosts(inventory, options.limit):
        sys.stderr.write(f"[ERROR]: {NO_HOSTS_TO_TARGET}\n")
        return EXIT_ERROR
    code = _via_owner(args, path, options)  # a live owner runs it as its job, printed the same
    if code is not None:
        return code
    try:
        return asyncio.run(_run(args, path, options, inventory))
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED  # the run said so when it stopped (PlaybookFinished.interrupted)
    except (FtlError, OptionsError):
        raise  # bad playbook (4) or options (5): the CLI says which
    # anything else is a bug: the CLI's handler says it in ansible-playbook 2.19's words, exit 250


def _read_extra_vars_and_vault(args: argparse.Namespace) -> int | None:
    """What ansible-playbook reads before the playbook, in every mode (``--syntax-check`` and
    the listings too): the vault passwords and ``-e`` (its ``@FILE``s). A file that cannot be
    read or decrypted is its exit 1 (an AnsibleError), not 4 (the playbook's own parse
    errors); a bad ansible.cfg and an unusable option value stay 5."""
    config_of(args)
    try:
        keyring_of(args)
        parse_extra_vars(args.extra_vars, args)
    except OptionsError:
        raise
    except FtlError as exc:
        sys.stderr.write(f"[ERROR]: {safe_text(str(exc))}\n")
        return EXIT_ERROR
    return None


def limit_leaves_hosts(inventory: Inventory, limit: str | None) -> bool:
    """False when ``--limit`` selects none of the inventory's hosts: ansible-playbook stops
    there with exit 1 (a typo in ``-l`` in CI or a schedule must not pass green having run
    nothing). An inventory without hosts proceeds, as ansible-playbook's (implicit localhost)."""
    if not limit or not inventory.hosts:
        return True
    return bool(inventory.select_detailed(limit).hosts)


def _via_owner(args: argparse.Namespace, path: Path, options: Any) -> int | None:
    from ftltui.api.cli_client import play_via_owner
    from ftltui.commands.common import inventory_sources

    return play_via_owner(args, path, options, search_paths(args), inventory_sources(args))


def syntax_check(path: Path, args: argparse.Namespace) -> int:
    from ftltui.playbook.syntax import syntax_check as check

    problems = check(path, **search_paths(args))
    if problems:
        for exc in problems:
            sys.stderr.write(f"[ERROR]: {safe_text(str(exc))}\n")
        return 4
    sys.stdout.write(safe_text(f"\nplaybook: {args.workflow}\n"))  # a file name may hold escapes (hD #5)
    return 0


def listing(path: Path, args: argparse.Namespace) -> int:
    from ftltui.playbook.loader import load_playbook
    from ftltui.playbook.syntax import format_listing, list_plays

    playbook = load_playbook(path, **search_paths(args))
    options = play_options_of(args)
    plays = list_plays(playbook, options.tags, options.skip_tags, list_tags=args.list_tags)
    hosts = None
    if args.list_hosts:
        inventory = load_inventory_of(args)
        allowed = {h.name for h in inventory.select(options.limit)} if options.limit else None

        def hosts(pattern: str) -> list[str]:
            names = [h.name for h in inventory.select(pattern)]
            return [n for n in names if allowed is None or n in allowed]

    sys.stdout.write(format_listing(args.workflow, plays, tasks=args.list_tasks, tags=args.list_tags, hosts=hosts))
    return 0


async def _run(args: argparse.Namespace, path: Path, options: PlayOptions, inventory: Inventory) -> int:
    """The playbook as a job of this command's own :class:`ConsoleSession` (it owns the
    state directory for the run), its events printed as ansible-playbook prints them."""
    from ftltui.commands.play import session_for
    from ftltui.console.engine_settings import EngineSettings
    from ftltui.jobs.playbook_kind import options_doc
    from ftltui.playbook.output_json import JsonOutput
    from ftltui.playbook.output_text import TextOutput

    search = search_paths(args)
    engine = EngineSettings(base_dir=str(path.resolve().parent), verbosity=options.verbosity,
                            workers=workers_of(args))
    session = session_for(args, inventory, engine=engine, forks=options.forks, vault=search["vault"],
                          roles_path=[str(p) for p in search["roles_path"]],
                          collections_paths=[str(p) for p in search["collections_paths"]], ask=options.ask)
    output: Any = JsonOutput() if args.json else TextOutput(verbosity=options.verbosity, diff=options.diff)
    relay = _Relay(output)
    from ftltui.commands.pause_tty import PauseOps, PauseTerminal, interactive

    # pauses answered on this terminal (ctrl+C then C/A, a prompt's line); without one (or
    # with --json) as ansible-playbook without a terminal
    session.pauses.interactive = interactive() and not args.json
    if session.pauses.interactive:
        relay.pauses = PauseTerminal(PauseOps.of(session.pauses), lambda: relay.job_id, tty=True)
    answers, private = terminal_answers(path, options, search)
    async with session:
        # -K's password as a job secret too: the job then says it had one, so its retry asks for it (jobs.again)
        become_pw = session.var_defaults.get("ansible_become_password")
        secrets = PlaybookSecrets(answers=answers or None, private=private,
                                  become_password=str(become_pw) if become_pw else None)
        job = await session.submit_playbook(str(path), options=options_doc(**stored_options(options)),
                                            confirmed=True,  # the command asked already
                                            secrets=secrets or None)
        relay.job_id = job.id
        session.watch(relay)
        try:
            job = await session.wait(job.id)
        except asyncio.CancelledError:
            await session.cancel(job.id)
            raise
        finally:
            if isinstance(relay.pauses, PauseTerminal):
                relay.pauses.close()
    from ftltui.drift.desired import desired_report, desired_text

    drift = desired_report((job.summary or {}).get("desired")) if options.check else None  # as workflows
    if args.json:
        output.recap(job=job.id, state=job.state, **({"desired_drift": drift.to_dict()} if drift is not None else {}))
    elif drift is not None:  # on stderr: stdout stays ansible-playbook's text
        sys.stdout.flush()
        sys.stderr.write(desired_text(drift))
    return relay.exit_code(job)


def terminal_answers(path: Path, options: PlayOptions, search: dict[str, Any]) -> tuple[dict[str, str], tuple[str, ...]]:
    """The playbook's ``vars_prompt`` asked on this terminal before its job is queued, as the
    console's play form asks them, so the job keeps which were answered (the private ones as
    job secrets: kinds and names stored, values never) and its retry can ask for them again
    (session 11, defect 4). Each play's prompts in order, once per name; a name given with
    ``-e`` is not asked; no terminal, or a playbook that does not load: nothing asked here
    (the run takes defaults, or the submit says what is wrong with the file)."""
    from ftltui.errors import FtlError
    from ftltui.playbook.loader import load_playbook

    answers: dict[str, str] = {}
    private: list[str] = []
    if options.ask is None or not sys.stdin.isatty():
        return answers, ()
    try:
        playbook = load_playbook(path, roles_path=search["roles_path"], collections_paths=search["collections_paths"],
                                 vault=search["vault"])
    except (FtlError, OSError):
        return answers, ()
    from ftltui.playbook.vars_prompt import ask_answer, prompt_spec

    for play in playbook.plays:
        for entry in play.vars_prompt:
            spec = prompt_spec(entry)  # confirm asks twice; encrypt/unsafe are the run's (typed value kept)
            if spec.name in options.extra_vars or spec.name in answers:
                continue
            answer = ask_answer(spec, options.ask)
            if answer in (None, "") and spec.default is not None:
                answer = spec.default
            if answer is None:
                continue  # the run says it had no answer, as before
            answers[spec.name] = answer
            if spec.private:
                private.append(spec.name)
    return answers, tuple(private)


def stored_options(options: PlayOptions) -> dict[str, Any]:
    from ftltui.jobs.playbook_kind import OPTION_FIELDS

    return {k: getattr(options, k) for k in OPTION_FIELDS}


class _Relay:
    """The job's playbook events (inside ``JobOutput``) to the output, and the exit status."""

    def __init__(self, output: Callable[[PlaybookEvent], None]) -> None:
        self.output = output
        self.job_id = 0
        self.finished: PlaybookFinished | None = None
        self.pauses: Callable[[object], None] | None = None  # the terminal answering pauses

    def __call__(self, event: jev.JobEvent) -> None:
        if event.job_id != self.job_id or not isinstance(event, jev.JobOutput):
            return
        inner = event.event
        if isinstance(inner, PlaybookFinished):
            self.finished = inner
        self.output(inner)
        if self.pauses is not None:
            self.pauses(inner)

    def exit_code(self, job: Job | None) -> int:
        if self.finished is not None:
            return int(self.finished.exit_code)
        code = (job.summary or {}).get("exit_code") if job is not None else None
        if isinstance(code, int):
            return code
        sys.stderr.write(f"[ERROR]: the playbook job ended {getattr(job, 'state', '?')}: "
                         f"{safe_text(getattr(job, 'reason', '') or '')}\n")
        return EXIT_UNEXPECTED if job is None or job.state != "cancelled" else EXIT_INTERRUPTED
