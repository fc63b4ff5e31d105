"""``ftl-tui run PATTERN [MODULE] [-m MODULE] [-a ARGS]``: one module on the hosts a pattern selects.

Shaped like Ansible's ``ansible`` command: the same options (``-m -a -i -l -e -f -u
--private-key -T -C -D -v -o -b --become-user --become-method -K``), defaults from
ansible.cfg, and results printed as ``host | CHANGED => {...}``. The module defaults to
``command``, as in Ansible.

Exit status: 0 every host ok, 2 a host failed, 3 a host was unreachable, 4 bad input
(unknown module, bad module arguments, broken inventory, a pattern that selects no
host), 5 bad or incomplete options, 99 interrupted (Ctrl-C: every host's run is cancelled
first; ``ansible``'s number, as ``play``'s).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from typing import Any

from ftltui.ansible_modules.docs import controller_spec
from ftltui.ansible_modules.run import DEPRECATION_LABEL
from ftltui.commands.common import (
    add_inventory_arg,
    add_json_arg,
    add_state_arg,
    examples,
    load_inventory_of,
    positive_int,
    positive_seconds,
    print_jsonl,
    write_out,
)
from ftltui.commands.key_pass import add_key_pass_arg, key_pass_options
from ftltui.commands.options import (
    OptionsError,
    add_become_args,
    add_connection_args,
    add_extra_vars_arg,
    add_workers_arg,
    forks_of,
    parse_extra_vars,
    secrets_of,
    var_defaults_of,
    workers_of,
)
from ftltui.console.engine_settings import EngineSettings
from ftltui.console.session import ConsoleSession
from ftltui.engine.event_schema import event_record
from ftltui.engine.events import (
    Event,
    HostFinished,
    OutputLine,
    RunFinished,
    RunStarted,
    Warning_,
)
from ftltui.engine.executor import RunResult
from ftltui.engine.result_format import format_result
from ftltui.engine.sanitize import safe_text
from ftltui.errors import ModuleArgsError, PatternError
from ftltui.inventory import Inventory
from ftltui.inventory.model import Host
from ftltui.paths import state_dir_path

EXIT_INTERRUPTED = 99  # Ctrl-C, as ansible (and play)
MAX_LINE = 4000  # characters of one output line shown on the terminal
DEFAULT_MODULE = "command"  # Ansible's

EXAMPLES = examples(
    "ftl-tui run localhost -m ping",
    "ftl-tui run all -a 'uname -a' -i inventory.yml              # -m command is the default",
    "ftl-tui run web -m shell -a 'echo {{ inventory_hostname }}' -f 10 -e app_port=8080",
    "ftl-tui run 'web:&prod' -m copy -a 'content=\"hi\\n\" dest=/tmp/hi mode=0644' -C -D",
    "ftl-tui run all -m file -a '{\"path\": \"/tmp/x\", \"state\": \"absent\"}' -l web1 --json",
    "ftl-tui run db -m command -a 'id -un' -b --become-user postgres -K",
    "ftl-tui run 'h1,h2,' ping -i 'h1,h2,' -u deploy --private-key ~/.ssh/deploy -T 5 -o",
    "ftl-tui run web -m community.general.ini_file -a 'path=/etc/app.ini section=db option=port value=5432'",
    "ftl-tui run web -m lineinfile -a 'path=/etc/hosts line=\"10.0.0.5 db\"' --ansible-module lineinfile",
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="run a module on a host pattern (like ansible)", description=__doc__,
                       epilog=EXAMPLES)
    p.add_argument("pattern", help="Ansible host pattern, e.g. 'web:&prod' or 'all:!db'")
    p.add_argument("module", nargs="?", default=None, help="module name (or -m; see: ftl-tui modules)")
    p.add_argument("-m", "--module-name", dest="module_name", metavar="MODULE",
                   help=f"module name (default {DEFAULT_MODULE})")
    p.add_argument("-a", "--args", "--module-args", dest="module_args", default=None, metavar="ARGS",
                   help="module arguments: free form, 'k=v k2=v2', or a JSON object")
    p.add_argument("-l", "--limit", metavar="SUBSET", help="further limit the hosts to this pattern")
    p.add_argument("--ansible-module", dest="ansible_module", action="append", default=[], metavar="NAME",
                   help="run Ansible's implementation of NAME instead of ftl-tui's native one (repeatable; "
                        "per host: the inventory variable ftl_ansible_modules)")
    p.add_argument("--no-log", dest="no_log", action="store_true",
                   help="Ansible's no_log for this run: results censored, no live output or module warnings")
    add_run_options(p)
    add_extra_vars_arg(p)
    add_connection_args(p)
    add_become_args(p)
    add_key_pass_arg(p)
    add_inventory_arg(p)
    add_state_arg(p)
    add_json_arg(p)
    from ftltui.commands.guard_cli import add_confirm_arg

    add_confirm_arg(p)
    p.set_defaults(func=handle, command_parser=p)


def add_run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("-C", "--check", action="store_true", help="check mode: change nothing, report what would change")
    p.add_argument("-D", "--diff", action="store_true", help="show the diff of what changed (or would change)")
    p.add_argument("-f", "--forks", type=positive_int, default=None, metavar="N",
                   help="hosts run at once (default: ansible.cfg's forks if set, else 50)")
    add_workers_arg(p)
    p.add_argument("--timeout", type=positive_seconds, default=None, metavar="SECONDS",
                   help="per-host time limit for the whole module run (-T is the connection timeout)")
    p.add_argument("-o", "--one-line", action="store_true", help="one line per host (Ansible's -o)")
    p.add_argument("-v", "--verbose", action="count", default=0,
                   help="more output: -v live output lines and a recap, -vv logs, -vvv debug logs, -vvvv SSH debug")
    p.add_argument("--fail-fast", action="store_true", help="stop everything at the first failed host")
    p.add_argument("--secret", action="append", default=[], metavar="NAME",
                   help="environment variable whose value is a secret (redacted everywhere)")
    p.add_argument("--accept-new-host-keys", action="store_true",
                   help="trust and record unknown SSH host keys (changed keys are always refused)")


def module_of(args: argparse.Namespace) -> str:
    """The positional module, or -m, or Ansible's default; both given and different is an error."""
    if args.module and args.module_name and args.module != args.module_name:
        raise OptionsError(f"two modules given: {args.module!r} and -m {args.module_name!r}")
    name = args.module or args.module_name
    if name:
        return name
    if args.module_args is None:
        raise OptionsError("no module and no arguments: give MODULE (or -m MODULE) and/or -a ARGS")
    return DEFAULT_MODULE


