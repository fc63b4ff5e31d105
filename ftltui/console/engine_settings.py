"""How a face wants the session's engine built: the CLI's per-invocation options.

The console opens its :class:`~ftltui.console.session.ConsoleSession` with the defaults
(sites that cannot be used fail their hosts, workers from the environment, read leniently);
``ftl-tui run``/``play``/``drift scan``/``jobs retry`` pass what their command line says,
so the same session, not a second assembly of Executor and JobQueue, runs their work.
Plain data: the session builds the Executor from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class EngineSettings:
    """Options of the session's one Executor beyond the session's own (forks, variables, SSH)."""

    # values redacted everywhere (--secret, -K's password, a key passphrase): never in the repr
    secrets: tuple[str, ...] = field(default=(), repr=False)
    base_dir: str | None = None  # where relative module paths resolve (the playbook's directory, the cwd)
    extra_vars: dict[str, Any] = field(default_factory=dict)  # -e of `ftl-tui run`
    ansible_modules: tuple[str, ...] = ()  # --ansible-module
    verbosity: int = 0  # -v count
    workers: int | None = None  # worker processes (None: auto), as the face resolved it
    strict_sites: bool = True  # unusable sites raise (exit 5) instead of failing their hosts
