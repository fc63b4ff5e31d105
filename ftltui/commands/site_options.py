"""The broker and key options that ``ftl-tui worker`` and ``ftl-tui workers`` share."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ftltui.sites.broker import Broker
    from ftltui.sites.settings import SiteSettings


def add_broker_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("broker (Redis, password required)")
    g.add_argument("--broker", metavar="URL",
                   help="redis+socket:///path/redis.sock, rediss://host:port/0 or redis://127.0.0.1:port/0, "
                        "without the password (default: $FTL_TUI_BROKER, else [ftl_sites] broker_file)")
    g.add_argument("--broker-password-file", metavar="FILE", help="the password for --broker's URL (mode 0600)")
    g.add_argument("--broker-file", metavar="FILE", help="a file (mode 0600) holding the whole broker URL")
    g.add_argument("--insecure-tcp", action="store_true",
                   help="accept redis:// to a non-loopback address (the password crosses the network in clear)")


def site_settings() -> SiteSettings:
    from ftltui.sites.settings import load_site_settings

    return load_site_settings()


def broker_of(args: argparse.Namespace, settings: SiteSettings) -> Broker:
    from ftltui.sites.broker import resolve_broker

    return resolve_broker(url=args.broker, password_file=args.broker_password_file, url_file=args.broker_file,
                          settings=settings, insecure_tcp=args.insecure_tcp)


def key_path_of(args: argparse.Namespace, settings: SiteSettings) -> Path:
    """``--key-file``, else ``[ftl_sites] key_file``, else ``STATE_DIR/sites.key``."""
    from ftltui.paths import state_dir_path
    from ftltui.sites.seal import default_key_path

    chosen = getattr(args, "key_file", None) or settings.key_file
    return Path(chosen) if chosen else default_key_path(state_dir_path(getattr(args, "state_dir", None)))