def parse_module_args(module: str, text: str | None, forced: list[str] | None = None) -> dict[str, Any]:
    from ftltui.engine.kvargs import parse_kv

    try:
        spec = controller_spec(module)
        if forced:  # --ansible-module: the arguments are those of Ansible's implementation
            from ftltui.ansible_modules.docs import ansible_spec
            from ftltui.ansible_modules.finder import use_native

            if not use_native(module, None, forced):
                spec = ansible_spec(module) or spec
    except KeyError:
        return {}  # the executor reports the unknown module with the list of known ones
    known = spec.known_args()
    return parse_kv(text or "", spec.free_form, known)


def secrets_from_env(names: list[str]) -> list[str]:
    values = []
    for name in names:
        if name not in os.environ:
            raise ModuleArgsError(f"--secret {name}: no such environment variable")
        values.append(os.environ[name])
    return values


def setup_logging(verbosity: int) -> None:
    """-vv: informational logs on stderr; -vvv: debug; -vvvv: asyncssh's debug too (auth, channels)."""
    import logging

    if verbosity < 2:
        logging.getLogger("asyncssh").setLevel(logging.WARNING)
        return
    logging.basicConfig(level=logging.DEBUG if verbosity >= 3 else logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    if verbosity >= 4:
        import asyncssh

        asyncssh.set_debug_level(2)
    else:
        logging.getLogger("asyncssh").setLevel(logging.INFO)


class RedactingFilter:
    """A logging filter that masks the run's secrets in every -vvv/-vvvv record."""

    def __init__(self, redactor: Any) -> None:
        self.redactor = redactor

    def filter(self, record: Any) -> bool:
        record.msg = self.redactor.text(record.getMessage())
        record.args = ()
        return True


def redact_logs(redactor: Any) -> None:
    import logging

    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactingFilter(redactor))


