"""``ftl-tui workers``: the site workers alive on the broker (site, host, heartbeat age, shards).

Read from the workers' heartbeats in Redis (each renews its own every second; one silent
for 15 s is gone from the list). Exit status: 0 listed (an empty list too), 4 the
broker did not answer, 5 bad options or broker URL, or the ``[sites]`` extra not installed.
"""

from __future__ import annotations

import argparse

from ftltui.commands.common import EXIT_BAD_INPUT, EXIT_OK, EXIT_USAGE, add_json_arg, error, examples, print_json
from ftltui.commands.common import write_out
from ftltui.commands.site_options import add_broker_args, broker_of, site_settings

EXAMPLES = examples(
    "ftl-tui workers                       # broker from $FTL_TUI_BROKER or ansible.cfg [ftl_sites]",
    "ftl-tui workers --json --broker-file /etc/ftl-tui/broker.url",
    "ftl-tui workers --broker-file /etc/ftl-tui/broker.url          # a table: site, host, heartbeat age, shards",
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("workers", help="list the site workers alive on the broker", description=__doc__,
                       epilog=EXAMPLES)
    add_broker_args(p)
    add_json_arg(p)
    p.set_defaults(func=handle, command_parser=p)


def handle(args: argparse.Namespace) -> int:
    from ftltui.sites.errors import SitesError
    from ftltui.sites.registry import list_workers

    try:
        broker = broker_of(args, site_settings())
    except SitesError as exc:
        error(str(exc))
        return EXIT_USAGE
    try:
        import redis  # noqa: F401  # the [sites] extra: without it every broker would "not answer"
    except ImportError:
        error("ftl-tui workers needs redis: pip install 'ftl-tui[sites]'")
        return EXIT_USAGE
    try:
        found = list_workers(broker)
    except Exception as exc:  # redis' ConnectionError/TimeoutError/AuthenticationError
        error(f"broker {broker.shown} did not answer: {type(exc).__name__}")
        return EXIT_BAD_INPUT
    if args.json:
        print_json([w.to_dict() for w in found])
        return EXIT_OK
    write_out(format_table(found))
    return EXIT_OK


def format_table(workers: list) -> str:
    if not workers:
        return "no workers alive on this broker\n"
    from ftltui.engine.sanitize import safe_text

    rows = [("SITE", "HOSTNAME", "PID", "HEARTBEAT", "SHARDS")]
    for w in workers:  # heartbeats are plain JSON anyone with the broker's password can write: text only
        rows.append((safe_text(str(w.site)), safe_text(str(w.hostname)), str(w.pid), f"{w.heartbeat_age:.0f}s ago",
                     safe_text(", ".join(map(str, w.shards))) if w.shards else "-"))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    return "".join("  ".join(c.ljust(widths[i]) for i, c in enumerate(r[:4])) + "  " + r[4] + "\n" for r in rows)
