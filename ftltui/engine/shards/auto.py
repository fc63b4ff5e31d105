"""How many shard workers by default: from the inventory's size and the controller's cores.

Measured in bench/RESULTS-shards.md (``python -m bench --shards``): below the threshold
one loop is as fast as several (a worker's start-up and the pipe cost more than the CPU
they spread), above it each worker takes a core's share of the per-host controller CPU.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping

# bench/RESULTS-shards.md (2 cores, hosts on the same machine, which was saturated by other
# work): from 100 hosts on, 2 workers answered a warm ping in about half the time of one loop,
# at 200 hosts the cold run (connect + gates) took 0.54-0.77x, and at 500 one loop let SSH
# handshakes time out while 2 workers did not; at 50 hosts a worker's start-up (about 0.4 s of
# CPU for its imports) made the first run slower. 200 keeps small inventories in one process
# with a margin for the load's bias towards more processes.
HOSTS_PER_WORKER = 100  # hosts a worker should have of its own before it is worth starting


def auto_workers(hosts: int, cores: int | None = None) -> int:
    """1 (in-process) below ``2 * HOSTS_PER_WORKER`` hosts; else one per that many, at most one per core."""
    if cores is None:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if hosts < 2 * HOSTS_PER_WORKER:
        return 1
    return max(1, min(cores, hosts // HOSTS_PER_WORKER))


WORKERS_ENV = "FTL_TUI_WORKERS"  # the setting's environment form (console, daemon, scripts): N or auto
CONFIG_SECTION = "ftl_tui"  # ansible.cfg: [ftl_tui] workers = N|auto


def parse_workers(text: str | int | None) -> int | None:
    """``--workers``/``FTL_TUI_WORKERS``: a whole number of at least 1, or ``auto``/empty (``None``:
    decided by :func:`auto_workers`). Raises ``ValueError`` with the sentence to show."""
    if text is None or (isinstance(text, str) and text.strip().lower() in ("", "auto")):
        return None
    try:
        value = int(text)
    except (TypeError, ValueError):
        raise ValueError(f"expected a whole number of at least 1, or 'auto', got {text!r}") from None
    if value < 1:
        raise ValueError(f"expected a whole number of at least 1, or 'auto', got {text!r}")
    return value


def configured_workers(environ: Mapping[str, str] | None = None, cwd: Path | None = None) -> int | None:
    """The workers setting when no ``--workers`` was given: ``FTL_TUI_WORKERS``, else ``workers`` in the
    ``[ftl_tui]`` section of the ansible.cfg in effect (a section Ansible ignores), else ``None``
    (auto). A bad value raises ``ValueError`` naming the variable, or the file and section."""
    env = os.environ if environ is None else environ
    if env.get(WORKERS_ENV, "").strip():
        try:
            return parse_workers(env[WORKERS_ENV])
        except ValueError as exc:
            raise ValueError(f"{WORKERS_ENV}: {exc}") from None
    from ftltui.config import ConfigError, find_config_file, read_section

    path, _warnings = find_config_file(cwd or Path.cwd(), env, Path(env.get("HOME") or Path.home()))
    if path is None:
        return None
    try:  # the one ansible.cfg reader (ftltui.config): Ansible's dialect, file:line errors
        found = [(v, line) for k, v, line in read_section(path, CONFIG_SECTION) if k.lower() == "workers"]
    except ConfigError:
        return None  # the config loader reports a broken file with its line; nothing to add here
    value = found[-1][0] if found else None
    try:
        return parse_workers(value)
    except ValueError as exc:
        raise ValueError(f"{path}: [{CONFIG_SECTION}] workers: {exc}") from None
