"""``ftl-tui drift``: snapshots, baselines and classified drift reports, headless.

Exit status (for CI): 0 no drift at or above the threshold (or the action worked),
1 drift found, 2 error (bad input, unreadable state, a host that could not be scanned).
``show`` reports every host it can: a host whose stored snapshot is damaged is named
in a warning (on stderr and in the report) and the rest are reported, with status 2
even when drift was found elsewhere (as ``diff`` says "trouble" over "different"): its
drift is unknown. A host whose last scan failed (unreachable) is listed with the reason
and shown with its last good snapshot, and ``show`` exits 2 for it too: its current drift
is unknown as well (a CI gate must not pass on a host it could not look at).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ftltui.commands.common import (
    add_inventory_arg,
    add_json_arg,
    add_state_arg,
    error,
    inventory_sources,
    positive_int,
    print_json,
    state_dir_of,
)
from ftltui.drift.model import SEVERITIES
from ftltui.drift.report import FORMATS
from ftltui.engine.sanitize import safe_text
from ftltui.console.results import BaselinePin, BaselineRequest
from ftltui.errors import DriftConfigError, FtlError

if TYPE_CHECKING:
    from collections.abc import Callable

    from ftltui.drift.collect import ScanResult
    from ftltui.drift.config import DriftConfig
    from ftltui.drift.model import Change, DriftReport
    from ftltui.drift.store import SnapshotStore
    from ftltui.inventory.inventory import Inventory
    from ftltui.inventory.model import Host

EXIT_CLEAN, EXIT_DRIFT, EXIT_ERROR = 0, 1, 2
STORE_WAIT = 2.0  # seconds a writing drift command waits for the state directory's lock (open_store's)

EXAMPLES = """\
examples:
  ftl-tui drift scan all
  ftl-tui drift show --format markdown --min-severity high
  ftl-tui drift show web --since 2h --diff
  ftl-tui drift baseline web
  ftl-tui drift accept web --reason "planned change" --expires 2030-01-31
  ftl-tui drift snapshots web
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("drift", help="snapshots, baselines and drift reports", description=__doc__)
    dsub = p.add_subparsers(dest="drift_command", metavar="ACTION", required=True)

    s = dsub.add_parser("scan", help="snapshot hosts (one job, with progress)")
    s.add_argument("pattern", help="host pattern")
    s.add_argument("--forks", type=positive_int, default=50, metavar="N", help="hosts scanned at once (default 50)")
    _common(s, json=True)
    s.set_defaults(func=_guard(handle_scan), command_parser=s)

    b = dsub.add_parser("baseline", help="pin snapshots as baselines")
    b.add_argument("pattern", nargs="?", default=None, help="hosts whose latest (or --snapshot) is pinned")
    b.add_argument("--snapshot", metavar="ID", help="pin this snapshot instead of each host's latest")
    b.add_argument("--group", metavar="GROUP", help="pin --snapshot as the baseline of every host in GROUP")
    b.add_argument("--clear", action="store_true", help="remove the pins instead")
    _common(b, json=True)
    b.set_defaults(func=_guard(handle_baseline))

    for name, helptext in (("show", "show classified drift"), ("accept", "accept the drift shown now (ignore file)")):
        c = dsub.add_parser(name, help=helptext)
        c.add_argument("pattern", nargs="?", default="all", help="host pattern (default: all)")
        c.add_argument("--from", dest="from_id", metavar="ID", help="compare from this snapshot")
        c.add_argument("--to", dest="to_id", metavar="ID", help="compare to this snapshot")
        c.add_argument("--since", metavar="TIME", help="changes since TIME (ISO date/time, or 2h, 3d)")
        c.add_argument("--min-severity", choices=SEVERITIES, default="low")
        c.add_argument("--ignore-file", metavar="FILE", help="ignore file (default from the drift config)")
        c.add_argument("--desired", metavar="WORKFLOW",
                       help="also check WORKFLOW's steps in check mode: declared vs actual drift")
        _common(c, json=False)
        if name == "show":
            c.add_argument("--format", choices=FORMATS, default="table")
            c.add_argument("--diff", action="store_true", help="table: print unified diffs of files")
            c.set_defaults(func=_guard(handle_show))
        else:
            c.add_argument("--reason", default="", help="reason written with each entry")
            c.add_argument("--expires", metavar="YYYY-MM-DD", help="entries stop applying after this day")
            c.set_defaults(func=_guard(handle_accept))

    ls = dsub.add_parser("snapshots", help="list stored snapshots")
    ls.add_argument("pattern", nargs="?", default=None, help="host pattern (default: every stored host)")
    _common(ls, json=True)
    ls.set_defaults(func=_guard(handle_snapshots))


