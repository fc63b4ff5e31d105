"""Each peer in its own virtualenv under bench/.peers/ (git-ignored), installed on first use."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench.harness.tools import PEERS

PY313 = Path("/root/.pyenv/versions/3.13.0/bin/python3")
PEER_SPECS = {
    # the newest ansible-core that runs on Python 3.11 is 2.19.x
    "ansible": (Path(os.path.realpath(sys.executable)), "ansible-core>=2.19,<2.20"),
    "ftl2": (PY313, "ftl2"),
}


def ensure(name: str, log=print) -> str:
    """Install the peer if needed; return its version or 'not run: <why>'."""
    base, req = PEER_SPECS[name]
    venv = PEERS / name
    py = venv / "bin" / "python"
    if not base.exists():
        return f"not run: {base} missing (needs Python >= 3.13)"
    if not py.exists():
        log(f"bench: installing {req} into {venv}")
        subprocess.run([str(base), "-m", "venv", str(venv)], check=True)
        r = subprocess.run([str(py), "-m", "pip", "install", "-q", req], capture_output=True, text=True)
        if r.returncode != 0:
            return f"not run: pip install {req} failed: {r.stderr.strip()[-300:]}"
    dist = "ansible-core" if name == "ansible" else "ftl2"
    r = subprocess.run([str(py), "-c", f"import importlib.metadata as m; print(m.version({dist!r}))"],
                       capture_output=True, text=True)
    return r.stdout.strip() if r.returncode == 0 else f"not run: {r.stderr.strip()[-200:]}"


def select_tools(names: list[str], by_name: dict[str, Any], versions: dict[str, str], log=print) -> list[Any]:
    """The tools asked for, in order; a peer (ansible, ftl2) that cannot be installed is
    left out with the reason logged, and every peer's version recorded in ``versions``."""
    tools = []
    for name in names:
        if name in PEER_SPECS:
            v = ensure(name, log)
            versions[name] = v
            if v.startswith("not run"):
                log(f"bench: {name}: {v}")
                continue
        tools.append(by_name[name])
    return tools

