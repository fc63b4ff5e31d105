"""``ftl-tui serve``: the console in a browser, one console per tab, behind a token.

Serves the same console as ``ftl-tui`` through textual-serve (the optional extra:
``pip install 'ftl-tui[web]'``) on 127.0.0.1 by default. Every request must carry the
token: open the URL printed at start (it ends in ``?token=...``; the browser then
keeps the token in a cookie). ``--token-file F`` reads it from the first line of F
(mode 0600) instead of making a random one. A websocket from a page of another origin
is refused, and a request without the token never starts a console. Binding an
address other than loopback needs ``--public`` (and serve is then only as safe as the
network between the browser and this host: plain HTTP; put it behind a TLS proxy).

Each tab runs ``ftl-tui`` on this state directory and inventory: docs/serve.md says
how tabs share it. Secrets never reach a tab's command line: vault passwords come
from the files or scripts named by --vault-password-file/--vault-id (prompts are
refused: no terminal to ask on).

Exit status: 0 stopped by a signal, 4 a bad inventory/token file or an address that
cannot be bound, 5 bad options (a public address without --public, a vault prompt) or
textual-serve not installed.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import shlex
import signal
import socket
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ftltui.commands.common import (
    EXIT_BAD_INPUT,
    EXIT_OK,
    EXIT_USAGE,
    add_inventory_arg,
    add_state_arg,
    error,
    examples,
    load_inventory_of,
    note,
    state_dir_of,
)

if TYPE_CHECKING:
    from ftltui.inventory import Inventory
    from ftltui.tui.web.server import ConsoleWebServer

EXAMPLES = examples(
    "ftl-tui serve -i inventory.yml                   # http://127.0.0.1:8000/?token=... printed at start",
    "ftl-tui serve --port 0                           # any free port (printed)",
    "ftl-tui serve --token-file ~/.ftl-token          # the token from a file (mode 0600)",
    "ftl-tui serve --host 0.0.0.0 --public --readonly # other machines may look, nothing may start",
    "ftl-tui serve --allow-host ops.example.com       # behind a TLS reverse proxy on that name",
)

DEFAULT_PORT = 8000
INSTALL_HINT = "pip install 'ftl-tui[web]'"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="serve the console to a web browser (token-protected)",
                       description=__doc__, epilog=EXAMPLES)
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1; a non-loopback address needs --public)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, metavar="N",
                   help=f"port to listen on (default {DEFAULT_PORT}; 0: any free port, printed at start)")
    p.add_argument("--token-file", type=Path, metavar="F",
                   help="read the token from the first line of F (mode 0600) instead of making a random one")
    p.add_argument("--public", action="store_true",
                   help="allow a non-loopback --host (the token is still required)")
    p.add_argument("--allow-host", action="append", default=[], metavar="NAME",
                   help="a host name the browser may use besides this server's own, e.g. a TLS reverse "
                        "proxy's (repeatable; the Host header is checked against these)")
    p.add_argument("--readonly", action="store_true",
                   help="every tab's console read-only (as ftl-tui --readonly), and serve's API when it owns the "
                        "state dir: everything can be seen, nothing started")
    p.add_argument("--title", default="ftl-tui", help="the page's title (default ftl-tui)")
    add_inventory_arg(p)
    add_state_arg(p)
    p.set_defaults(func=handle, command_parser=p)


def handle(args: argparse.Namespace) -> int:
    if not web_extra_installed():
        error(f"ftl-tui serve needs textual-serve, which is not installed: {INSTALL_HINT}")
        return EXIT_USAGE
    from ftltui.netaddr import is_loopback
    from ftltui.tui.web.guard import (
        AccessGuard,
        TokenError,
        host_with_port,
        new_token,
        read_token_file,
    )
    from ftltui.tui.web.server import ConsoleWebServer

    args.readonly = args.readonly or bool(getattr(args, "global_readonly", False))  # ftl-tui --readonly serve
    if not is_loopback(args.host) and not args.public:
        return _usage(args, f"refusing to serve on {args.host}, which is not a loopback address: "
                            "anyone who can reach it could try the console. Add --public to mean it "
                            "(the token is still required), or use --host 127.0.0.1")
    if not 0 <= args.port <= 65535:
        return _usage(args, f"--port: expected 0..65535, got {args.port}")
    prompts = [v for v in getattr(args, "vault_ids", None) or [] if v.endswith("@prompt") or v == "prompt"]
    if getattr(args, "ask_vault_pass", False) or prompts:
        return _usage(args, "a browser tab has no terminal to ask a vault password on: "
                            "use --vault-password-file FILE or --vault-id LABEL@FILE")

    inventory = load_inventory_of(args)  # a bad inventory: exit 4 now, not in every tab
    try:
        token = read_token_file(args.token_file.expanduser()) if args.token_file else new_token()
    except TokenError as exc:
        error(str(exc))
        return EXIT_BAD_INPUT
    try:
        sock = _bind(args.host, args.port)
    except OSError as exc:
        error(f"cannot listen on {args.host} port {args.port}: {exc.strerror or exc}")
        return EXIT_BAD_INPUT
    port = sock.getsockname()[1]
    guard = AccessGuard.for_bind(token, args.host, port, args.allow_host)
    server = ConsoleWebServer(console_command(args), guard, host=args.host, port=port, title=args.title)
    shown = socket.gethostname() if args.host in ("0.0.0.0", "::", "") else args.host
    where = f"http://{host_with_port(shown, port)}/?token="
    where += f"<the token in {args.token_file}>" if args.token_file else token
    return asyncio.run(_serve(args, server, sock, inventory, where))


async def _serve(args: argparse.Namespace, server: ConsoleWebServer, sock: socket.socket,
                 inventory: Inventory, where: str) -> int:
    """Own the state dir if nobody does (:mod:`ftltui.tui.web.owner`), then serve until a signal."""
    from ftltui.api.operations import inventory_key
    from ftltui.commands.common import config_of, inventory_sources, keyring_of
    from ftltui.tui.web.owner import owning

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    sources = [inventory_key(s) for s in inventory_sources(args)]
    try:
        async with owning(state_dir_of(args), sources, inventory, vault=keyring_of(args),
                          ansible_config=config_of(args), readonly=args.readonly,
                          protected=getattr(args, "protected", None) or ()) as who:
            note(f"serving the console on {where}" + (" (read-only)" if args.readonly else "")
                 + f"; {who}; Ctrl+C stops")
            sys.stderr.flush()
            await server.run(sock, stop)
    finally:
        sock.close()
    note("serve stopped")
    return EXIT_OK


def web_extra_installed() -> bool:
    """Whether the ``web`` extra (textual-serve, and aiohttp with it) can be imported."""
    return all(importlib.util.find_spec(name) is not None for name in ("textual_serve", "aiohttp"))


def console_command(args: argparse.Namespace) -> str:
    """The command line of one tab's console: this Python, this state dir, this inventory,
    the protected groups and read-only mode.

    Only paths and flags: a vault password stays in the file or script named here, and
    the serve token is not passed at all (the console does not need it).
    """
    argv = [sys.executable, "-m", "ftltui", "--state-dir", str(state_dir_of(args))]
    for source in getattr(args, "inventory", None) or []:
        argv += ["-i", os.path.abspath(source) if os.path.exists(source) else source]
    for path in getattr(args, "vault_password_files", None) or []:
        argv += ["--vault-password-file", os.path.abspath(path)]
    for spec in getattr(args, "vault_ids", None) or []:
        argv += ["--vault-id", spec]
    for group in getattr(args, "protected", None) or []:
        argv += ["--protected", group]
    if args.readonly:
        argv.append("--readonly")
    return shlex.join(argv)


def _bind(host: str, port: int) -> socket.socket:
    """A TCP socket listening on ``host:port`` (IPv4 or IPv6, as the address resolves).

    Listening before the URL is printed: a browser that follows it at once waits in the
    backlog until the server takes it, instead of being refused.
    """
    family, kind, proto, _, address = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM,
                                                         flags=socket.AI_PASSIVE)[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    return sock


def _usage(args: argparse.Namespace, message: str) -> int:
    args.command_parser.print_usage(sys.stderr)
    error(message)
    return EXIT_USAGE
