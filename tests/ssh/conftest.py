"""Helpers for the ssh suite: inventories over a test bed, an executor per test."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from ftltui.engine.executor import Executor
from ftltui.inventory import load_inventory


def write_inventory(path: Path, bed: Any, names: list[str], extra: dict[str, dict[str, Any]] | None = None,
                    common: dict[str, Any] | None = None) -> Path:
    """An inventory for ``names`` of ``bed`` (plus per-host ``extra`` vars, or extra hosts)."""
    extra = extra or {}
    hosts: dict[str, Any] = {}
    for n in names:
        v = bed.host_vars(n) if n in bed.hosts else {}
        v.update(extra.get(n, {}))
        hosts[n] = v
    for n, v in extra.items():
        hosts.setdefault(n, v)
    all_vars = {"ansible_ssh_common_args": f"-o UserKnownHostsFile={bed.known_hosts}"}
    all_vars.update(common or {})
    path.write_text(json.dumps({"all": {"vars": all_vars, "hosts": hosts}}))
    return path


@pytest.fixture
async def make_executor(tmp_path: Path) -> AsyncIterator[Callable[..., Executor]]:
    made: list[Executor] = []

    def make(bed: Any, names: list[str], extra: dict[str, dict[str, Any]] | None = None, *,
             common: dict[str, Any] | None = None, **kw: Any) -> Executor:
        inv_path = write_inventory(tmp_path / f"inv{len(made)}.yml", bed, names, extra, common)
        ex = Executor(load_inventory([str(inv_path)]), forks=kw.pop("forks", 60), **kw)
        made.append(ex)
        return ex

    yield make
    for ex in made:
        await ex.close()
