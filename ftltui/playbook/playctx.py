"""One play (one ``serial`` batch of it) while it runs: its hosts, its run-wide state, the
handlers notified so far, and the playbook options."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ftltui.errors import PatternError
from ftltui.inventory.model import Host
from ftltui.playbook.model import Play, Task
from ftltui.playbook.options import PlayOptions
from ftltui.playbook.scope import Scope
from ftltui.playbook.state import RunState


@dataclass
class HandlerEntry:
    """A handler with the scope it was declared in (a role's handlers see the role's vars)."""

    task: Task
    scope: Scope
    notified: list[str] = field(default_factory=list)  # hosts, in notification order


@dataclass
class PlayRun:
    run: RunState
    executor: Any
    options: PlayOptions
    play: Play
    index: int
    all_hosts: list[str]  # every host the play matched (ansible_play_hosts_all)
    batch: list[str]  # this serial batch
    play_vars: dict[str, Any] = field(default_factory=dict)  # vars + vars_prompt answers
    vars_files: dict[str, dict[str, Any]] = field(default_factory=dict)  # per host
    handlers: list[HandlerEntry] = field(default_factory=list)
    # defaults and vars of the roles in ``roles:`` (and their dependencies): public to the whole
    # play, as with Ansible's default private_role_vars = False
    role_defaults: dict[str, Any] = field(default_factory=dict)
    role_vars: dict[str, Any] = field(default_factory=dict)
    ended: bool = False  # meta: end_play, any_errors_fatal, max_fail_percentage
    stop_playbook: bool = False  # any_errors_fatal, max_fail_percentage: no later batch or play runs
    failed_in_play: set[str] = field(default_factory=set)

    @property
    def inventory(self) -> Any:
        """The run's inventory (``add_host``/``group_by`` change it), not the shared one."""
        return self.run.inventory

    @property
    def base_dir(self) -> Path:
        return self.play.base_dir

    def inventory_host(self, name: str) -> Host:
        host = self.inventory.host(name)
        if host is None:
            raise PatternError(f"no host named '{name}' in the inventory")
        return host

    def active(self, hosts: list[str] | None = None) -> list[str]:
        """Hosts of ``hosts`` (default: the batch) still running the play."""
        if self.ended:
            return []
        return [h for h in (self.batch if hosts is None else hosts) if self.run.host(h).active]

    def check_mode(self, task_value: Any) -> bool:
        """``check_mode`` keyword over ``--check``."""
        if task_value is None:
            return self.options.check
        return bool(task_value)
