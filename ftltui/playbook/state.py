"""What a playbook run remembers between tasks: each host's standing and variables, the
recap counters, and the one place events leave the runner.

Counting follows ansible-playbook's rules (checked against it in the tests): one count
per host and task, loops included; a changed result counts ``ok`` and ``changed``; an
ignored failure counts ``ok`` and ``ignored``; a failure a rescue section caught counts
``rescued`` instead of ``failed``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ftltui.playbook.events import HostStats, PlaybookEvent

COUNTERS = ("ok", "changed", "unreachable", "failed", "skipped", "rescued", "ignored")


@dataclass
class HostState:
    """One host's standing in the run. ``failed`` and ``unreachable`` take it out of the
    rest of the play; facts and ``set_fact``/registered values outlive the play, as in
    Ansible (they are host variables, not play variables)."""

    name: str
    failed: bool = False
    unreachable: bool = False
    ended: bool = False  # meta: end_host / end_play for this host
    facts: dict[str, Any] = field(default_factory=dict)  # ansible_facts, without the prefix
    fact_vars: dict[str, Any] = field(default_factory=dict)  # set_fact and register
    included_vars: dict[str, Any] = field(default_factory=dict)  # include_vars
    failed_task: dict[str, Any] | None = None  # for ansible_failed_task / ansible_failed_result

    @property
    def active(self) -> bool:
        return not (self.failed or self.unreachable or self.ended)


@dataclass
class RunState:
    """The whole run: host states, recap counters, task ids, the event sink."""

    on_event: Callable[[PlaybookEvent], None]
    inventory: Any = None  # the run's copy (run_inventory.run_copy)
    hosts: dict[str, HostState] = field(default_factory=dict)
    counters: dict[str, dict[str, int]] = field(default_factory=dict)
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    def host(self, name: str) -> HostState:
        st = self.hosts.get(name)
        if st is None:
            st = self.hosts[name] = HostState(name)
        return st

    def count(self, host: str, what: str) -> None:
        c = self.counters.setdefault(host, dict.fromkeys(COUNTERS, 0))
        c[what] += 1

    def touch(self, host: str) -> None:
        """A host that took part shows in the recap even when nothing was counted."""
        self.counters.setdefault(host, dict.fromkeys(COUNTERS, 0))

    def uncount(self, host: str, what: str) -> None:
        c = self.counters.setdefault(host, dict.fromkeys(COUNTERS, 0))
        c[what] = max(0, c[what] - 1)

    def new_task_id(self) -> str:
        return f"t{next(self._ids)}"

    def emit(self, event: PlaybookEvent) -> None:
        self.on_event(event)

    def stats(self) -> dict[str, HostStats]:
        return {h: HostStats(**self.counters[h]) for h in sorted(self.counters)}
