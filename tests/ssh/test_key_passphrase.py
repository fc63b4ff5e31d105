"""Encrypted client keys on the real bed: the agent first, else one passphrase question per key.

The key is made by OpenSSH's ``ssh-keygen`` (OpenSSH format, bcrypt KDF: what users
have) and authorized on the bed's sshds. ``IdentityAgent``/``ForwardAgent`` come from an
ssh config file the test writes; the agent is a real ``ssh-agent``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncssh
import pytest
from ptycli import cli_in_pty
from sshagent import ssh_agent

from ftltui.engine.executor import Executor
from ftltui.inventory import load_inventory

pytestmark = [pytest.mark.ssh]
PASS = "correct horse battery"


@pytest.fixture(scope="module")
def enc_key(jumpbed: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("ssh-keygen") is None:
        pytest.skip("ssh-keygen is not installed")
    path = tmp_path_factory.mktemp("enckey") / "id_enc"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", PASS, "-C", "enc-test", "-f", str(path)],
                   check=True, stdin=subprocess.DEVNULL)
    with open(jumpbed.root / "authorized_keys", "a") as f:
        f.write((Path(str(path) + ".pub")).read_text())
    os.unlink(str(path) + ".pub")  # as when only the private key was copied: nothing in the clear
    return path


@pytest.fixture
def agent(tmp_path: Path) -> Iterator[str]:
    with ssh_agent(tmp_path / "agent.sock") as sock:
        yield sock


class Asker:
    """A passphrase provider that records what it was asked (the console's dialog stand-in)."""

    def __init__(self, *answers: str | None) -> None:
        self.answers = list(answers)
        self.asked: list[tuple[str, int, str | None]] = []

    async def __call__(self, path: str, attempt: int, why: str | None) -> str | None:
        self.asked.append((path, attempt, why))
        return self.answers.pop(0) if self.answers else None


def _executor(bed: Any, tmp_path: Path, key: Path, names: list[str], *, config: str = "",
              ask: Asker | None = None) -> Executor:
    cfg = tmp_path / "ssh_config"
    cfg.write_text(config + f"Host *\n  UserKnownHostsFile {bed.known_hosts}\n  IdentitiesOnly yes\n")
    hosts = {n: {"ansible_host": bed.hosts[n].address, "ansible_port": bed.hosts[n].port, "ansible_user": bed.user,
                 "ansible_ssh_private_key_file": str(key), "ansible_ssh_common_args": f"-F {cfg}",
                 "ansible_timeout": 5} for n in names}
    inv = tmp_path / "inv.json"
    inv.write_text(json.dumps({"all": {"hosts": hosts}}))
    return Executor(load_inventory([str(inv)]), ssh_options={"key_passphrase": ask} if ask else {})


@pytest.fixture
def no_agent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)


async def test_asked_once_for_two_hosts_and_never_shown(jumpbed, enc_key, tmp_path, no_agent) -> None:
    ask = Asker(PASS)
    ex = _executor(jumpbed, tmp_path, enc_key, ["h01", "bastion"], ask=ask)
    try:
        res = await ex.run("all", "command", {"argv": ["id", "-un"]})
    finally:
        await ex.close()
    assert {h: r.status for h, r in res.results.items()} == {"h01": "changed", "bastion": "changed"}, res.results
    assert ask.asked == [(str(enc_key), 0, None)]
    assert PASS not in json.dumps([r.to_dict() for r in res.results.values()])


async def test_wrong_passphrase_asks_again_then_works(jumpbed, enc_key, tmp_path, no_agent) -> None:
    ask = Asker("not it", PASS)
    ex = _executor(jumpbed, tmp_path, enc_key, ["h01"], ask=ask)
    try:
        r = (await ex.run("all", "ping", {})).results["h01"]
    finally:
        await ex.close()
    assert r.status == "ok", r
    assert [(a, w) for _, a, w in ask.asked] == [(0, None), (1, f"cannot decrypt {enc_key}: wrong passphrase")]


async def test_no_answer_fails_with_the_fix(jumpbed, enc_key, tmp_path, no_agent) -> None:
    ask = Asker(None)
    ex = _executor(jumpbed, tmp_path, enc_key, ["h01"], ask=ask)
    try:
        r = (await ex.run("all", "ping", {})).results["h01"]
    finally:
        await ex.close()
    assert r.status == "unreachable" and r.error_kind == "auth_failed", r
    assert f"key {enc_key} is encrypted with a passphrase and none was given" in r.msg, r.msg
    assert len(ask.asked) == 1


async def _agent_holds(agent: str, key: Path) -> None:
    client = await asyncssh.connect_agent(agent)
    try:
        await client.add_keys([asyncssh.read_private_key(str(key), PASS)])
    finally:
        client.close()


async def test_identity_agent_from_the_config_is_used_and_forwarded(jumpbed, enc_key, tmp_path, no_agent,
                                                                     agent) -> None:
    await _agent_holds(agent, enc_key)
    ask = Asker(PASS)
    ex = _executor(jumpbed, tmp_path, enc_key, ["h01"], ask=ask,
                   config=f"Host *\n  IdentityAgent {agent}\n  ForwardAgent yes\n")
    try:
        r = (await ex.run("all", "shell", {"cmd": "ssh-add -l"})).results["h01"]
    finally:
        await ex.close()
    assert ask.asked == []  # SSH_AUTH_SOCK is unset: only IdentityAgent could find the agent
    assert r.status == "changed" and "enc-test" in r.result["stdout"], r.result  # the forwarded agent


