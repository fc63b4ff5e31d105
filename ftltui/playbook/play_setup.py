"""What a play needs before its first task: its hosts (pattern, ``--limit``, hosts that
failed earlier left out), its ``serial`` batches, ``vars_prompt`` answers, ``vars_files``
per host, and the fact-gathering task."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from ftltui.errors import FtlError, Location
from ftltui.playbook.actions_controller import load_vars_file
from ftltui.playbook.model import Play, PlayKeywordError, Task
from ftltui.playbook.options import PlayOptions
from ftltui.playbook.playctx import PlayRun
from ftltui.playbook.scope import Scope, as_list
from ftltui.playbook.templar import make_templar
from ftltui.playbook.vars import task_vars


def _extra(executor: Any, options: PlayOptions) -> dict[str, Any]:
    return {**(getattr(executor, "extra_vars", {}) or {}), **options.extra_vars}


def play_hosts(executor: Any, inv: Any, options: PlayOptions, play: Play) -> list[str]:
    """The play's hosts in inventory order, ``--limit`` applied, earlier failures removed."""
    groups = dict(inv.groups_magic())  # hosts: "{{ groups.web[0] }}", as Ansible
    groups.setdefault("all", list(inv.hosts))
    templar = make_templar({**play.vars, **_extra(executor, options), "groups": groups,
                            "playbook_dir": str(play.base_dir)}, play.base_dir)
    try:
        pattern = templar.render(play.hosts)
    except FtlError as exc:  # ansible-playbook's words; the value's place, not the template engine's
        raise PlayKeywordError(f"Error processing keyword 'hosts': {exc.message}", play.hosts_at) from None
    if isinstance(pattern, list):
        pattern = ",".join(str(p) for p in pattern)
    names = [h.name for h in inv.select(str(pattern))]
    if options.limit:
        allowed = {h.name for h in inv.select(options.limit)}
        names = [n for n in names if n in allowed]
    return names


def batches(play: Play, hosts: list[str], executor: Any, options: PlayOptions) -> list[list[str]]:
    """``serial``: a number, a percentage, or a list of them (the last one repeats)."""
    serial = play.keywords.get("serial")
    if serial in (None, 0, "0", []):
        return [hosts]
    templar = make_templar({**play.vars, **_extra(executor, options)}, play.base_dir)
    sizes = []
    for s in as_list(serial):
        value = templar.render(s)
        text = str(value).strip()
        if text.endswith("%"):
            n = math.floor(len(hosts) * float(text[:-1]) / 100.0)
        else:
            n = int(text)
        sizes.append(max(1, n) if n > 0 else len(hosts))
    out: list[list[str]] = []
    i = 0
    k = 0
    while i < len(hosts):
        size = sizes[min(k, len(sizes) - 1)]
        out.append(hosts[i:i + size])
        i += size
        k += 1
    return out or [hosts]


def prompt_vars(play: Play, options: PlayOptions) -> dict[str, Any]:
    """``vars_prompt`` answers (a name given with ``-e`` is not asked), as
    :mod:`ftltui.playbook.vars_prompt` reads them: ``confirm`` asks twice, ``encrypt``
    hashes the answer here (an answer given before the run is the typed value), ``unsafe``
    keeps it from templating."""
    from ftltui.playbook.vars_prompt import ask_answer, final_value, prompt_spec

    out: dict[str, Any] = {}
    for entry in play.vars_prompt:
        spec = prompt_spec(entry)
        if spec.name in options.extra_vars:
            continue
        if spec.name in options.prompt_answers:  # answered before the job was queued
            out[spec.name] = final_value(spec, options.prompt_answers[spec.name], play.location)
            continue
        answer = ask_answer(spec, options.ask) if options.ask else None
        if answer in (None, "") and spec.default is not None:
            answer = spec.default
        if answer is None:
            raise FtlError(f"vars_prompt {spec.name!r}: no answer (not a terminal) and no default", play.location)
        out[spec.name] = final_value(spec, answer, play.location)
    return out


def load_vars_files(pc: PlayRun) -> dict[str, dict[str, Any]]:
    """``vars_files`` per host: names are templates; a list entry takes the first file found."""
    out: dict[str, dict[str, Any]] = {}
    if not pc.play.vars_files:
        return out
    vault = getattr(pc.inventory, "vault", None)
    for host in pc.active():
        data: dict[str, Any] = {}
        for entry in pc.play.vars_files:
            templar = make_templar({**task_vars(pc, host, Scope()), **data}, pc.base_dir)
            choices = [str(templar.render(c)) for c in as_list(entry)]
            path = next((p for p in (_resolve(pc.base_dir, c) for c in choices) if p.is_file()), None)
            if path is None:
                raise FtlError(f"vars_files: none of {', '.join(choices)} found", pc.play.location)
            loaded = load_vars_file(path, vault)
            if loaded is None:
                continue
            if not isinstance(loaded, dict):
                raise FtlError(f"vars file {path} must be a mapping", Location(str(path)))
            data.update(loaded)
        out[host] = data
    return out


def _resolve(base: Path, name: str) -> Path:
    p = Path(name).expanduser()
    return p if p.is_absolute() else base / p


def gather_task(play: Play, options: PlayOptions) -> Task | None:
    """The implicit "Gathering Facts" task (tagged ``always``), or None when turned off."""
    value = play.keywords.get("gather_facts", True)
    if value in (False, "no", "false", "False", "off", 0):
        return None
    args: dict[str, Any] = {}
    if play.keywords.get("gather_subset") is not None:
        args["gather_subset"] = as_list(play.keywords["gather_subset"])
    keywords: dict[str, Any] = {"tags": ["always"]}
    from ftltui.ansible_modules import finder

    if finder.find_module("setup") is not None:  # Ansible's own facts, through the gate
        keywords["vars"] = {"ftl_ansible_modules": "setup"}
    return Task(action="setup", args=args, location=play.location, name="Gathering Facts", keywords=keywords)
