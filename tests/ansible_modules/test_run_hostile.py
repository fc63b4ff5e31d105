"""Hostile and broken modules in a fake collection: only their own task fails, the gate keeps serving.

The modules live in tmp_path/ansible_collections/evil/box (found through
ANSIBLE_COLLECTIONS_PATH); each runs in a forked child of the local gate. After every
hostile task the same gate (same pid) answers a real module, and nothing of the module
is left running.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Iterator

import pytest

from amhelp import Ftl, ftl

HEAD = "#!/usr/bin/python\nfrom ansible.module_utils.basic import AnsibleModule\n"
MODULES = {
    "garbage": HEAD + "import sys\nprint('%%% not json at all')\nsys.exit(0)\n",
    "nojson": HEAD + "import sys\nsys.stderr.write('dying quietly\\n')\nsys.exit(3)\n",
    "noise": HEAD + "m = AnsibleModule(argument_spec={})\nprint('chatter before')\nm.exit_json(changed=False, x=1)\n",
    "linger": HEAD + ("import os, time\nm = AnsibleModule(argument_spec={'marker': {}})\n"
                      "if os.fork() == 0:\n    open(m.params['marker'], 'w').write(str(os.getpid()))\n    time.sleep(300)\n"
                      "    os._exit(0)\ntime.sleep(0.3)\nm.exit_json(changed=True)\n"),
    "sleeper": HEAD + ("import os, time\nm = AnsibleModule(argument_spec={'marker': {}})\n"
                       "open(m.params['marker'], 'w').write(str(os.getpid()))\ntime.sleep(300)\n"),
    "suicide": HEAD + "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n",
    "nocheck": HEAD + "m = AnsibleModule(argument_spec={})\nm.exit_json(changed=True, ran=True)\n",
    "secret": HEAD + ("m = AnsibleModule(argument_spec={'token': {'no_log': True}})\n"
                      "m.exit_json(changed=False, echo='token is ' + m.params['token'])\n"),
    "warns": HEAD + ("m = AnsibleModule(argument_spec={})\nm.warn('careful now')\n"
                     "m.deprecate('old option', version='9.0.0', collection_name='evil.box')\nm.exit_json(changed=False)\n"),
    "wantjson": "#!/bin/sh\n# WANT_JSON\necho '{\"changed\": false, \"args_file\": \"'$1'\"}'\n",
}


runner_root: list[Path] = [Path()]


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ftl]:
    root = tmp_path_factory.mktemp("colls")
    mods = root / "ansible_collections" / "evil" / "box" / "plugins" / "modules"
    mods.mkdir(parents=True)
    (root / "ansible_collections" / "evil" / "box" / "galaxy.yml").write_text(
        "namespace: evil\nname: box\nversion: 1.0.0\n")
    for name, text in MODULES.items():
        (mods / f"{name}.py").write_text(text)
    (mods / "oldstyle").write_text("#!/bin/sh\n. \"$1\"\necho '{\"changed\": true, \"got\": \"'$greeting'\"}'\n")
    (mods / "oldstyle").chmod(0o755)
    (mods / "binmod").write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(64))
    (mods / "winmod").write_text("#!powershell\n#Requires -Module Ansible.ModuleUtils.Legacy\n$x = 1\n")
    runner_root[0] = mods
    old = os.environ.get("ANSIBLE_COLLECTIONS_PATH")
    os.environ["ANSIBLE_COLLECTIONS_PATH"] = str(root)
    f = Ftl()
    yield f
    f.close()
    if old is None:
        os.environ.pop("ANSIBLE_COLLECTIONS_PATH", None)
    else:
        os.environ["ANSIBLE_COLLECTIONS_PATH"] = old


def _gate_pid(f: Ftl) -> int:
    status, res = ftl(f, "evil.box.noise", {})
    assert status == "ok" and res["x"] == 1
    runner = f.executor._runners["local"]
    gates = list(runner._become._gates.values())
    assert len(gates) == 1 and gates[0].dead is None
    return gates[0].pid


def test_stdout_noise_before_json_is_ignored(runner: Ftl) -> None:
    status, res = ftl(runner, "evil.box.noise", {})
    assert (status, res) == ("ok", {"changed": False, "x": 1})


def test_garbage_and_no_json_fail_like_ansible(runner: Ftl) -> None:
    pid = _gate_pid(runner)
    status, res = ftl(runner, "evil.box.garbage", {})
    assert status == "failed"
    assert res["msg"] == "Module result deserialization failed: No start of json char found"
    assert res["module_stdout"] == "%%% not json at all\n" and res["rc"] == 0
    status, res = ftl(runner, "evil.box.nojson", {})
    assert status == "failed" and res["rc"] == 3 and res["module_stderr"] == "dying quietly\n"
    assert _gate_pid(runner) == pid


def test_killed_module_reports_signal_and_gate_survives(runner: Ftl) -> None:
    pid = _gate_pid(runner)
    status, res = ftl(runner, "evil.box.suicide", {})
    assert status == "failed" and res["rc"] == -9 and "killed by signal 9" in res["msg"]
    assert _gate_pid(runner) == pid


def test_lingering_child_is_killed(runner: Ftl, tmp_path: Path) -> None:
    pid = _gate_pid(runner)
    marker = tmp_path / "child.pid"
    status, res = ftl(runner, "evil.box.linger", {"marker": str(marker)})
    assert status == "changed"
    assert any("left 1 process(es) running" in w for w in res["warnings"])
    child = int(marker.read_text())
    deadline = time.monotonic() + 5
    while Path(f"/proc/{child}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not Path(f"/proc/{child}").exists(), "the module's child still runs"
    assert _gate_pid(runner) == pid


def test_timeout_stops_the_module_only(runner: Ftl, tmp_path: Path) -> None:
    pid = _gate_pid(runner)
    marker = tmp_path / "sleeper.pid"
    t0 = time.monotonic()
    status, res = ftl(runner, "evil.box.sleeper", {"marker": str(marker)}, timeout=1.0)
    assert status == "failed" and "timed out after 1s" in res["msg"]
    assert time.monotonic() - t0 < 60  # bounded (generous: CI machines are slow)
    child = int(marker.read_text())
    deadline = time.monotonic() + 5
    while Path(f"/proc/{child}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not Path(f"/proc/{child}").exists(), "the timed-out module still runs"
    assert _gate_pid(runner) == pid


def test_check_mode_skips_a_module_without_support(runner: Ftl) -> None:
    status, res = ftl(runner, "evil.box.nocheck", {}, check=True)
    assert status == "skipped" and res["msg"] == "remote module (evil.box.nocheck) does not support check mode"
    assert "ran" not in res


def test_no_log_option_masked(runner: Ftl) -> None:
    status, res = ftl(runner, "evil.box.secret", {"token": "s3cr3t-value"})
    assert status == "ok" and "s3cr3t-value" not in str(res)


def test_want_json_script(runner: Ftl) -> None:
    status, res = ftl(runner, "evil.box.wantjson", {"a": 1})
    assert status == "ok" and res["args_file"].endswith("/args")


def test_warnings_and_deprecations_become_events(runner: Ftl) -> None:
    from ftltui.engine.events import Warning_

    seen: list[str] = []
    res = runner.loop.run_until_complete(runner.executor.run(
        "localhost", "evil.box.warns", {}, on_event=lambda e: seen.append(e.text) if isinstance(e, Warning_) else None))
    r = res.results["localhost"]
    assert r.status == "ok" and r.result["warnings"] == ["careful now"]
    assert "careful now" in seen
    assert any("old option" in t and "9.0.0" in t for t in seen)


def test_old_style_script_gets_key_value_args(runner: Ftl) -> None:
    status, res = ftl(runner, "evil.box.oldstyle", {"greeting": "hello"})
    assert (status, res["got"]) == ("changed", "hello")


@pytest.mark.parametrize("name,why", [("binmod", "binary module"), ("winmod", "PowerShell module")])
def test_binary_and_powershell_are_refused_by_name(runner: Ftl, name: str, why: str) -> None:
    status, res = ftl(runner, f"evil.box.{name}", {})
    assert status == "failed" and f"evil.box.{name}" in res["msg"] and why in res["msg"]


@pytest.mark.skipif(not os.path.exists("/root/.pyenv/versions/3.8.18/bin/python"), reason="no Python 3.8 here")
def test_a_python38_host_runs_core_and_collection_modules(tmp_path: Path) -> None:
    f = Ftl(ansible_python_interpreter="/root/.pyenv/versions/3.8.18/bin/python")
    f.executor.ansible_modules = frozenset({"lineinfile"})
    try:
        status, res = ftl(f, "community.general.ini_file", {"path": str(tmp_path / "a.ini"), "section": "s",
                                                            "option": "o", "value": "v"})
        assert status == "changed", res
        status, res = ftl(f, "ansible.builtin.lineinfile", {"path": str(tmp_path / "b"), "line": "x",
                                                            "create": True})
        assert status == "changed" and (tmp_path / "b").read_text() == "x\n", res
        gate = f.loop.run_until_complete(f.executor.runner_for(f.executor.resolve("localhost")[0])
                                         .gate(f.executor.resolve("localhost")[0]))
        assert gate.hello["python"].startswith("3.8.")
    finally:
        f.close()


def test_hosts_sharing_a_gate_upload_a_new_bundle_once(runner: Ftl, monkeypatch: pytest.MonkeyPatch) -> None:
    """20 local hosts go through one local gate: a module never seen before is sent once."""
    import asyncio
    import sys

    from ftltui.engine.executor import Executor
    from ftltui.engine.ssh.gate_client import GateClient
    from ftltui.inventory.model import Host

    token = os.urandom(8).hex()
    (runner_root[0] / f"fresh_{token}.py").write_text(HEAD + f"m = AnsibleModule(argument_spec={{}})\n"
                                                      f"m.exit_json(changed=False, token={token!r})\n")
    sent: list[str] = []
    real = GateClient.put_bytes

    async def counting(self: GateClient, name: str, data: bytes) -> dict:
        sent.append(name)
        return await real(self, name, data)

    monkeypatch.setattr(GateClient, "put_bytes", counting)

    class Many:
        hosts = [Host(name=f"l{i}", vars={"ansible_connection": "local", "ansible_python_interpreter": sys.executable})
                 for i in range(20)]
        vault = None
        last_unmatched = ()

        def select(self, pattern: object) -> list[Host]:
            return self.hosts

    async def go() -> dict:
        ex = Executor(Many())
        try:
            return (await ex.run("all", f"evil.box.fresh_{token}", {})).to_dict()
        finally:
            await ex.close()

    res = asyncio.new_event_loop().run_until_complete(go())
    assert res["counts"]["ok"] == 20, [r["result"] for r in res["results"].values() if r["status"] != "ok"][:2]
    assert all(r["result"]["token"] == token for r in res["results"].values())
    assert len(sent) <= 2 and len([n for n in sent]) == len(set(sent))  # module bundle once (+ base if new)