async def test_identity_agent_none_means_asking(jumpbed, enc_key, tmp_path, agent, monkeypatch) -> None:
    await _agent_holds(agent, enc_key)
    monkeypatch.setenv("SSH_AUTH_SOCK", agent)  # the agent holds the key, but the config says not to use it
    ask = Asker(PASS)
    ex = _executor(jumpbed, tmp_path, enc_key, ["h01"], ask=ask, config="Host *\n  IdentityAgent none\n")
    try:
        r = (await ex.run("all", "ping", {})).results["h01"]
    finally:
        await ex.close()
    assert r.status == "ok" and len(ask.asked) == 1, (r, ask.asked)


def test_cli_ask_key_pass_prompts_once(jumpbed, enc_key, tmp_path) -> None:
    import sys

    cfg = tmp_path / "ssh_config"
    cfg.write_text(f"Host *\n  UserKnownHostsFile {jumpbed.known_hosts}\n  IdentitiesOnly yes\n  IdentityAgent none\n")
    hosts = {n: {"ansible_host": jumpbed.hosts[n].address, "ansible_port": jumpbed.hosts[n].port,
                 "ansible_user": jumpbed.user, "ansible_ssh_common_args": f"-F {cfg}"} for n in ("h01", "bastion")}
    inv = tmp_path / "inv.json"
    inv.write_text(json.dumps({"all": {"hosts": hosts}}))
    state = tmp_path / "state"
    env = {k: v for k, v in os.environ.items() if k != "SSH_AUTH_SOCK"}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    argv = [sys.executable, "-m", "ftltui", "run", "all", "-m", "command", "-a", "echo unlocked", "-i", str(inv),
            "--private-key", str(enc_key), "--ask-key-pass", "--state-dir", str(state)]
    rc, out = cli_in_pty(argv, b"SSH key passphrase: ", PASS, env=env)
    assert rc == 0, out
    assert out.count("SSH key passphrase: ") == 1, out
    assert "h01 | CHANGED" in out and "bastion | CHANGED" in out and out.count("unlocked") >= 2, out
    assert PASS not in out  # getpass does not echo it
    for f in state.rglob("*") if state.exists() else []:
        if f.is_file():
            assert PASS.encode() not in f.read_bytes(), f
    rc, out = cli_in_pty(argv, b"SSH key passphrase: ", "wrong one", env=env)
    assert rc == 3, out  # UNREACHABLE! as in Ansible (auth_failed), saying why
    assert f"cannot decrypt {enc_key}: wrong passphrase" in out, out
    assert "wrong one" not in out


async def test_default_key_in_home_is_asked_for_too(jumpbed, enc_key, tmp_path, no_agent, monkeypatch) -> None:
    """No key named anywhere: ssh's default ~/.ssh/id_ed25519 is used, and unlocked when encrypted."""
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    shutil.copy(enc_key, home / ".ssh" / "id_ed25519")
    monkeypatch.setenv("HOME", str(home))
    ask = Asker(PASS)
    ex = _executor(jumpbed, tmp_path, enc_key, ["h01"], ask=ask)
    for h in ex.inventory.hosts.values():
        del h.vars["ansible_ssh_private_key_file"]
    try:
        r = (await ex.run("all", "ping", {})).results["h01"]
    finally:
        await ex.close()
    assert r.status == "ok", r
    assert ask.asked == [(str(home / ".ssh" / "id_ed25519"), 0, None)]


def test_cli_play_ask_key_pass(jumpbed, enc_key, tmp_path) -> None:
    import sys

    cfg = tmp_path / "ssh_config"
    cfg.write_text(f"Host *\n  UserKnownHostsFile {jumpbed.known_hosts}\n  IdentitiesOnly yes\n  IdentityAgent none\n")
    h = jumpbed.hosts["h01"]
    inv = tmp_path / "inv.json"
    inv.write_text(json.dumps({"all": {"hosts": {"h01": {
        "ansible_host": h.address, "ansible_port": h.port, "ansible_user": jumpbed.user,
        "ansible_ssh_private_key_file": str(enc_key), "ansible_ssh_common_args": f"-F {cfg}"}}}}))
    wf = tmp_path / "wf.yml"
    wf.write_text("name: keyed\nhosts: h01\nsteps:\n  - name: hello\n    module: command\n"
                  "    args:\n      argv: [echo, played-with-key]\n")
    env = {k: v for k, v in os.environ.items() if k != "SSH_AUTH_SOCK"}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    argv = [sys.executable, "-m", "ftltui", "play", str(wf), "-i", str(inv), "--ask-key-pass",
            "--state-dir", str(tmp_path / "state")]
    rc, out = cli_in_pty(argv, b"SSH key passphrase: ", PASS, env=env)
    assert rc == 0 and out.count("SSH key passphrase: ") == 1, out
    assert PASS not in out
