"""Unexpected host errors and passphrase-protected keys (issue 12, defect 5).

An exception no layer classified used to make its host ``cancelled`` with the message
dropped. A real SSH server (asyncssh, on a loopback port this test opens) accepts only
one client key; that key is given in the inventory encrypted with a passphrase, and a
real ``ssh-agent`` started by the test holds it, or not.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncssh
import pytest
from sshagent import ssh_agent

from ftltui.engine.executor import Executor
from ftltui.inventory import load_inventory


def _run(tmp_path: Path, hosts: dict[str, dict[str, Any]], module: str = "raw",
         args: dict[str, Any] | None = None):
    inv = tmp_path / "inv.json"
    inv.write_text(json.dumps({"all": {"hosts": hosts}}))

    async def go():
        ex = Executor(load_inventory([str(inv)]))
        try:
            return await asyncio.wait_for(ex.run("all", module, args if args is not None else {"cmd": "hello"}), 60)
        finally:
            await ex.close()

    return go()


async def test_an_unexpected_exception_fails_the_host_with_its_message(tmp_path: Path) -> None:
    """``ansible_port: abc`` reaches ``int()`` in the SSH runner (a ValueError nobody
    classifies); the host is failed, says why, and the other host is not affected."""
    res = await _run(tmp_path, {"odd": {"ansible_host": "127.0.0.1", "ansible_port": "abc"},
                                "fine": {"ansible_connection": "local"}}, "ping", {})
    r = res.results["odd"]
    assert r.status == "failed" and r.error_kind == "internal", r
    assert "ValueError" in r.msg and "'abc'" in r.msg and r.msg.startswith("odd:"), r.msg
    assert r.result["failed"] is True
    assert res.results["fine"].status == "ok"
    assert not res.cancelled and res.exit_code == 2


# -- a real SSH server that accepts one key ------------------------------------------------


class _Server(asyncssh.SSHServer):
    pass


def _answer(process: asyncssh.SSHServerProcess) -> None:
    process.stdout.write(f"ran {process.command}\n")
    process.exit(0)


@pytest.fixture
def user_key(tmp_path: Path) -> asyncssh.SSHKey:
    return asyncssh.generate_private_key("ssh-ed25519", comment="ftl-test")


@pytest.fixture
async def server(tmp_path: Path, user_key: asyncssh.SSHKey) -> AsyncIterator[dict[str, Any]]:
    host_key = asyncssh.generate_private_key("ssh-ed25519")
    auth = tmp_path / "authorized_keys"
    auth.write_bytes(user_key.export_public_key())
    srv = await asyncssh.create_server(_Server, "127.0.0.1", 0, server_host_keys=[host_key],
                                       authorized_client_keys=str(auth), process_factory=_answer)
    port = srv.sockets[0].getsockname()[1]
    kh = tmp_path / "known_hosts"
    kh.write_text(f"[127.0.0.1]:{port} {host_key.export_public_key().decode().strip()}\n")
    yield {"ansible_host": "127.0.0.1", "ansible_port": port, "ansible_user": "tester", "ansible_timeout": 5,
           "ansible_ssh_common_args": f"-o UserKnownHostsFile={kh}"}
    srv.close()
    await srv.wait_closed()


@pytest.fixture
def encrypted_key(tmp_path: Path, user_key: asyncssh.SSHKey) -> Path:
    """The server's key, encrypted (PKCS#8, so asyncssh can write it without bcrypt);
    no ``.pub`` beside it, as after ``ssh-keygen`` when the .pub was not copied."""
    path = tmp_path / "id_enc"
    user_key.write_private_key(str(path), format_name="pkcs8-pem", passphrase="s3cret-pass")
    path.chmod(0o600)
    return path


@pytest.fixture
def agent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A real ssh-agent on a socket in tmp_path, as SSH_AUTH_SOCK."""
    with ssh_agent(tmp_path / "agent.sock") as sock:
        monkeypatch.setenv("SSH_AUTH_SOCK", sock)
        yield sock


