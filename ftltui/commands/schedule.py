"""``ftl-tui schedule add|list|rm|pause|resume``: cron schedules in the state directory.

``add "CRON" [--tz ZONE] [--misfire run-once|skip] [--allow-overlap] [--allow-no-hosts] COMMAND...``
where COMMAND is ``run ...``, ``play ...`` or ``drift scan ...`` with its own options. The
schedule is checked now (expression, zone, the command's options, its host patterns) and
stored; the process that owns the state directory (``ftl-tui daemon``, or a console) fires
it, on its inventory. The host patterns (PATTERN, ``-l``, a workflow's ``hosts:``) are
checked against that owner's inventory, or, while no owner runs, against the inventory
``run`` would use (``-i`` before the command, ansible.cfg, ...): a malformed one is
refused, and one that matches no host is refused ("Could not match supplied host
pattern") unless ``--allow-no-hosts`` says it is intended.

Changing schedules needs the state directory: while a daemon or a console owns it,
``add``, ``rm``, ``pause`` and ``resume`` are sent to it over its API (same output);
while another process owns it without serving the API, they say which and exit 4
(``list`` reads it read-only and always works). Times are shown in each schedule's zone. See
docs/schedules.md for the cron syntax and the DST and misfire rules.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from ftltui.commands.common import (
    add_inventory_arg,
    add_json_arg,
    add_state_arg,
    examples,
    print_json,
    state_dir_of,
    write_out,
)
from ftltui.drift.model import SEVERITIES
from ftltui.engine.sanitize import safe_text
from ftltui.errors import StateError
from ftltui.schedule.model import (
    MISFIRE_POLICIES,
    Schedule,
    ScheduleBook,
    ScheduleError,
)
from ftltui.schedule.records import last_text, next_text, schedule_record, when

ADD_OPTIONS = {"--tz", "--misfire", "--allow-overlap", "--allow-no-hosts", "--paused", "--notify-url",
               "--notify-url-file", "--notify-command", "--notify-severity"}
EXAMPLES = examples(
    "ftl-tui schedule add '*/15 * * * *' --tz Europe/Berlin drift scan web",
    "ftl-tui schedule add '30 2 * * mon-fri' --misfire skip play site.yml -l web -t deploy",
    "ftl-tui schedule add @hourly run all -m ping",
    "ftl-tui schedule add @daily --allow-no-hosts run canary -m ping   # no host in group canary yet",
    "ftl-tui schedule add '0 * * * *' --notify-url http://127.0.0.1:8080/hook --notify-severity high drift scan all",
    "ftl-tui schedule list --json",
    "ftl-tui schedule pause 3",
    "ftl-tui schedule resume 3",
    "ftl-tui schedule rm 3",
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("schedule", help="run, play or drift scan on a cron schedule", description=__doc__,
                       epilog=EXAMPLES)
    ssub = p.add_subparsers(dest="schedule_cmd", metavar="ACTION", required=True)
    add = ssub.add_parser("add", help="add a schedule", epilog=EXAMPLES)
    add.add_argument("cron", metavar="CRON", help="'MIN HOUR DOM MON DOW' (optionally a leading SECOND), or @hourly ...")
    add.add_argument("--tz", default=None, metavar="ZONE",
                     help="IANA time zone the expression is read in (default: this machine's zone, else UTC)")
    add.add_argument("--misfire", choices=MISFIRE_POLICIES, default="run-once",
                     help="firings missed while no owner ran: run once when it starts (default), or skip them")
    add.add_argument("--allow-overlap", action="store_true",
                     help="fire even while the previous job of this schedule still runs (default: skip)")
    add.add_argument("--paused", action="store_true", help="add it paused")
    add.add_argument("--allow-no-hosts", action="store_true",
                     help="store it even though its host pattern matches no host of the inventory now (Ansible: "
                          "'Could not match supplied host pattern'); each firing that matches none is recorded as "
                          "skipped, nothing run (default: refused when added, a failed firing when it fires)")
    add_inventory_arg(add)  # what the pattern is checked against while no owner runs
    n = add.add_argument_group("notification (drift scans): the JSON drift report, when drift is found")
    n.add_argument("--notify-url", metavar="URL", help="POST the report to this http(s) URL (stored in the state)")
    n.add_argument("--notify-url-file", metavar="FILE",
                   help="POST to the URL read from FILE when the scan ends (for URLs carrying a token)")
    n.add_argument("--notify-command", metavar="CMD",
                   help="run CMD (split like a shell, no shell) with the report on stdin")
    n.add_argument("--notify-severity", choices=SEVERITIES, default="high",
                   help="notify when drift at or above this severity is found (default high)")
    add.add_argument("words", nargs=argparse.REMAINDER, metavar="COMMAND ...",
                     help="run PATTERN ..., play FILE ..., or drift scan PATTERN ...")
    ls = ssub.add_parser("list", help="the schedules, their next and last firing")
    for name, helptext in (("rm", "remove a schedule"), ("pause", "stop firing it"),
                           ("resume", "fire it again (not for the time it was paused)")):
        sp = ssub.add_parser(name, help=helptext)
        sp.add_argument("id", metavar="ID")
        add_state_arg(sp)
        add_json_arg(sp)
        sp.set_defaults(func=handle, command_parser=sp)
    for sp in (add, ls):
        add_state_arg(sp)
        add_json_arg(sp)
        sp.set_defaults(func=handle, command_parser=sp)


def local_zone() -> str:
    """This machine's IANA zone name: ``$TZ`` if it is one, else /etc/localtime's target, else UTC."""
    from ftltui.schedule.cron import CronError, zone

    candidates = [os.environ.get("TZ", "").lstrip(":")]
    try:
        candidates.append(os.readlink("/etc/localtime").split("zoneinfo/", 1)[1])
    except (OSError, IndexError):
        pass
    for name in candidates:
        if name:
            try:
                zone(name)
                return name
            except CronError:
                continue
    return "UTC"


def handle(args: argparse.Namespace) -> int:
    if args.schedule_cmd == "list":
        return _list(args)
    action = args.schedule_cmd  # a re-parse below (add's options after CRON) has no schedule_cmd
    book_action = {"add": _add, "rm": _remove, "pause": _pause, "resume": _resume}[action]
    if action == "add":
        split = next((i for i, w in enumerate(args.words) if w in ("run", "play", "drift")), len(args.words))
        if args.words and args.words[0].startswith("-"):  # add's own options after CRON: REMAINDER took them
            try:
                # on a copy of what was parsed: -i, --state-dir ... given before CRON are kept
                args = args.command_parser.parse_args([*args.words[:split], args.cron, *args.words[split:]],
                                                      namespace=argparse.Namespace(**vars(args)))
            except SystemExit as exc:  # a usage error, printed by the parser
                return exc.code if isinstance(exc.code, int) else 5
        _take_state_dir(args)
        _check_add(args)  # a typo is reported even while another process owns the state
    from ftltui.state import StateStore

    code = _via_owner(action, args)  # a daemon or console owns it: the edit is its to make
    if code is not None:
        return code
    if action == "add":
        _check_hosts(args)  # on the inventory `run` would use: no owner runs to say which it fires on
    try:
        state = StateStore.open(state_dir_of(args))
    except StateError as exc:
        if "in use by" not in exc.message:
            raise
        raise ScheduleError(f"{exc.message.split(';')[0]}: schedules are changed by the process that owns it; "
                            "stop it, or run this when it has finished (`schedule list` works now)",
                            exc.location) from None
    try:
        return book_action(ScheduleBook(state), args)
    finally:
        state.close()


def _via_owner(action: str, args: argparse.Namespace) -> int | None:
    """The edit as a request to the directory's owner (api/schedule_ops.py), printed as
    when this process makes it; ``None`` when no owner serves the API."""
    from ftltui.api.cli_client import same_inventory, with_owner
    from ftltui.schedule.records import from_record

    op = {"add": "schedule.add", "rm": "schedule.rm", "pause": "schedule.pause", "resume": "schedule.resume"}
    if action == "add":
        request: dict[str, Any] = dict(cron=args.cron, argv=args.argv, tz=args.zone, misfire=args.misfire,
                                       overlap=args.allow_overlap, paused=args.paused, cwd=args.cwd,
                                       notify=args.notify.doc() if args.notify is not None else None,
                                       allow_no_hosts=args.allow_no_hosts)  # the owner checks on its inventory
    else:
        request = {"id": ScheduleBook.parse_id(args.id)}

    async def work(client: Any) -> int:
        given = getattr(args, "inventory", None) if action == "add" else None
        if given and not await same_inventory(client, given):
            raise ScheduleError(f"the owner of {state_dir_of(args)} (pid {client.owner_pid}) fires schedules on its own "
                                f"inventory, not {', '.join(given)}: its host patterns are checked against that one; "
                                "add it without -i, or start the owner on this inventory")
        sched = from_record(await client.request(op[action], **request))
        return _PRINT[action](sched, args)

    return with_owner(state_dir_of(args), work)


def _take_state_dir(args: argparse.Namespace) -> None:
    """``schedule add CRON run ... --state-dir D``: D is where the schedule goes (a
    scheduled command always runs on its owner's state), so it is add's own option."""
    words = list(args.words)
    for i, w in enumerate(words):
        if w == "--state-dir" and i + 1 < len(words):
            args.state_dir = words[i + 1]
            args.words = words[:i] + words[i + 2:]
            return
        if w.startswith("--state-dir="):
            args.state_dir = w.split("=", 1)[1]
            args.words = words[:i] + words[i + 1:]
            return


def _check_add(args: argparse.Namespace) -> None:
    """Turn the words into what will be stored (``args.argv``, ``args.notify``, ``args.zone``),
    checking each part, before the state directory is opened."""
    from ftltui.schedule.command import absolutize
    from ftltui.schedule.model import validate_new

    own = sorted({w.split("=", 1)[0] for w in args.words} & ADD_OPTIONS)
    if own:
        raise ScheduleError(f"{', '.join(own)}: schedule add's own option(s) go before the command "
                            f"(schedule add CRON {own[0]} ... {' '.join(args.words[:2])} ...)")
    if not args.words:
        raise ScheduleError("schedule add: give the command to run after CRON: run ..., play ... or drift scan ...")
    args.cwd = os.getcwd()
    args.zone = args.tz or local_zone()
    args.notify = _notify_of(args, args.cwd)
    validate_new(args.cron, args.words, args.zone, args.misfire, args.notify)
    args.argv = absolutize(args.words, args.cwd)


def _check_hosts(args: argparse.Namespace) -> None:
    """The host patterns against the inventory ``run`` would use here (``-i``, ansible.cfg,
    /etc/ansible/hosts, the demo): loaded before the state directory is opened."""
    from ftltui.commands.common import load_inventory_of
    from ftltui.schedule.command import NoHostsMatched, check_hosts

    try:
        check_hosts(args.argv, load_inventory_of(args), args.allow_no_hosts)
    except NoHostsMatched as exc:
        if getattr(args, "inventory", None):
            raise
        raise NoHostsMatched(f"{exc.message} (no owner runs and no -i was given: that is the inventory `run` would "
                             "use; name the one the owner will fire on with -i INV before CRON)", exc.location) from None


def _add(book: ScheduleBook, args: argparse.Namespace) -> int:
    sched = book.add(args.cron, args.argv, tz=args.zone, misfire=args.misfire, overlap=args.allow_overlap,
                     cwd=args.cwd, paused=args.paused, notify=args.notify, checked=True,  # by _check_add
                     allow_no_hosts=args.allow_no_hosts)  # hosts: by _check_hosts
    return _print_added(sched, args)


def _print_added(sched: Schedule, args: argparse.Namespace) -> int:
    if args.json:
        print_json(schedule_record(sched))
    else:
        write_out(safe_text(f"schedule {sched.id}: {sched.cron} ({sched.tz}) {sched.command}\n"
                            f"  next {when(sched.next_due(), sched.tz)}{' (paused)' if sched.paused else ''}\n"))
    return 0


def _notify_of(args: argparse.Namespace, cwd: str) -> Any:
    import shlex

    from ftltui.schedule.notify import Notify

    if not (args.notify_url or args.notify_url_file or args.notify_command):
        return None
    try:
        command = shlex.split(args.notify_command) if args.notify_command else []
    except ValueError as exc:
        raise ScheduleError(f"--notify-command: {exc}") from None
    url_file = os.path.join(cwd, args.notify_url_file) if args.notify_url_file else ""
    return Notify(min_severity=args.notify_severity, url=args.notify_url or "", url_file=url_file, command=command)


def _remove(book: ScheduleBook, args: argparse.Namespace) -> int:
    return _print_removed(book.remove(args.id), args)


def _print_removed(sched: Schedule, args: argparse.Namespace) -> int:
    write_out(safe_text(f"schedule {sched.id} removed: {sched.cron} {sched.command}") + "\n")
    return 0


def _pause(book: ScheduleBook, args: argparse.Namespace) -> int:
    return _print_paused(book.set_paused(args.id, True), args)


def _print_paused(sched: Schedule, args: argparse.Namespace) -> int:
    write_out(f"schedule {sched.id} paused\n")
    return 0


def _resume(book: ScheduleBook, args: argparse.Namespace) -> int:
    return _print_resumed(book.set_paused(args.id, False), args)


def _print_resumed(sched: Schedule, args: argparse.Namespace) -> int:
    write_out(f"schedule {sched.id} resumed; next {when(sched.next_due(), sched.tz)}\n")
    return 0


_PRINT = {"add": _print_added, "rm": _print_removed, "pause": _print_paused, "resume": _print_resumed}


def _list(args: argparse.Namespace) -> int:
    from ftltui.state import StateStore

    state = StateStore.open(state_dir_of(args), readonly=True)
    try:
        schedules = ScheduleBook(state).all()
    finally:
        state.close()
    if args.json:
        print_json([schedule_record(s) for s in schedules])
        return 0
    if not schedules:
        write_out("no schedules (add one: ftl-tui schedule add --help)\n")
        return 0
    rows = [("ID", "STATE", "CRON", "ZONE", "NEXT", "LAST", "COMMAND")]
    for s in schedules:
        rows.append((str(s.id), "paused" if s.paused else "active", s.cron, s.tz, next_text(s), last_text(s),
                     s.command))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    for r in rows:
        write_out(safe_text("  ".join(c.ljust(w) for c, w in zip(r, widths)) + "  " + r[-1]) + "\n")
    return 0