def _common(p: argparse.ArgumentParser, *, json: bool) -> None:
    p.add_argument("--drift-config", metavar="FILE", help="drift config (default <state>/drift.yml)")
    add_inventory_arg(p)
    add_state_arg(p)
    if json:
        add_json_arg(p)


def _guard(fn: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Errors exit 2 here (not the CLI's 4): drift's exit codes are a CI contract. Options
    that cannot be used (:class:`OptionsError`) and a read-only refusal stay usage errors:
    exit 5, as every command."""
    from ftltui.commands.options import OptionsError
    from ftltui.console.guard import ReadOnlyRefusal

    def handler(args: argparse.Namespace) -> int:
        try:
            return fn(args)
        except (OptionsError, ReadOnlyRefusal):
            raise
        except FtlError as exc:
            error(str(exc))
            return EXIT_ERROR

    return handler


# -- helpers ---------------------------------------------------------------------------
def _config(args: argparse.Namespace) -> DriftConfig:
    from ftltui.drift.config import load_config

    return load_config(args.drift_config, state_dir_of(args))


def _inventory(args: argparse.Namespace) -> Inventory:
    from ftltui.commands.vault_options import vault_keyring_for
    from ftltui.inventory import load_inventory

    return load_inventory(inventory_sources(args), vault_keyring_for(args))


def _hosts(args: argparse.Namespace, pattern: str) -> tuple[list[Host], Inventory]:
    inv = _inventory(args)
    return list(inv.select(pattern)), inv


def _store(args: argparse.Namespace, *, readonly: bool) -> SnapshotStore:
    from ftltui.drift.store import open_store

    return open_store(state_dir_of(args), readonly=readonly)


# -- scan ------------------------------------------------------------------------------
def _refuse_readonly(args: argparse.Namespace, action: str, inv: Inventory | None) -> None:
    """``ftl_tui_readonly`` in the inventory refuses every drift write, as ``--readonly``
    does (a scan only reads the hosts but writes the state dir's snapshots): exit 5,
    before any state is opened or any owner asked (docs/readonly.md)."""
    from ftltui.commands.guard_cli import guard_of

    guard_of(args).check_write(action, inv)


def handle_scan(args: argparse.Namespace) -> int:
    _config(args)  # a broken drift config: said (exit 2) before anything is scanned
    hosts, inv = _hosts(args, args.pattern)
    _refuse_readonly(args, "drift scan", inv)
    if not hosts:
        raise DriftConfigError(f"no hosts matched {args.pattern!r}")
    from ftltui.api.cli_client import drift_scan_via_owner

    scanned = drift_scan_via_owner(args)  # a live owner scans as its job; printed the same
    if scanned is not None:
        job_id, result = scanned
        return print_scan(args, job_id, result, len(hosts))
    job_id, result = asyncio.run(_scan(args, inv, sys.stderr.isatty() and not args.json))
    return print_scan(args, job_id, result, len(hosts))


async def _scan(args: argparse.Namespace, inv: Inventory, tty: bool) -> tuple[int, ScanResult]:
    """The scan as a job of this command's own :class:`ConsoleSession` (it owns the state
    directory for the scan); progress on a terminal from the session's typed feed."""
    from ftltui.commands.guard_cli import guard_of
    from ftltui.console import updates as up
    from ftltui.console.engine_settings import EngineSettings
    from ftltui.console.session import ConsoleSession

    done: list[int] = []
    total = [0]

    def progress(update: up.ViewUpdate) -> None:
        if tty and isinstance(update, up.DriftHostScanned) and update.job_id == job_id:
            done.append(1)
            sys.stderr.write(f"\r\x1b[K[{len(done)}/{total[0]}] {safe_text(update.host)} {'ok' if update.ok else 'FAILED'}")
            sys.stderr.flush()

    # the engine as a scan has always had it: one process, sites that cannot be used fail their hosts;
    # a held state dir is waited for as the drift store always has (2 s), then exit 2
    session = ConsoleSession(state_dir_of(args), inventory=inv, forks=args.forks, guard=guard_of(args),
                             engine=EngineSettings(workers=1, strict_sites=False), lock_wait=STORE_WAIT)
    async with session:
        session.subscribe(progress)
        job = await session.submit_drift_scan(args.pattern, drift_config=args.drift_config)
        job_id, total[0] = job.id, len(job.spec.get("hosts") or [])
        try:
            job = await session.wait(job.id)
        except asyncio.CancelledError:
            await session.cancel(job.id)
            raise
        result = session.scan_result(job)
    if tty:
        sys.stderr.write("\r\x1b[K")
    return job.id, result


def print_scan(args: argparse.Namespace, job_id: int | None, result: ScanResult, total: int) -> int:
    """``drift scan``'s report and exit status, for a scan run here or by the owner."""
    if args.json:
        print_json({"job_id": job_id, **result.to_dict()})
    else:  # a host's reason is remote text, a host name the inventory's: neither may drive the terminal (hD #5)
        for host, meta in sorted(result.snapshots.items()):
            warn = f" ({len(meta.errors)} collector warning(s))" if meta.errors else ""
            print(safe_text(f"{host}: snapshot {meta.id}, {meta.count} resources{warn}"))
        for host, reason in sorted(result.failed.items()):
            print(safe_text(f"{host}: FAILED {reason}"))
        print(f"{len(result.snapshots)} of {total} host(s) scanned" + (f" (job {job_id})" if job_id else ""))
    return EXIT_CLEAN if result.ok else EXIT_ERROR


# -- baseline --------------------------------------------------------------------------
def handle_baseline(args: argparse.Namespace) -> int:
    """Pins go through the console core: the live owner's ``drift.baseline`` when one
    serves the state directory (it is the store's one writer), else this command's own
    :class:`ConsoleSession` (owning the directory for the pin, waiting 2 s for its lock)."""
    from ftltui.api.cli_client import drift_baseline_via_owner

    names: tuple[str, ...] = ()
    if args.group:
        # a group pin names no hosts, but the inventory's ftl_tui_readonly still refuses it
        _refuse_readonly(args, "drift baseline", _inventory(args))
    else:
        if args.pattern is None:
            raise DriftConfigError("expected a host pattern or --group GROUP")
        hosts, inv = _hosts(args, args.pattern)
        _refuse_readonly(args, "drift baseline", inv)
        if not hosts:
            raise DriftConfigError(f"no hosts matched {args.pattern!r}")
        names = tuple(h.name for h in hosts)
    if args.group and not args.clear and not args.snapshot:
        raise DriftConfigError("--group needs --snapshot ID (the group's reference snapshot)")
    request = BaselineRequest(names, args.group or None, args.snapshot or None, bool(args.clear))
    pins = drift_baseline_via_owner(state_dir_of(args), request)
    if pins is None:
        pins = asyncio.run(_baseline(args, request))
    if args.json:
        print_json([p.to_dict() for p in pins])
    else:
        for p in pins:
            print(safe_text(p.message))
    return EXIT_CLEAN


async def _baseline(args: argparse.Namespace, request: BaselineRequest) -> tuple[BaselinePin, ...]:
    """The pin as an op of this command's own session: it owns the state directory (no jobs
    run: ``dispatch=False``; no engine work: one process, no sites)."""
    from ftltui.commands.guard_cli import guard_of
    from ftltui.console.engine_settings import EngineSettings
    from ftltui.console.session import ConsoleSession

    async with ConsoleSession(state_dir_of(args), guard=guard_of(args), lock_wait=STORE_WAIT, dispatch=False,
                              engine=EngineSettings(workers=1, strict_sites=False)) as session:
        return await session.drift_baseline(request)


# -- show / accept ---------------------------------------------------------------------
def _report(args: argparse.Namespace, write: str | None = None) -> tuple[DriftReport, Path]:
    """The report and ignore file; ``write``: the drift write it is for (refused first on
    a read-only inventory)."""
    from ftltui.drift.compare import ReportOptions, Selection, build_report, parse_time
    from ftltui.drift.ignore import load_ignore, read_pin_key

    cfg = _config(args)
    hosts, inv = _hosts(args, args.pattern)
    if write is not None:
        _refuse_readonly(args, write, inv)
    # load_config always names one (the state dir's drift.ignore by default)
    ignore_path = Path(args.ignore_file) if args.ignore_file else \
        cfg.ignore_file or Path(state_dir_of(args)) / "drift.ignore"
    rules = load_ignore(ignore_path, read_pin_key(state_dir_of(args)))
    sel = Selection(args.from_id, args.to_id, parse_time(args.since) if args.since else None)
    if not hosts and not (args.from_id and args.to_id):
        raise DriftConfigError(f"no hosts matched {args.pattern!r}")
    desired, warnings = asyncio.run(_desired(args, inv, hosts)) if args.desired else ([], [])
    with _store(args, readonly=True) as store:
        report = build_report(
            store,
            [(h.name, h.groups) for h in hosts],
            sel,
            ReportOptions(min_severity=args.min_severity, rules=cfg.rules, ignore=rules, extra_changes=desired),
        )
    report.warnings.extend(warnings)
    return report, ignore_path


async def _desired(args: argparse.Namespace, inv: Inventory, hosts: list[Host]) -> tuple[list[Change], list[str]]:
    """``--desired``: the workflow's steps in check mode on an engine-only session (no job)."""
    from ftltui.commands.common import config_of
    from ftltui.console.engine_settings import EngineSettings
    from ftltui.console.session import ConsoleSession
    from ftltui.drift.desired import check_workflow
    from ftltui.paths import state_dir_path

    engine = EngineSettings(base_dir=str(Path(args.desired).resolve().parent), workers=1, strict_sites=False)
    async with ConsoleSession(state_dir_path(getattr(args, "state_dir", None)), inventory=inv, engine=engine,
                              engine_only=True) as session:
        cfg = config_of(args)  # a playbook's roles and collections: ansible.cfg's paths, as `play` uses
        return await check_workflow(session.executor, args.desired, [h.name for h in hosts],
                                    roles_path=list(getattr(cfg, "roles_path", None) or []),
                                    collections_paths=list(getattr(cfg, "collections_path", None) or []))


def handle_show(args: argparse.Namespace) -> int:
    from ftltui.drift.report import render

    report, _ = _report(args)
    text = render(report, args.format, diffs=args.diff)  # JSON escapes controls itself; table and markdown
    sys.stdout.write(text if args.format == "json" else safe_text(text))  # hold remote paths and diffs (hD #5)
    for problems in report.problems.values():
        sys.stderr.writelines(f"ftl-tui: warning: {safe_text(w)}\n" for w in problems)
    if report.unreadable:  # named in its warning: its drift is unknown
        return EXIT_ERROR
    if report.unscanned:  # its current drift is unknown too: a CI gate must not pass on it
        sys.stderr.write(f"ftl-tui: error: drift unknown for {safe_text(', '.join(report.unscanned), 2000)}: "
                         "last scan failed\n")
        return EXIT_ERROR
    return EXIT_DRIFT if report.has_drift else EXIT_CLEAN


def handle_accept(args: argparse.Namespace) -> int:
    from ftltui.commands.options import OptionsError
    from ftltui.drift.ignore import accept_lines, append_entries, check_reason, pin_key

    try:
        check_reason(args.reason)  # a newline would split the entry: refused (exit 5) before any work
    except DriftConfigError as exc:
        raise OptionsError(f"--{exc}") from None
    expires = None
    if args.expires:
        try:
            expires = dt.date.fromisoformat(args.expires)
        except ValueError:
            raise DriftConfigError(f"--expires: expected YYYY-MM-DD, got {args.expires!r}") from None
    report, path = _report(args, write="drift accept")
    lines = accept_lines(report.changes, args.reason, expires, key=pin_key(state_dir_of(args)))
    if not lines:
        print("nothing to accept")
        return EXIT_CLEAN
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")
    append_entries(path, f"accepted {stamp} by {os.environ.get('USER', 'unknown')}: {len(report.changes)} change(s)",
                   lines)
    print(f"accepted {len(report.changes)} change(s): {len(lines)} entr{'y' if len(lines) == 1 else 'ies'} added to {path}")
    return EXIT_CLEAN


# -- snapshots -------------------------------------------------------------------------
def handle_snapshots(args: argparse.Namespace) -> int:
    from ftltui.drift.compare import meta_label

    names = None
    if args.pattern:
        hosts, _ = _hosts(args, args.pattern)
        names = {h.name for h in hosts}
    with _store(args, readonly=True) as store:
        metas = [m for m in store.metas() if names is None or m.host in names]
        all_pins = store.baselines()
    pins = {v: k for k, v in all_pins.items()}
    if args.json:
        print_json([{**m.to_dict(), "baseline_of": [":".join(k) for k, v in all_pins.items() if v == m.id]} for m in metas])
        return EXIT_CLEAN
    if not metas:
        print("no snapshots")
    for m in metas:
        pin = f"  [baseline {pins[m.id][0]} {pins[m.id][1]}]" if m.id in pins else ""
        print(safe_text(f"{meta_label(m)}  {m.host:<20} {m.count:>6} resources  v{m.collector_version}{pin}"))
    return EXIT_CLEAN
