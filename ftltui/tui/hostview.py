"""What the console shows about a host: route, masked vars, facts. Plain Python.

Secrets never reach the screen: variables named as secrets (``ansible_password``,
names listed in ``secrets``, anything matching password/secret/token/key-passphrase)
show as ``********`` and every other value goes through the host's redactor.
"""

from __future__ import annotations

import re
from typing import Any

from ftltui.engine.redact import MASK, Redactor
from ftltui.engine.sanitize import safe_text
from ftltui.inventory.model import SECRET_VARS, Host

_SECRETISH = re.compile(r"pass(word)?|secret|token|passphrase|api_key", re.IGNORECASE)

STATUS_ICON = {"ok": "●", "changed": "●", "failed": "✖", "unreachable": "⊘", "skipped": "○",
               "cancelled": "○", "running": "◐", None: "·"}


def route(host: Host) -> str:
    """``local``, ``direct user@addr:port`` or ``via jump1 -> jump2``."""
    if host.connection == "local":
        return "local"
    target = f"{host.user + '@' if host.user else ''}{host.address}:{host.port}"
    hops = host.jump_hosts
    proxy = None
    if not hops:  # a ProxyJump/ProxyCommand from the ssh config or -o options (engine/ssh/endpoints.py)
        from ftltui.engine.ssh.endpoints import EndpointResolver
        from ftltui.errors import HostError

        try:
            chain = EndpointResolver().chain(host)
            hops, proxy = [ep.name for ep in chain[:-1]], chain[-1].proxy_command
        except (HostError, ValueError, OSError):
            pass
    if hops:
        return f"via {' -> '.join(hops)} -> {target}"
    if proxy:
        return f"through ProxyCommand {safe_text(proxy, 120)} -> {target}"
    return f"direct {target}"


def secret_names(host: Host) -> set[str]:
    names = set(SECRET_VARS) | set(host.vars.get("secrets", []) or [])
    return names | {k for k in host.vars if _SECRETISH.search(k)}


def masked_vars(host: Host) -> dict[str, Any]:
    names = secret_names(host)
    red = Redactor(host.secret_values(frozenset(names)))
    return {k: (MASK if k in names and v not in (None, "") else red.obj(v)) for k, v in sorted(host.vars.items())}


def describe(host: Host, status: str | None, facts: dict[str, Any] | None, max_vars: int = 40) -> list[str]:
    """Lines of the details panel (already safe for the terminal)."""
    lines = [f"host     {host.name}", f"status   {status or 'unknown'}", f"route    {route(host)}",
             f"groups   {', '.join(host.groups) or '-'}", "", "vars"]
    mv = masked_vars(host)
    for i, (k, v) in enumerate(mv.items()):
        if i >= max_vars:
            lines.append(f"  ... {len(mv) - max_vars} more")
            break
        lines.append(f"  {k}: {safe_text(repr(v) if not isinstance(v, str) else v, 200)}")
    lines += ["", "facts"]
    if not facts:
        lines.append("  (none yet: run the facts module)")
    else:
        keys = [k for k in ("ansible_hostname", "ansible_distribution", "ansible_distribution_version",
                            "ansible_kernel", "ansible_architecture", "ansible_python_version",
                            "ansible_processor_vcpus", "ansible_memtotal_mb") if k in facts]
        for k in keys or list(facts)[:10]:
            lines.append(f"  {k}: {safe_text(str(facts[k]), 200)}")
    return lines
