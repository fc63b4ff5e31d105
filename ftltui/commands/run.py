"""``ftl-tui run PATTERN MODULE``: run one module on the hosts a pattern selects, headless.

Exit status: 0 every host ok, 2 a host failed, 3 a host was unreachable, 4 bad input
(unknown module, bad module arguments, broken inventory, a pattern that selects no
host), 5 bad or incomplete options.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from typing import Any

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
from ftltui.engine.events import Event, HostFinished, OutputLine, RunFinished, RunStarted, Warning_
from ftltui.engine.sanitize import safe_text
from ftltui.errors import ModuleArgsError, PatternError

MAX_LINE = 4000  # characters of one output line shown on the terminal

EXAMPLES = examples(
    "ftl-tui run localhost ping",
    "ftl-tui run all command -a 'argv=[\"uname\",\"-a\"]' -i inventory.yml",
    "ftl-tui run web shell -a 'echo {{ inventory_hostname }}' --forks 10 --timeout 30",
    "ftl-tui run 'web:&prod' copy -a 'content=\"hi\\n\" dest=/tmp/hi mode=0644' --check",
    "ftl-tui run 'all:!db' file --args '{\"path\": \"/tmp/x\", \"state\": \"absent\"}' --json",
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="run a module on a host pattern", description=__doc__, epilog=EXAMPLES)
    p.add_argument("pattern", help="Ansible host pattern, e.g. 'web:&prod' or 'all:!db'")
    p.add_argument("module", help="module name (see: ftl-tui modules)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("-a", "--module-args", dest="kv", default="", metavar="ARGS",
                   help="arguments as 'k=v k2=v2' (or free form)")
    g.add_argument("--args", dest="json_args", default=None, metavar="JSON", help="arguments as a JSON object")
    add_run_options(p)
    add_inventory_arg(p)
    add_state_arg(p)
    add_json_arg(p)
    p.set_defaults(func=handle)


def add_run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--check", action="store_true", help="check mode: change nothing, report what would change")
    p.add_argument("--forks", type=positive_int, default=50, metavar="N", help="hosts run at once (default 50)")
    p.add_argument("--timeout", type=positive_seconds, default=None, metavar="SECONDS",
                   help="per-host timeout in seconds")
    p.add_argument("--fail-fast", action="store_true", help="stop everything at the first failed host")
    p.add_argument("--secret", action="append", default=[], metavar="NAME",
                   help="environment variable whose value is a secret (redacted everywhere)")
    p.add_argument("--accept-new-host-keys", action="store_true",
                   help="trust and record unknown SSH host keys (changed keys are always refused)")


def parse_module_args(args: argparse.Namespace) -> dict[str, Any]:
    from ftltui import modules
    from ftltui.engine.kvargs import parse_kv

    if args.json_args is not None:
        try:
            value = json.loads(args.json_args)
        except json.JSONDecodeError as exc:
            raise ModuleArgsError(f"--args: invalid JSON at column {exc.colno}: {exc.msg}") from None
        if not isinstance(value, dict):
            raise ModuleArgsError("--args: expected a JSON object")
        return value
    try:
        spec = modules.spec(args.module)
    except KeyError:
        return {}  # the executor reports the unknown module with the list of known ones
    known = set(spec.args) | {a for arg in spec.args.values() for a in arg.aliases}
    return parse_kv(args.kv, spec.free_form, known)


def secrets_from_env(names: list[str]) -> list[str]:
    values = []
    for name in names:
        if name not in os.environ:
            raise ModuleArgsError(f"--secret {name}: no such environment variable")
        values.append(os.environ[name])
    return values


def handle(args: argparse.Namespace) -> int:
    from ftltui.engine.executor import Executor
    from ftltui.inventory.patterns import no_hosts_message

    module_args = parse_module_args(args)
    inventory = load_inventory_of(args)
    selection = inventory.select_detailed(args.pattern)  # out of range: raises, saying why
    if not selection.hosts:
        raise PatternError(no_hosts_message(args.pattern, selection))
    executor = Executor(
        inventory,
        forks=args.forks,
        secrets=secrets_from_env(args.secret),
        ssh_options={"accept_new_host_keys": args.accept_new_host_keys},
        base_dir=os.getcwd(),
    )
    printer = JsonPrinter() if args.json else TextPrinter(sys.stdout, sys.stderr)
    return asyncio.run(_run(executor, args, module_args, printer))


async def _run(executor: Any, args: argparse.Namespace, module_args: dict[str, Any], printer: Any) -> int:
    try:
        result = await executor.run(
            args.pattern, args.module, module_args,
            check=args.check, timeout=args.timeout, fail_fast=args.fail_fast, on_event=printer,
        )
    finally:
        await executor.close()
    printer.summary(result)
    return result.exit_code


class JsonPrinter:
    """One JSON object per event, then the summary: for scripts and CI."""

    def __call__(self, event: Event) -> None:
        print_jsonl(event.to_dict())

    def summary(self, result: Any) -> None:
        print_jsonl({"event": "Summary", **result.to_dict()})


STATUS_COLOURS = {"ok": "32", "changed": "33", "failed": "31", "unreachable": "35", "skipped": "36",
                  "cancelled": "90"}


class TextPrinter:
    """Live host-prefixed lines, a progress counter on a TTY, then a summary table."""

    def __init__(self, out: Any, err: Any) -> None:
        self.out = out
        self.err = err
        self.tty = out.isatty() and not os.environ.get("NO_COLOR")
        self.progress = err.isatty()
        self.total = 0
        self.done = 0

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
            mode = " (check mode)" if event.check else ""
            self._line(self._c("1", f"{event.module} on {self.total} host(s){mode}"))
        elif isinstance(event, OutputLine):
            tag = self._c("2", f"{event.host} |") if event.stream == "stdout" else self._c("31", f"{event.host} !")
            self._line(f"{tag} {safe_text(event.text, MAX_LINE)}")
        elif isinstance(event, HostFinished):
            self.done += 1
            r = event.result
            msg = safe_text(r.msg.splitlines()[0] if r.msg else "", MAX_LINE)
            status = self._c(STATUS_COLOURS.get(r.status, "0"), r.status.upper())
            self._line(f"{event.host} | {status} | {r.duration:.2f}s" + (f" | {msg}" if msg else ""))
        elif isinstance(event, Warning_):
            self.err.write(self._c("33", f"[WARNING] {safe_text(event.text)}") + "\n")
        elif isinstance(event, RunFinished) and self.progress:
            self.err.write("\r\x1b[K")

    def summary(self, result: Any) -> None:
        cols = ("ok", "changed", "failed", "unreachable", "skipped", "cancelled")
        width = max([4] + [len(h) for h in result.results])
        write_out("\n" + self._c("1", "SUMMARY") + "\n")
        write_out(f"{'HOST':<{width}}  " + "  ".join(f"{c:>11}" for c in cols) + "\n")
        for host, r in result.results.items():
            cells = "  ".join(f"{(1 if r.status == c else 0):>11}" for c in cols)
            write_out(f"{host:<{width}}  {cells}\n")
        counts = result.counts
        write_out(
            f"{len(result.results)} host(s) in {result.duration:.2f}s: "
            + ", ".join(f"{k}={v}" for k, v in counts.items() if v)
            + "\n"
        )
