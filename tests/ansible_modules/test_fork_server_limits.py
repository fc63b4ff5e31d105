"""A module child of the shared fork server runs with its calling gate's resource limits.

Real gates (local connection: each inherits this process's limits when it starts) and the
real per-user fork server: two gates with different soft limits share one server, and each
one's module sees that gate's limits, not the server's (which are the first gate's). A gate
under other hard limits gets a server of its own (a child cannot raise a hard limit).
"""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest
from amhelp import Ftl, fake_collection, ftl

LIMITS = """#!/usr/bin/python
import os, resource
from ansible.module_utils.basic import AnsibleModule
m = AnsibleModule(argument_spec={})
m.exit_json(changed=False, ppid=os.getppid(), nofile=list(resource.getrlimit(resource.RLIMIT_NOFILE)),
            core=list(resource.getrlimit(resource.RLIMIT_CORE)))
"""


@pytest.fixture(scope="module")
def lim_colls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with fake_collection(tmp_path_factory.mktemp("limcolls"), "lim", {"limits.py": LIMITS}) as mods:
        yield mods


def _run_with(nofile: tuple[int, int], core: tuple[int, int]) -> dict:
    """One call through a new gate started while this process has these limits."""
    saved = resource.getrlimit(resource.RLIMIT_NOFILE), resource.getrlimit(resource.RLIMIT_CORE)
    resource.setrlimit(resource.RLIMIT_NOFILE, nofile)
    resource.setrlimit(resource.RLIMIT_CORE, core)
    f = Ftl()
    try:
        status, res = ftl(f, "ftl.lim.limits", {})
    finally:
        f.close()
        resource.setrlimit(resource.RLIMIT_NOFILE, saved[0])
        resource.setrlimit(resource.RLIMIT_CORE, saved[1])
    assert status == "ok", res
    return res


def test_module_children_take_the_calling_gates_limits(lim_colls: Path) -> None:
    _, nofile_hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    _, core_hard = resource.getrlimit(resource.RLIMIT_CORE)
    if nofile_hard != resource.RLIM_INFINITY and nofile_hard < 1024:
        pytest.skip("needs a NOFILE hard limit of at least 1024")
    core_soft = 1 << 20 if core_hard == resource.RLIM_INFINITY else min(core_hard, 1 << 20)
    first = _run_with((900, nofile_hard), (0, core_hard))
    second = _run_with((700, nofile_hard), (core_soft, core_hard))
    assert first["ppid"] == second["ppid"], "two gates with the same hard limits share one server"
    assert (first["nofile"], first["core"]) == ([900, nofile_hard], [0, core_hard])
    assert (second["nofile"], second["core"]) == ([700, nofile_hard], [core_soft, core_hard])


def test_gates_with_other_hard_limits_get_their_own_server() -> None:
    """The server key names the hard limits: a gate under lower ones (a become'd user's, a
    caller's ``ulimit -H``) never hands its soft limits to a server that cannot take them."""
    code = ("import resource, sys; from ftltui.gate.fork_client import server_key; "
            "h = resource.getrlimit(resource.RLIMIT_NOFILE)[1]; "
            "sys.argv[1] == 'lower' and resource.setrlimit(resource.RLIMIT_NOFILE, (600, 800)); "
            "print(server_key('b' * 32, 'g'))")
    same = {subprocess.run([sys.executable, "-c", code, "same"], capture_output=True, text=True, check=True).stdout
            for _ in range(2)}
    lower = subprocess.run([sys.executable, "-c", code, "lower"], capture_output=True, text=True, check=True).stdout
    assert len(same) == 1 and lower not in same
