"""Addresses: the one test of "stays on this machine" that serve and the site broker apply."""

from __future__ import annotations

import ipaddress


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or address, IPv6 with or without brackets) is this machine
    only: ``localhost`` or a loopback address. Other names are not resolved: a name that
    resolves to 127.0.0.1 today may not tomorrow, so it counts as remote."""
    name = host.strip("[]")
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False
