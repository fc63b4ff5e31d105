"""ssh config files and -o options, honoured as OpenSSH does, on the real bed.

Every test writes its own ssh config and points the inventory at it with ``-F`` (never the
machine's ~/.ssh). The internal hosts live in a namespace reachable only through the
bastion, so a host that answers proves its ProxyJump/ProxyCommand was used.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.ssh, pytest.mark.netns]


def _config(path: Path, bed: Any, blocks: str, *, known_hosts: Path | None = None, extra: str = "") -> Path:
    """An ssh config: the test's ``blocks`` first, then defaults for every host of the bed."""
    path.write_text(blocks + f"""
Host *
  User {bed.user}
  Port {bed.port}
  IdentityFile {bed.key}
  IdentitiesOnly yes
  IdentityAgent none
  UserKnownHostsFile {known_hosts or bed.known_hosts}
  BatchMode yes
{extra}""")
    return path


def _accepted(bed: Any, name: str, mark: int) -> int:
    """Logins the host's sshd accepted since byte ``mark`` of its log."""
    log = bed.host_dir(name) / "sshd.log"
    return log.read_bytes()[mark:].decode(errors="replace").count("Accepted publickey")


def _mark(bed: Any, name: str) -> int:
    return (bed.host_dir(name) / "sshd.log").stat().st_size


def _only_config(path: Path) -> dict[str, str]:
    return {"ansible_ssh_common_args": f"-F {path}"}


async def _wait_log(bed: Any, name: str, mark: int, n: int) -> int:
    import asyncio

    for _ in range(100):  # sshd writes the line right after auth; the run may be quicker
        got = _accepted(bed, name, mark)
        if got >= n:
            return got
        await asyncio.sleep(0.02)
    return _accepted(bed, name, mark)


async def test_config_proxyjump_shares_one_bastion_connection(jumpbed, make_executor, tmp_path: Path) -> None:
    b, i1, i2 = (jumpbed.hosts[n] for n in ("bastion", "internal-1", "internal-2"))
    cfg = _config(tmp_path / "ssh_config", jumpbed, f"""
Host gw
  HostName {b.address}
Host app1
  HostName {i1.address}
  ProxyJump gw
Host app2
  HostName {i2.address}
  ProxyJump gw
""")
    mark = _mark(jumpbed, "bastion")
    # the inventory knows the bastion by its own name; the config calls it gw: one connection
    ex = make_executor(jumpbed, ["bastion"], {"app1": {"ansible_host": "app1"}, "app2": {"ansible_host": "app2"}},
                       common=_only_config(cfg))
    res = await ex.run("all", "command", {"argv": ["hostname", "-I"]})
    got = {h: (r.status, r.result.get("stdout", "").split()) for h, r in res.results.items()}
    assert {h: s for h, (s, _) in got.items()} == dict.fromkeys(("bastion", "app1", "app2"), "changed"), got
    # internal-1 and -2 share one namespace (hostname -I lists both); the bastion is elsewhere
    assert b.address in got["bastion"][1] and i1.address not in got["bastion"][1]
    assert {i1.address, i2.address} <= set(got["app1"][1]) == set(got["app2"][1])
    pool = ex.runner_for(ex.inventory.hosts["app1"]).pool
    direct = [c for c in pool.connections() if len(c.chain) == 1 and c.target.address == b.address]
    assert len(direct) == 1 and direct[0].children == 2
    assert await _wait_log(jumpbed, "bastion", mark, 1) == 1  # sshd saw one login, not three


async def test_proxycommand_from_the_config(jumpbed, make_executor, tmp_path: Path) -> None:
    if shutil.which("ssh") is None:
        pytest.skip("the OpenSSH client is not installed")
    b, i1 = jumpbed.hosts["bastion"], jumpbed.hosts["internal-1"]
    cfg = tmp_path / "ssh_config"
    _config(cfg, jumpbed, f"""
Host gw
  HostName {b.address}
  StrictHostKeyChecking yes
Host app1
  HostName {i1.address}
  ProxyCommand ssh -F {cfg} -W %h:%p gw
""")
    ex = make_executor(jumpbed, [], {"app1": {"ansible_host": "app1"}}, common=_only_config(cfg))
    res = await ex.run("app1", "command", {"argv": ["hostname", "-I"]})
    r = res.results["app1"]
    assert r.status == "changed" and i1.address in r.result["stdout"].split(), r.result
    pool = ex.runner_for(ex.inventory.hosts["app1"]).pool
    assert [c.target.address for c in pool.connections()] == [i1.address]  # no pooled hop: the proxy did it


async def test_strict_yes_refuses_an_unknown_key(jumpbed, make_executor, tmp_path: Path) -> None:
    empty = tmp_path / "empty_known_hosts"
    empty.write_text("")
    cfg = _config(tmp_path / "ssh_config", jumpbed, "", known_hosts=empty, extra="  StrictHostKeyChecking yes\n")
    h = jumpbed.hosts["h01"]
    ex = make_executor(jumpbed, [], {"h": {"ansible_host": h.address}}, common=_only_config(cfg))
    r = (await ex.run("h", "ping", {})).results["h"]
    assert r.status == "unreachable" and r.error_kind == "host_key_rejected", r
    assert "unknown host key" in r.msg and str(empty) in r.msg, r.msg
    assert empty.read_text() == ""


