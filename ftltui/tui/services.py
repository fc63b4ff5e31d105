"""The console's wiring of its session: which state dir, settings and prompts it opens with.

Everything the console asks of the engine, the jobs and drift goes through the
:class:`~ftltui.console.ConsoleSession` built here; the console adds only what a screen
needs (the key passphrase prompt, the vault asker's keyring). Plain Python: no textual.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from ftltui.console import ConsoleSession
from ftltui.console.guard import Guard
from ftltui.console.run_args import run_args_problem

if TYPE_CHECKING:
    from ftltui.config.model import AnsibleConfig
    from ftltui.engine.ssh.keys import AskPassphrase
    from ftltui.vault import VaultKeyring

DEFAULT_FORKS = 50


def console_session(state_dir: Path | None, *, clock: Callable[[], float], vault: VaultKeyring | None,
                    key_passphrase: AskPassphrase | None = None, ansible_config: AnsibleConfig | None = None,
                    guard: Guard | None = None) -> ConsoleSession:
    """The session of one console: ``ansible_config`` (an ``ftltui.config`` result) gives
    the var defaults, forks, roles and collections paths, as ``ftl-tui run``/``play`` read them."""
    var_defaults: dict[str, Any] = {}
    forks = DEFAULT_FORKS
    roles_path: list[str] = []
    collections_paths: list[str] = []
    if ansible_config is not None:
        var_defaults = ansible_config.host_var_defaults()
        if ansible_config.changed("forks"):
            forks = ansible_config.forks
        roles_path = list(getattr(ansible_config, "roles_path", None) or [])
        collections_paths = list(getattr(ansible_config, "collections_path", None) or [])
    ssh_options = {"key_passphrase": key_passphrase} if key_passphrase is not None else {}
    return ConsoleSession(state_dir, clock=clock, forks=forks, var_defaults=var_defaults, ssh_options=ssh_options,
                          vault=vault, roles_path=roles_path, collections_paths=collections_paths, guard=guard)


def validate_run_args(module: str, raw: dict[str, Any]) -> str | None:
    """The run form's as-you-type check: ``None`` when valid, else the one-line error."""
    return run_args_problem(module, raw)
