from __future__ import annotations

from pathlib import Path

import pytest
import yaml


@pytest.fixture
def local_inventory(tmp_path: Path):
    """An inventory of several 'hosts' that all run in-process (connection local)."""

    def make(n: int = 3, host_vars: dict | None = None, group_vars: dict | None = None) -> Path:
        hosts = {f"l{i}": dict(host_vars or {}) for i in range(1, n + 1)}
        inv = {
            "all": {
                "vars": {"ansible_connection": "local", **(group_vars or {})},
                "children": {"locals": {"hosts": hosts}},
            }
        }
        path = tmp_path / "inv.yml"
        path.write_text(yaml.safe_dump(inv))
        return path

    return make
