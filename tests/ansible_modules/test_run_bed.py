"""Ansible modules over real sshd (the loopback bed): the same outcomes as `ansible` over ssh.

h01 runs through ftl-tui's gate, h02 through `ansible` (same user, same machine, its own
files), for community.general.ini_file and the Ansible implementation of lineinfile:
check mode, run, second run, and the files left behind. Then the same host's cache: a
second executor (a new gate) finds the bundles there and sends none.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from ftltui.engine.executor import Executor
from ftltui.inventory import load_inventory

pytestmark = [pytest.mark.ssh, pytest.mark.skipif(shutil.which("ansible") is None, reason="no ansible")]

HOME = Path("/var/tmp/ftltest-home")
NOISE = {"invocation", "_ansible_no_log", "action", "warnings", "deprecations", "diff", "exception",
         "ansible_facts", "_ansible_parsed"}


def _inventory(path: Path, bed: Any, names: list[str], **extra: Any) -> Path:
    hosts = {n: {**bed.host_vars(n), "ansible_python_interpreter": "/usr/bin/python3", **extra} for n in names}
    path.write_text(json.dumps({"all": {"vars": {
        "ansible_ssh_common_args": f"-o UserKnownHostsFile={bed.known_hosts}"}, "hosts": hosts}}))
    return path


def _ansible(inv: Path, host: str, module: str, args: dict[str, Any], check: bool) -> dict[str, Any]:
    env = dict(os.environ, ANSIBLE_LOAD_CALLBACK_PLUGINS="1", ANSIBLE_STDOUT_CALLBACK="json",
               ANSIBLE_HOST_KEY_CHECKING="0")
    cmd = ["ansible", host, "-i", str(inv), "-m", module, "-a", json.dumps(args), "-D"] + (["-C"] if check else [])
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    try:
        return json.loads(p.stdout)["plays"][0]["tasks"][0]["hosts"][host]
    except (ValueError, KeyError, IndexError):
        raise AssertionError(f"ansible gave no result: {p.stdout[-1500:]} {p.stderr[-1500:]}") from None


def _outcome(r: dict[str, Any], a: str, b: str) -> dict[str, Any]:
    out = {k: json.loads(json.dumps(v).replace(a, b)) for k, v in r.items() if k not in NOISE}
    out["changed"], out["failed"] = bool(r.get("changed")), bool(r.get("failed"))
    return out


def _seed(d: Path, files: dict[str, str]) -> None:
    user = pwd.getpwnam("ftltest")
    d.mkdir(parents=True, exist_ok=True)
    os.chown(d, user.pw_uid, user.pw_gid)
    for name, text in files.items():
        (d / name).write_text(text)
        os.chown(d / name, user.pw_uid, user.pw_gid)


@pytest.mark.parametrize("module,args,seed", [
    ("community.general.ini_file", {"path": "@D@/app.ini", "section": "db", "option": "port", "value": "5432"},
     {"app.ini": "[db]\nhost = x\n"}),
    ("ansible.builtin.lineinfile", {"path": "@D@/conf", "regexp": "^port=", "line": "port=8080"},
     {"conf": "port=80\n"}),
])
async def test_outcomes_equal_ansible_over_ssh(sshbed, tmp_path, module, args, seed) -> None:
    ours, theirs = HOME / f"am-ours-{tmp_path.name}", HOME / f"am-theirs-{tmp_path.name}"
    inv = _inventory(tmp_path / "inv.json", sshbed, ["h01", "h02"])
    ex = Executor(load_inventory([str(inv)]), ansible_modules=("lineinfile",))
    try:
        _seed(ours, seed), _seed(theirs, seed)
        for step, check in (("check", True), ("run", False), ("again", False)):
            a = json.loads(json.dumps(args).replace("@D@", str(ours)))
            b = json.loads(json.dumps(args).replace("@D@", str(theirs)))
            got = (await ex.run("h01", module, a, check=check)).results["h01"]
            want = _ansible(inv, "h02", module, b, check)
            assert _outcome(got.result, str(ours), "@D@") == _outcome(want, str(theirs), "@D@"), step
            for name in seed:
                assert (ours / name).read_text() == (theirs / name).read_text(), step
    finally:
        await ex.close()
        shutil.rmtree(ours, ignore_errors=True), shutil.rmtree(theirs, ignore_errors=True)


async def test_bundles_are_sent_once_per_host(sshbed, tmp_path, monkeypatch) -> None:
    from ftltui.engine.ssh.gate_client import GateClient

    cache = HOME / ".cache" / "ftl-tui"
    for d in cache.glob("ab-*"):  # the bed user's cache (the bed's own home): start empty
        shutil.rmtree(d) if d.is_dir() else d.unlink()  # a bundle is a zip or an unpacked directory
    uploads: list[str] = []
    real = GateClient.put_bytes

    async def counting(self: GateClient, name: str, data: bytes) -> dict[str, Any]:
        uploads.append(name)
        return await real(self, name, data)

    monkeypatch.setattr(GateClient, "put_bytes", counting)
    inv = _inventory(tmp_path / "inv.json", sshbed, ["h03"])
    per_round = []
    for round_ in range(2):  # two executors: two SSH connections, two gates, one host cache
        ex = Executor(load_inventory([str(inv)]))
        try:
            for value in ("a", "b"):
                res = await ex.run("h03", "community.general.ini_file",
                                   {"path": f"/tmp/ftl-am-{tmp_path.name}.ini", "section": "s", "option": "o",
                                    "value": f"{round_}{value}"})
                assert res.results["h03"].status == "changed", res.results["h03"].result
        finally:
            await ex.close()
        per_round.append(len(uploads))
    os.unlink(f"/tmp/ftl-am-{tmp_path.name}.ini")
    assert per_round == [2, 2]  # base + module bundle, once; the second gate found them cached
    assert len(list(cache.glob("ab-*"))) == 2
