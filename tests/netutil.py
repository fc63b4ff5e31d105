"""Network helpers for tests that need a host nobody answers on (never an outside address)."""

from __future__ import annotations

import socket


def closed_port() -> int:
    """A loopback port nothing listens on: bound by us, released, and checked to refuse."""
    for _ in range(20):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        with socket.socket() as c:
            c.settimeout(1)
            if c.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError("no closed loopback port found")