def limit_pattern(limit: str) -> str:
    """``--limit`` as a pattern; ``@FILE`` (a retry file: one host per line) becomes ``h1,h2``."""
    if not limit.startswith("@"):
        return limit
    path = limit[1:]
    try:
        with open(path, encoding="utf-8") as f:
            names = [line.strip() for line in f if line.strip() and not line.startswith("#")]
    except (OSError, UnicodeDecodeError) as exc:
        raise OptionsError(f"--limit @{path}: cannot read: {exc}") from None
    return ",".join(names) or "!all"


def select_hosts(inventory: Inventory, pattern: str, limit: str | None) -> list[Host]:
    """The pattern's hosts, narrowed by ``--limit`` (Ansible: the subset applies after the pattern)."""
    from ftltui.inventory.patterns import no_hosts_message

    selection = inventory.select_detailed(pattern)  # out of range: raises, saying why
    if not selection.hosts:
        raise PatternError(no_hosts_message(pattern, selection))
    names = list(selection.hosts)
    if limit:
        subset = set(inventory.select_detailed(limit_pattern(limit)).hosts)
        names = [n for n in names if n in subset]
        if not names:
            raise PatternError(f"pattern {pattern!r} with --limit {limit!r} matches no hosts")
    return [inventory.require_host(n) for n in names]


def handle(args: argparse.Namespace) -> int:
    try:
        return _handle(args)
    except KeyboardInterrupt:  # Ctrl-C, as ``ansible``: 99 (the run cancelled every host first)
        sys.stderr.write("[ERROR]: User interrupted execution\n")
        return EXIT_INTERRUPTED


def _handle(args: argparse.Namespace) -> int:
    setup_logging(args.verbose)
    module = module_of(args)
    module_args = parse_module_args(module, args.module_args, args.ansible_module)
    var_defaults = var_defaults_of(args)
    extra_vars = parse_extra_vars(args.extra_vars, args)
    inventory = load_inventory_of(args)
    hosts = select_hosts(inventory, args.pattern, args.limit)
    from ftltui.commands.guard_cli import check_run, guard_of

    check_run(args, inventory, [h.name for h in hosts])  # read-only inventory, protected groups: exit 5
    printer: Printer = JsonPrinter() if args.json else TextPrinter(sys.stdout, sys.stderr, args)
    code = run_via_owner(args, module, module_args, printer)  # a live owner runs it as its job
    if code is not None:
        return code
    key_options, key_secrets = key_pass_options(args)  # --ask-key-pass: asked once, before the run
    engine = EngineSettings(
        secrets=tuple(secrets_from_env(args.secret) + secrets_of(var_defaults) + key_secrets),
        base_dir=os.getcwd(), extra_vars=extra_vars, ansible_modules=tuple(args.ansible_module),
        verbosity=args.verbose, workers=workers_of(args),
    )
    # no job, no state directory taken (two runs at once are fine): an engine-only session;
    # hosts with a site run on its workers (docs/sites.md), a bad site setting exits 5
    session = ConsoleSession(state_dir_path(getattr(args, "state_dir", None)), inventory=inventory,
                             forks=forks_of(args), var_defaults=var_defaults, guard=guard_of(args), engine=engine,
                             ssh_options={"accept_new_host_keys": args.accept_new_host_keys, **key_options},
                             engine_only=True)
    target: str | list[Host] = args.pattern if not args.limit else hosts
    return asyncio.run(_run(session, args, target, hosts, module, module_args, printer))


