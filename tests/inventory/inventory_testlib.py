"""Helpers for the inventory tests: writing inventories to disk and asking ansible-core about them.

Imported by bare name (pytest puts this directory on sys.path; the layout has no __init__.py).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, Callable

import pytest

from ftltui.inventory.model import SECRET_VARS

HAVE_ANSIBLE = shutil.which("ansible-inventory") is not None and shutil.which("ansible") is not None


def write_tree(root: Path, files: dict[str, str]) -> Path:
    """Create ``files`` (relative path -> text, dedented) under ``root``; return ``root``."""
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text).lstrip("\n"))
    return root


def ansible_inventory_list(sources: list[Path], env: dict[str, str]) -> dict[str, Any]:
    cmd = ["ansible-inventory", "--list"]
    for s in sources:
        cmd += ["-i", str(s)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def mask_like_ftl(data: dict[str, Any]) -> dict[str, Any]:
    """ansible-inventory prints secrets; ftl-tui masks them. Apply that one documented difference."""
    for hv in data["_meta"]["hostvars"].values():
        names = set(SECRET_VARS) | set(hv.get("secrets") or [])
        for k in names:
            if hv.get(k) not in (None, ""):
                hv[k] = "********"
    return data


_BATCH = r"""
import json, sys
from ansible.parsing.dataloader import DataLoader
from ansible.inventory.manager import InventoryManager
sources, patterns = json.loads(sys.stdin.read())
out = []
for p in patterns:
    inv = InventoryManager(loader=DataLoader(), sources=sources)
    try:
        out.append([h if isinstance(h, str) else h.name for h in inv.list_hosts(p)])
    except Exception as e:
        out.append("ERROR")
print(json.dumps(out))
"""


def ansible_list_hosts_batch(sources: list[Path], patterns: list[str], env: dict[str, str]) -> list[Any]:
    """``InventoryManager.list_hosts`` (what ``ansible P --list-hosts`` calls) for many patterns in one process."""
    proc = subprocess.run(
        [sys.executable, "-c", _BATCH],
        input=json.dumps([[str(s) for s in sources], patterns]),
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def ansible_cli_list_hosts(sources: list[Path], pattern: str, env: dict[str, str]) -> list[str]:
    """The real ``ansible PATTERN --list-hosts`` output, parsed."""
    cmd = ["ansible", pattern, "--list-hosts"]
    for s in sources:
        cmd += ["-i", str(s)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.strip().startswith("hosts ("))
    return [ln.strip() for ln in lines[start + 1 :] if ln.strip()]
