"""What a playbook run remembers between tasks: each host's standing and variables, the
recap counters, and the one place events leave the runner.

Counting follows ansible-playbook's rules (checked against it in the tests): one count
per host and task, loops included; a changed result counts ``ok`` and ``changed``; an
ignored failure counts ``ok`` and ``ignored``; a failure a rescue section caught counts
``rescued`` instead of ``failed``.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ftltui.engine.redact import Redactor
from ftltui.playbook.events import HostStats, PlaybookEvent

COUNTERS = ("ok", "changed", "unreachable", "failed", "skipped", "rescued", "ignored")

# The event fields that carry free text (module results, output lines, messages, labels,
# prompts): the only ones :meth:`RunState.emit` masks. The redactor matches substrings and
# a whole-file vault makes every value in it secret, short words included (``role: web``):
# masking the fields that name a host, task or status turned ``web1`` into ``********1``
# in the recap and the job record (a host that does not exist, and the secret given away
# by the inventory), and a secret ``ok`` hid a status from the counters. Those fields
# (IDENTITY_FIELDS) come from the inventory and the playbook's structure, never from a
# vault value; tests/playbook/test_vault_mask.py checks every event field is in one set.
FREE_TEXT_FIELDS = ("result", "text", "label", "prompt", "task", "name")
IDENTITY_FIELDS = frozenset({"host", "hosts", "delegated_to", "status", "task_id", "action", "path", "file",
                             "play", "location", "stream", "stats", "index", "ts"})


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
    # what is secret in this run (executor.redactor_for: passwords, --secret, vault values);
    # the inventory's vault keyring adds every value it decrypts later (vars_files, include_vars)
    redactor: Redactor = field(default_factory=Redactor)
    _ids: Any = field(default_factory=lambda: itertools.count(1))
    _revealed: int = -1

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
        """Hand ``event`` on with every secret masked: the one door out of the runner.

        Module results were masked by the executor already, but controller-side actions
        (``debug``, ``set_fact``, ``assert`` messages, templated labels) render vault values
        here, on the controller, and never met that redactor: masking at this door covers
        the text output, ``--json``, the job log and the console alike. A string that
        contains a secret (``"{{ pw }}-x"``) is masked where the secret occurs. Only the
        free-text fields are masked (FREE_TEXT_FIELDS): host names, statuses, task ids and
        the recap's keys are passed as they are."""
        self.on_event(self._redacted(event))

    def _redacted(self, event: PlaybookEvent) -> PlaybookEvent:
        vault = getattr(self.inventory, "vault", None)
        revealed = getattr(vault, "revealed", None)
        if revealed is not None and len(revealed) != self._revealed:
            self.redactor.add(vault.secret_texts())  # type: ignore[union-attr]
            self._revealed = len(revealed)
        changes: dict[str, Any] = {}
        for name in FREE_TEXT_FIELDS:
            value = getattr(event, name, None)
            if isinstance(value, (str, dict, list, tuple)):
                masked = self.redactor.obj(value)
                if masked != value:
                    changes[name] = masked
        return dataclasses.replace(event, **changes) if changes else event

    def stats(self) -> dict[str, HostStats]:
        return {h: HostStats(**self.counters[h]) for h in sorted(self.counters)}