def run_via_owner(args: argparse.Namespace, module: str, module_args: dict[str, Any], printer: Printer) -> int | None:
    """The run as a job of the state directory's live owner (console, daemon), printed the
    same; ``None`` with no owner, or options only this process can carry out."""
    from ftltui.api.cli_client import run_via_owner as via_owner
    from ftltui.commands.common import inventory_sources

    return via_owner(args, state_dir_path(getattr(args, "state_dir", None)), module, module_args,
                     inventory_sources(args), printer)


async def _run(session: ConsoleSession, args: argparse.Namespace, target: str | list[Host], hosts: list[Host],
               module: str, module_args: dict[str, Any], printer: Printer) -> int:
    async with session:
        if args.verbose >= 2:
            redact_logs(session.executor.redactor_for(session.executor.resolve(hosts)))
        result = await session.run_adhoc(
            target, module, module_args,
            check=args.check, timeout=args.timeout, fail_fast=args.fail_fast, on_event=printer,
            diff=args.diff, no_log=getattr(args, "no_log", False),
        )
    printer.summary(result)
    return result.exit_code


class JsonPrinter:
    """One JSON object per event (documented names, ``schema``), then the summary: for scripts and CI."""

    def __call__(self, event: Event) -> None:
        print_jsonl(event_record(event.to_dict()))

    def summary(self, result: RunResult) -> None:
        print_jsonl(event_record({"event": "Summary", **result.to_dict()}))


class TextPrinter:
    """Each host's result as ``ansible`` prints it; with -v also live output and a recap."""

    def __init__(self, out: Any, err: Any, args: argparse.Namespace) -> None:
        self.out = out
        self.err = err
        self.module = ""
        self.one_line = bool(getattr(args, "one_line", False))
        self.diff = bool(getattr(args, "diff", False))
        self.verbose = int(getattr(args, "verbose", 0) or 0)
        self.tty = out.isatty() and not os.environ.get("NO_COLOR")
        self.progress = err.isatty()
        self.total = 0
        self.done = 0
        self.warned: set[str] = set()  # each warning text once, as Ansible's Display (however many hosts)

    def _c(self, code: str, text: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.tty else text

    def _line(self, text: str) -> None:
        if self.progress and self.total:
            self.err.write("\r\x1b[K")
        write_out(text + "\n", flush=True)
        if self.progress and self.total and self.done < self.total:
            self.err.write(f"[{self.done}/{self.total} hosts]")
            self.err.flush()

    def __call__(self, event: Event) -> None:
        if isinstance(event, RunStarted):
            self.total = len(event.hosts)
            self.module = event.module
        elif isinstance(event, OutputLine) and self.verbose:
            tag = self._c("2", f"{event.host} |") if event.stream == "stdout" else self._c("31", f"{event.host} !")
            self._line(f"{tag} {safe_text(event.text, MAX_LINE)}")
        elif isinstance(event, HostFinished):
            self.done += 1
            r = event.result
            shown = format_result(r.host, r.status, r.result, module=self.module, one_line=self.one_line,
                                  diff=self.diff)
            colour = STATUS_COLOURS.get(r.status, "0")
            self._line("\n".join(self._c(colour, line) if line.startswith(r.host + " |") else line
                                 for line in shown.lines))
        elif isinstance(event, Warning_) and event.text not in self.warned:
            self.warned.add(event.text)
            text = safe_text(event.text)  # a module's deprecation carries its own [DEPRECATION WARNING]: label
            self.err.write(self._c("33", text if text.startswith(DEPRECATION_LABEL) else f"[WARNING]: {text}")
                           + "\n")
        elif isinstance(event, RunFinished) and self.progress:
            self.err.write("\r\x1b[K")

    def summary(self, result: RunResult) -> None:
        if not self.verbose:
            return
        counts = result.counts
        self.err.write(f"{len(result.results)} host(s) in {result.duration:.2f}s: "
                       + ", ".join(f"{k}={v}" for k, v in counts.items() if v) + "\n")


STATUS_COLOURS = {"ok": "32", "changed": "33", "failed": "31", "unreachable": "31", "skipped": "36",
                  "cancelled": "90"}

Printer = JsonPrinter | TextPrinter  # what a run's events and summary are printed by
