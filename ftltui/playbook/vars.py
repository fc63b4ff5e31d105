"""The variables a task sees on one host, in Ansible's precedence order.

Lowest first: role defaults, command-line defaults (``-u``, ``-b``...), inventory,
facts, play vars (and ``vars_prompt``), ``vars_files``, role vars, block and role-entry
vars, include params, task vars, ``include_vars``, ``set_fact``/registered, role
params, extra vars; then the magic variables. Values stay templates: the templar
renders them when they are read.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping
from typing import Any

from ftltui.playbook.playctx import PlayRun
from ftltui.playbook.scope import Scope
from ftltui.playbook.templar import OMIT


def fact_vars(facts: Mapping[str, Any]) -> dict[str, Any]:
    """Facts as variables: ``ansible_facts`` and each fact as ``ansible_<name>``."""
    out: dict[str, Any] = {f"ansible_{k}": v for k, v in facts.items() if not k.startswith("ansible_")}
    out.update({k: v for k, v in facts.items() if k.startswith("ansible_")})
    out["ansible_facts"] = dict(facts)
    return out


def host_layer(pc: PlayRun, name: str) -> dict[str, Any]:
    """What ``hostvars[name]`` holds in ansible-core 2.19: inventory, facts, include_vars,
    set_fact/registered, extra vars and the run-wide magic variables; never the play's
    ``vars``/``vars_files``, role defaults or role vars (checked against ansible-playbook:
    ``hostvars[h].some_play_var`` is undefined there too)."""
    ex = pc.executor
    st = pc.run.host(name)
    out: dict[str, Any] = dict(getattr(ex, "var_defaults", {}) or {})
    out.update(pc.options.var_defaults)
    out.update(pc.inventory_host(name).vars)
    out.update(fact_vars(st.facts))
    out.update(st.included_vars)
    out.update(st.fact_vars)
    out.update(getattr(ex, "extra_vars", {}) or {})
    out.update(pc.options.extra_vars)
    out.update(run_magic(pc))
    out["inventory_hostname"] = name
    out["inventory_hostname_short"] = name.split(".")[0]
    out["group_names"] = _group_names(pc, name)
    return out


def run_magic(pc: PlayRun) -> dict[str, Any]:
    """Magic variables that are the same for every host of the run (``hostvars`` shows
    them too). Not provided: ``ansible_version`` (ftl-tui is not Ansible),
    ``ansible_config_file`` (no ansible.cfg is read), ``inventory_file``/``inventory_dir``."""
    out: dict[str, Any] = {
        "groups": _groups(pc),
        "playbook_dir": str(pc.base_dir),
        "ansible_check_mode": pc.options.check,
        "ansible_diff_mode": pc.options.diff,
        "ansible_run_tags": list(pc.options.tags) or ["all"],
        "ansible_skip_tags": list(pc.options.skip_tags),
        "ansible_verbosity": pc.options.verbosity,
        "ansible_forks": pc.options.forks,
        "ansible_playbook_python": sys.executable,
    }
    sources = getattr(pc.inventory, "sources", None)
    if sources:
        out["ansible_inventory_sources"] = [os.path.abspath(str(x)) for x in sources]
    if pc.options.limit:
        out["ansible_limit"] = pc.options.limit
    return out


class HostVars(Mapping[str, Any]):
    """``hostvars``: every inventory host (and the play's), built when a template asks."""

    def __init__(self, pc: PlayRun) -> None:
        self._pc = pc

    def _names(self) -> list[str]:
        names = list(self._pc.inventory.hosts)
        return names + [h for h in self._pc.all_hosts if h not in names]

    def __getitem__(self, name: str) -> Any:
        if name not in self._names() and self._pc.inventory.host(name) is None:
            raise KeyError(name)
        return host_layer(self._pc, name)

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())


def _group_names(pc: PlayRun, name: str) -> list[str]:
    """The host's groups but ``all``; ``ungrouped`` only when it is in no other group."""
    names = sorted(g for g in pc.inventory_host(name).groups if g != "all")
    others = [g for g in names if g != "ungrouped"]
    return others if others else names


def _groups(pc: PlayRun) -> dict[str, list[str]]:
    inv = pc.inventory
    groups = dict(inv.groups_magic())
    groups.setdefault("all", list(inv.hosts))
    return groups


def task_vars(pc: PlayRun, host: str, scope: Scope, own_vars: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Every variable of ``host`` for a task in ``scope`` with task ``vars`` ``own_vars``."""
    ex = pc.executor
    st = pc.run.host(host)
    out: dict[str, Any] = dict(pc.role_defaults)
    for use in scope.roles:
        out.update(use.role.defaults)
    out.update(getattr(ex, "var_defaults", {}) or {})
    out.update(pc.options.var_defaults)
    out.update(pc.inventory_host(host).vars)
    out.update(fact_vars(st.facts))
    out.update(pc.play_vars)
    out.update(pc.vars_files.get(host, {}))
    out.update(pc.role_vars)
    for use in scope.roles:
        out.update(use.role.vars)
    for layer in scope.var_layers:
        out.update(layer)
    out.update(scope.extra_vars)
    out.update(own_vars or {})
    out.update(st.included_vars)
    out.update(st.fact_vars)
    for use in scope.roles:
        out.update(use.params)
    out.update(getattr(ex, "extra_vars", {}) or {})
    out.update(pc.options.extra_vars)
    out.update(magic_vars(pc, host, scope))
    return out


def magic_vars(pc: PlayRun, host: str, scope: Scope) -> dict[str, Any]:
    def up(h: str) -> bool:
        st = pc.run.host(h)
        return not (st.failed or st.unreachable)

    play_hosts = [h for h in pc.all_hosts if up(h)]
    batch = [h for h in pc.batch if up(h)]
    out: dict[str, Any] = {
        "inventory_hostname": host,
        "inventory_hostname_short": host.split(".")[0],
        "group_names": _group_names(pc, host),
        **run_magic(pc),
        "hostvars": HostVars(pc),
        "play_hosts": batch,
        "ansible_play_batch": batch,
        "ansible_play_hosts": play_hosts,
        "ansible_play_hosts_all": list(pc.all_hosts),
        "ansible_play_name": pc.play.label,
        "omit": OMIT,
    }
    role = scope.role
    if role is not None:
        out.update(role_name=role.name, ansible_role_name=role.name, role_path=str(role.path),
                   ansible_parent_role_names=[u.role.name for u in reversed(scope.roles[:-1])])
    return out