async def test_option_beats_config_and_accept_new_writes_the_user_known_hosts_file(
        jumpbed, make_executor, tmp_path: Path) -> None:
    h = jumpbed.hosts["h01"]
    written = tmp_path / "kh" / "mine"
    cfg = _config(tmp_path / "ssh_config", jumpbed, "", known_hosts=written,
                  extra="  StrictHostKeyChecking accept-new\n")
    # -o StrictHostKeyChecking=yes comes first (command line), so it wins over the file
    ex = make_executor(jumpbed, [], {"h": {"ansible_host": h.address}},
                       common={"ansible_ssh_common_args": f"-o StrictHostKeyChecking=yes -F {cfg}"})
    r = (await ex.run("h", "ping", {})).results["h"]
    assert r.error_kind == "host_key_rejected", r
    assert not written.exists()
    ex2 = make_executor(jumpbed, [], {"h": {"ansible_host": h.address}}, common=_only_config(cfg))
    r = (await ex2.run("h", "ping", {})).results["h"]
    assert r.status == "ok", r
    assert written.read_text() == f"[{h.address}]:{h.port} {jumpbed.host_public_key('h01')}\n"


async def test_hash_known_hosts_writes_an_entry_openssh_finds(jumpbed, make_executor, tmp_path: Path) -> None:
    if shutil.which("ssh-keygen") is None:
        pytest.skip("ssh-keygen is not installed")
    h = jumpbed.hosts["h01"]
    kh = tmp_path / "known_hosts"
    cfg = _config(tmp_path / "ssh_config", jumpbed, "", known_hosts=kh,
                  extra="  StrictHostKeyChecking accept-new\n  HashKnownHosts yes\n")
    ex = make_executor(jumpbed, [], {"h": {"ansible_host": h.address}}, common=_only_config(cfg))
    assert (await ex.run("h", "ping", {})).results["h"].status == "ok"
    text = kh.read_text()
    assert text.startswith("|1|") and h.address not in text, text
    name = f"[{h.address}]:{h.port}"
    found = subprocess.run(["ssh-keygen", "-F", name, "-f", str(kh)], capture_output=True, text=True)
    assert found.returncode == 0 and jumpbed.host_public_key("h01").split()[1] in found.stdout, found
    # and the hashed entry is trusted next time, with unknown keys refused
    cfg2 = _config(tmp_path / "ssh_config2", jumpbed, "", known_hosts=kh, extra="  StrictHostKeyChecking yes\n")
    ex2 = make_executor(jumpbed, [], {"h": {"ansible_host": h.address}}, common=_only_config(cfg2))
    assert (await ex2.run("h", "ping", {})).results["h"].status == "ok"
    assert kh.read_text() == text


async def test_ciphers_from_options_and_config_are_used(jumpbed, make_executor, tmp_path: Path) -> None:
    h = jumpbed.hosts["h01"]
    cfg = _config(tmp_path / "ssh_config", jumpbed, "", extra="  Ciphers aes256-ctr\n  MACs hmac-sha2-512\n")
    ex = make_executor(jumpbed, [], {"by-config": {"ansible_host": h.address}}, common=_only_config(cfg))
    assert (await ex.run("all", "ping", {})).ok
    conn = ex.runner_for(ex.inventory.hosts["by-config"]).pool.connections()[0].conn
    assert (conn.get_extra_info("send_cipher"), conn.get_extra_info("send_mac")) == ("aes256-ctr", "hmac-sha2-512")
    ex2 = make_executor(jumpbed, [], {"by-option": {"ansible_host": h.address}}, common={
        "ansible_ssh_common_args": f"-o Ciphers=aes192-ctr -o KexAlgorithms=curve25519-sha256 -F {cfg}"})
    assert (await ex2.run("all", "ping", {})).ok
    conn = ex2.runner_for(ex2.inventory.hosts["by-option"]).pool.connections()[0].conn
    assert conn.get_extra_info("send_cipher") == "aes192-ctr"
    # a cipher this sshd does not offer: the option is really sent, the server refuses it
    ex3 = make_executor(jumpbed, [], {"cbc": {"ansible_host": h.address}}, common={
        "ansible_ssh_common_args": f"-o Ciphers=3des-cbc -F {cfg}"})
    r = (await ex3.run("all", "ping", {})).results["cbc"]
    assert r.status == "unreachable" and "No matching encryption algorithm found, sent 3des-cbc" in r.msg, r.msg


async def test_a_broken_config_line_names_file_and_line(jumpbed, make_executor, tmp_path: Path) -> None:
    cfg = tmp_path / "ssh_config"
    cfg.write_text("Host *\n  Port twenty-two\n")
    ex = make_executor(jumpbed, [], {"h": {"ansible_host": jumpbed.hosts["h01"].address}}, common=_only_config(cfg))
    r = (await ex.run("h", "ping", {})).results["h"]
    assert r.status == "failed", r
    assert f"{cfg} line 2" in r.msg and "twenty-two" in r.msg, r.msg


async def test_proxyjump_loop_is_an_error_not_a_hang(jumpbed, make_executor, tmp_path: Path) -> None:
    loop = "Host a\n  ProxyJump b\nHost b\n  ProxyJump a\nHost t\n  ProxyJump a\n"
    cfg = _config(tmp_path / "ssh_config", jumpbed, loop)
    ex = make_executor(jumpbed, [], {"t": {"ansible_host": "t"}}, common=_only_config(cfg))
    r = (await ex.run("t", "ping", {})).results["t"]
    assert r.status == "failed" and "ProxyJump loop" in r.msg, r
