"""Run one playbook with ansible-playbook and with ftl-tui's runner, and collect what each
left behind: recap per host, exit status, and the files under the output directory.

Both runs get the same inventory (local hosts) and ``-e out=<dir>``; the corpus playbooks
write what they saw under ``{{ out }}/<host>/``.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from ftltui.engine.executor import Executor
from ftltui.inventory.loader import load_inventory
from ftltui.playbook.loader import load_playbook
from ftltui.playbook.options import PlayOptions
from ftltui.playbook.runner import run_playbook

CORPUS = Path(__file__).parent / "corpus" / "runner"
_RECAP = re.compile(r"^(\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)\s+"
                    r"rescued=(\d+)\s+ignored=(\d+)")
_KEYS = ("ok", "changed", "unreachable", "failed", "skipped", "rescued", "ignored")


def local_inventory(tmp: Path, hosts: list[str], extra: str = "") -> Path:
    inv = tmp / "hosts.ini"
    lines = [f"{h} ansible_connection=local ansible_python_interpreter={sys.executable}" for h in hosts]
    inv.write_text("\n".join(lines) + "\n" + extra)
    return inv


def tree(root: Path) -> dict[str, str]:
    """Every file under ``root`` (relative path -> text): what a run left behind."""
    if not root.exists():
        return {}
    return {str(p.relative_to(root)): p.read_text(errors="replace") for p in sorted(root.rglob("*")) if p.is_file()}


def ansible(playbook: Path, inventory: Path, out: Path, *args: str) -> tuple[int, dict[str, dict[str, int]], str]:
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_HOST_KEY_CHECKING="False", ANSIBLE_RETRY_FILES_ENABLED="0",
               ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_DEPRECATION_WARNINGS="0", ANSIBLE_PIPELINING="1")
    proc = subprocess.run(["ansible-playbook", "-i", str(inventory), "-e", f"out={out}", *args, str(playbook)],
                          capture_output=True, text=True, env=env, cwd=str(playbook.parent), timeout=600,
                          stdin=subprocess.DEVNULL)
    recap: dict[str, dict[str, int]] = {}
    for line in proc.stdout.splitlines():
        m = _RECAP.match(line)
        if m:
            recap[m.group(1)] = dict(zip(_KEYS, map(int, m.groups()[1:])))
    return proc.returncode, recap, proc.stdout + proc.stderr


def ftl(playbook: Path, inventory: Path, out: Path, options: PlayOptions | None = None,
        events: list[Any] | None = None) -> tuple[int, dict[str, dict[str, int]]]:
    options = options or PlayOptions()
    options.extra_vars = {**options.extra_vars, "out": str(out)}
    pb = load_playbook(playbook)
    inv = load_inventory([str(inventory)])
    sink: list[Any] = [] if events is None else events

    async def go() -> Any:
        ex = Executor(inv, forks=options.forks, base_dir=str(playbook.parent))
        try:
            return await run_playbook(pb, ex, options, sink.append)
        finally:
            await ex.close()

    finished = asyncio.run(go())
    return finished.exit_code, {h: s.to_dict() for h, s in finished.stats.items()}


def compare(playbook: Path, tmp: Path, hosts: list[str], *args: str, options: PlayOptions | None = None,
            inventory_extra: str = "") -> dict[str, Any]:
    """Both runs; returns what differs (empty when they agree) plus both sides for messages."""
    inv = local_inventory(tmp, hosts, inventory_extra)
    a_rc, a_recap, a_text = ansible(playbook, inv, tmp / "ansible", *args)
    events: list[Any] = []
    f_rc, f_recap = ftl(playbook, inv, tmp / "ftl", options, events)
    return {"ansible": (a_rc, a_recap, tree(tmp / "ansible")), "ftl": (f_rc, f_recap, tree(tmp / "ftl")),
            "ansible_text": a_text, "events": events}


def assert_same(res: dict[str, Any]) -> None:
    a_rc, a_recap, a_tree = res["ansible"]
    f_rc, f_recap, f_tree = res["ftl"]
    assert a_recap, res["ansible_text"][-3000:]
    assert f_recap == a_recap, (f_recap, a_recap)
    assert f_tree == a_tree
    assert f_rc == a_rc, (f_rc, a_rc)