async def _add_to_agent(sock: str, key: asyncssh.SSHKey) -> None:
    agent = await asyncssh.connect_agent(sock)
    try:
        await agent.add_keys([key])
    finally:
        agent.close()


async def test_the_test_server_accepts_the_plain_key(tmp_path: Path, server, user_key, monkeypatch) -> None:
    """The control: the same key unencrypted logs in (so the failures below are the passphrase)."""
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    plain = tmp_path / "id_plain"
    user_key.write_private_key(str(plain))
    res = await _run(tmp_path, {"h": {**server, "ansible_ssh_private_key_file": str(plain)}})
    assert res.results["h"].status == "changed", res.results["h"]
    assert res.results["h"].result["stdout_lines"] == ["ran hello"]


async def test_encrypted_key_without_agent_fails_with_the_fix(tmp_path: Path, server, encrypted_key,
                                                               monkeypatch) -> None:
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    res = await _run(tmp_path, {"h": {**server, "ansible_ssh_private_key_file": str(encrypted_key)}})
    r = res.results["h"]
    assert r.status == "unreachable" and r.error_kind == "auth_failed", r  # as Ansible shows it
    assert f"key {encrypted_key} is encrypted with a passphrase" in r.msg, r.msg
    assert "SSH_AUTH_SOCK is not set" in r.msg and f"ssh-add {encrypted_key}" in r.msg, r.msg
    assert "s3cret" not in json.dumps(r.to_dict())


async def test_encrypted_key_not_in_the_agent_says_so(tmp_path: Path, server, encrypted_key, agent) -> None:
    await _add_to_agent(agent, asyncssh.generate_private_key("ssh-ed25519"))  # some other key
    res = await _run(tmp_path, {"h": {**server, "ansible_ssh_private_key_file": str(encrypted_key)}})
    r = res.results["h"]
    assert r.status == "unreachable" and r.error_kind == "auth_failed", r  # as Ansible shows it
    assert "is encrypted with a passphrase and the ssh-agent does not hold it" in r.msg, r.msg


@pytest.mark.parametrize("maker", ["asyncssh-pkcs8", "ssh-keygen"])
async def test_encrypted_key_held_by_the_agent_is_used_through_it(tmp_path: Path, server, user_key, agent,
                                                                   maker: str) -> None:
    if maker == "ssh-keygen":  # the OpenSSH format users have (bcrypt KDF), made by OpenSSH itself
        if shutil.which("ssh-keygen") is None:
            pytest.skip("ssh-keygen is not installed")
        path = tmp_path / "id_kg"
        user_key.write_private_key(str(path))
        path.chmod(0o600)
        subprocess.run(["ssh-keygen", "-q", "-p", "-N", "s3cret-pass", "-f", str(path)], check=True,
                       stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        with pytest.raises(asyncssh.KeyImportError, match="Passphrase"):
            asyncssh.read_private_key(str(path))
    else:
        path = tmp_path / "id_p8"
        user_key.write_private_key(str(path), format_name="pkcs8-pem", passphrase="s3cret-pass")
        user_key.write_public_key(str(path) + ".pub")
    await _add_to_agent(agent, user_key)
    res = await _run(tmp_path, {"h": {**server, "ansible_ssh_private_key_file": str(path)}})
    r = res.results["h"]
    assert r.status == "changed", r
    assert r.result["stdout_lines"] == ["ran hello"]


def test_public_key_of_an_encrypted_openssh_key_is_read_without_the_passphrase(tmp_path: Path) -> None:
    from ftltui.engine.ssh.keys import public_blob

    if shutil.which("ssh-keygen") is None:
        pytest.skip("ssh-keygen is not installed")
    path = tmp_path / "k"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "pw", "-f", str(path)], check=True)
    expected = asyncssh.read_public_key(str(path) + ".pub").public_data
    os.unlink(str(path) + ".pub")
    assert public_blob(str(path)) == expected
