"""Inventories over the test bed for the become suite."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def inventory_for(path: Path, bed: Any, hosts: dict[str, dict[str, Any]]) -> Path:
    """Hosts of ``bed`` by name with extra vars; a name not on the bed copies h01's vars."""
    out: dict[str, Any] = {}
    for name, extra in hosts.items():
        base = extra.pop("_as", name)
        v = dict(bed.host_vars(base))
        v.update(extra)
        out[name] = v
    all_vars = {"ansible_ssh_common_args": f"-o UserKnownHostsFile={bed.known_hosts}",
                "ansible_python_interpreter": "/usr/bin/python3"}
    path.write_text(json.dumps({"all": {"vars": all_vars, "hosts": out}}))
    return path
