"""``ftl-tui worker --site NAME``: a Celery worker that runs this site's shards near its hosts.

It consumes the site's queue on the Redis broker the owner uses, opens each task with
the shared key (a task that does not authenticate is refused and logged), runs the
hosts with the same engine as the owner, and streams events back through Redis. Start
one or more per site, on machines that reach the site's hosts; ``ftl-tui workers``
lists them. The broker password never goes in argv: use ``--broker-file``,
``$FTL_TUI_BROKER`` or ``--broker URL --broker-password-file F``.

Exit status: 0 stopped by a signal, 5 bad options, broker URL or key file.
"""

from __future__ import annotations

import argparse
import logging
import sys

from ftltui.commands.common import (
    EXIT_OK,
    EXIT_USAGE,
    add_state_arg,
    error,
    examples,
    note,
    positive_int,
    positive_seconds,
)
from ftltui.commands.site_options import (
    add_broker_args,
    broker_of,
    key_path_of,
    site_settings,
)

EXAMPLES = examples(
    "ftl-tui worker --init-key --key-file /etc/ftl-tui/sites.key     # once; copy it (0600) to the owner",
    "ftl-tui worker --site east --concurrency 4     # broker from $FTL_TUI_BROKER (redis+socket://:PW@/run/redis/redis.sock)",
    "ftl-tui worker --site east --broker-file /etc/ftl-tui/broker.url --key-file /etc/ftl-tui/sites.key",
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("worker", help="run a site's shards near its hosts (Celery worker on Redis)",
                       description=__doc__, epilog=EXAMPLES)
    p.add_argument("--site", metavar="NAME", help="the site whose queue to consume (letters, digits, - _ .)")
    p.add_argument("--key-file", metavar="FILE",
                   help="the Fernet key shared with the owner (default: [ftl_sites] key_file, else STATE_DIR/sites.key)")
    p.add_argument("--init-key", action="store_true", help="write a new key to the key file (0600) and exit")
    p.add_argument("--concurrency", type=positive_int, default=2, metavar="N", help="shards run at once (default 2)")
    p.add_argument("--warm-idle", type=positive_seconds, default=300.0, metavar="SECONDS",
                   help="keep the engine (SSH connections, gates on the hosts) this long after the last "
                        "shard, for the next job on the site (default 300)")
    p.add_argument("--loglevel", default="INFO", choices=("DEBUG", "INFO", "WARNING", "ERROR"))
    add_broker_args(p)
    add_state_arg(p)
    p.set_defaults(func=handle, command_parser=p)


def handle(args: argparse.Namespace) -> int:
    from ftltui.sites.errors import SitesError
    from ftltui.sites.seal import Sealer, create_key, load_key
    from ftltui.sites.settings import site_name_ok

    settings = site_settings()
    key_path = key_path_of(args, settings)
    try:
        if args.init_key:
            create_key(key_path)
            note(f"wrote a new key to {key_path} (0600): give the owner and every worker the same file")
            return EXIT_OK
        if not args.site or not site_name_ok(args.site):
            error(f"--site: expected a site name (letters, digits, '-', '_', '.'), got {args.site!r}")
            return EXIT_USAGE
        broker = broker_of(args, settings)
        sealer = Sealer(load_key(key_path))
    except SitesError as exc:
        error(str(exc))
        return EXIT_USAGE
    try:
        import celery  # type: ignore[import-untyped]  # noqa: F401
        import redis  # noqa: F401
    except ImportError:
        error("ftl-tui worker needs Celery and redis: pip install 'ftl-tui[sites]'")
        return EXIT_USAGE
    return serve(args.site, broker, sealer, concurrency=args.concurrency, loglevel=args.loglevel,
                 warm_idle=args.warm_idle)


def serve(site: str, broker: object, sealer: object, *, concurrency: int, loglevel: str,
          warm_idle: float = 300.0) -> int:
    from ftltui.sites.app import make_app
    from ftltui.sites.broker import Broker
    from ftltui.sites.seal import Sealer
    from ftltui.sites.wire import queue_for
    from ftltui.sites.worker import SiteWorker

    assert isinstance(broker, Broker) and isinstance(sealer, Sealer)
    logging.basicConfig(stream=sys.stderr, level=getattr(logging, loglevel),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    worker = SiteWorker(site, broker, sealer, concurrency=concurrency, warm_idle=warm_idle)
    app = make_app(broker, worker.handle)
    logging.getLogger("ftltui.sites.worker").info("worker %s for site %s on broker %s", worker.name, site,
                                                  broker.shown)
    worker.start_heartbeat()
    try:
        # threads: one process holds the shards, so a kill -9 loses them all and they are redelivered
        app.worker_main(argv=["worker", "-Q", queue_for(site), "-P", "threads", "-c", str(concurrency),
                              "-n", f"{site}@{worker.hostname}-{worker.name.rsplit(':', 1)[1]}",
                              "--without-gossip", "--without-mingle", "--without-heartbeat",
                              "-l", loglevel])
    finally:
        worker.stop()
    return EXIT_OK
