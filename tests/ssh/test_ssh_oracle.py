"""The settings ftl-tui connects with are the ones Ansible + OpenSSH would use.

Oracle, no network: ``ansible`` runs each host with ``ansible_ssh_executable`` pointing at
a stub that records the command line Ansible built and exits 255 (unreachable); that
command line is then given to OpenSSH's ``ssh -G`` (print the effective configuration and
exit). ftl-tui's resolver, fed the same inventory and ssh config, must agree on the
hostname, user, port, jump hosts, proxy command, host key checking, known_hosts files,
HashKnownHosts, IdentitiesOnly, ForwardAgent and IdentityAgent.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from ftltui.engine.ssh.endpoints import EndpointResolver
from ftltui.inventory import load_inventory

STUB = """#!{python}
import json, os, sys
with open({log!r}, "a") as f:
    f.write(json.dumps(sys.argv) + "\\n")
sys.exit(255)
"""  # one copy per host, named after it: several hosts share an ansible_host

CONFIG = """
Host a-cfg-user
  HostName 198.18.250.1
  User cfguser
  Port 2201
Host a-jump
  HostName 198.18.250.2
  ProxyJump gw1,gw2
Host a-proxycmd
  HostName 198.18.250.3
  ProxyCommand nc -w 5 %h %p
Host a-proxy-order
  ProxyCommand nc %h %p
  ProxyJump gw3
Host a-strict
  StrictHostKeyChecking yes
  UserKnownHostsFile {tmp}/kh1 {tmp}/kh2
  GlobalKnownHostsFile {tmp}/global
  HashKnownHosts yes
Host a-agent
  IdentitiesOnly yes
  IdentityAgent {tmp}/agent.sock
  ForwardAgent yes
Host a-kh-tokens
  UserKnownHostsFile ~/kh_%h_%p {tmp}/kh_%r
Host *
  User defaultuser
  StrictHostKeyChecking accept-new
"""

# inventory name -> host vars (every host: the config via -F, a fixed timeout)
CASES: dict[str, dict[str, Any]] = {
    "cfg-user": {"ansible_host": "a-cfg-user"},
    "inv-user-beats-cfg": {"ansible_host": "a-cfg-user", "ansible_user": "invuser", "ansible_port": 2299},
    "common-user-loses-to-inv": {"ansible_host": "a-cfg-user", "ansible_user": "invuser",
                                 "common": "-o User=commonuser -o Port=2300"},
    "common-user-beats-cfg": {"ansible_host": "a-cfg-user", "common": "-o User=commonuser -o Port=2300"},
    "ssh-args-beat-inv": {"ansible_host": "a-cfg-user", "ansible_user": "invuser",
                          "ansible_ssh_args": "-C -o ControlMaster=auto -o User=argsuser"},
    "jump-from-cfg": {"ansible_host": "a-jump"},
    "jump-none-in-extra": {"ansible_host": "a-jump", "extra": "-o ProxyJump=none"},
    "jump-J-in-extra": {"ansible_host": "a-cfg-user", "extra": "-J jx"},
    "proxycommand": {"ansible_host": "a-proxycmd"},
    "proxy-first-wins": {"ansible_host": "a-proxy-order"},
    "strict-from-cfg": {"ansible_host": "a-strict"},
    "hkc-false-beats-cfg": {"ansible_host": "a-strict", "ansible_host_key_checking": False},
    "common-strict-beats-cfg": {"ansible_host": "a-strict", "common": "-o StrictHostKeyChecking=no"},
    "agent": {"ansible_host": "a-agent"},
    "pattern-is-ansible-host-not-name": {"ansible_host": "198.18.250.7"},
    "a-cfg-user": {},  # no ansible_host: the name is the address, so Host a-cfg-user matches
    "kh-tokens": {"ansible_host": "a-kh-tokens", "ansible_user": "tok"},
    "proxycommand-option": {"ansible_host": "a-cfg-user", "common": "-o 'ProxyCommand=nc -q0 %h %p'"},
    "option-beats-cfg-proxyjump": {"ansible_host": "a-jump", "extra": "-o 'ProxyCommand nc %h %p'"},
    "forward-agent-flag": {"ansible_host": "a-cfg-user", "extra": "-A -o IdentitiesOnly=yes"},
}


def _inventory(tmp: Path, cfg: Path) -> dict[str, Any]:
    hosts = {}
    for name, v in CASES.items():
        v = dict(v)
        common = f"-F {cfg} " + v.pop("common", "")
        extra = v.pop("extra", "")
        hosts[name] = {**v, "ansible_ssh_common_args": common.strip(), "ansible_timeout": 7,
                       "ansible_ssh_executable": str(tmp / "stubs" / name),
                       **({"ansible_ssh_extra_args": extra} if extra else {})}
    return {"all": {"hosts": hosts}}


def _ansible_command_lines(tmp: Path, inv: Path) -> dict[str, list[str]]:
    log = tmp / "argv.jsonl"
    (tmp / "stubs").mkdir()
    for name in CASES:
        stub = tmp / "stubs" / name
        stub.write_text(STUB.format(python=sys.executable, log=str(log)))
        stub.chmod(0o755)
    env = {**os.environ, "ANSIBLE_HOME": str(tmp / "ah"), "ANSIBLE_LOCAL_TEMP": str(tmp / "lt"),
           "ANSIBLE_SSH_CONTROL_PATH_DIR": str(tmp / "cp"), "ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORKS": "4"}
    subprocess.run(["ansible", "all", "-i", str(inv), "-m", "ping"], env=env, capture_output=True, text=True,
                   timeout=120)
    out: dict[str, list[str]] = {}
    for line in log.read_text().splitlines():
        argv = json.loads(line)
        out.setdefault(Path(argv[0]).name, argv)
    return out


def _ssh_g(argv: list[str]) -> dict[str, str]:
    shown = subprocess.run(["ssh", "-G", *argv[1:-1]], capture_output=True, text=True, timeout=30,
                           stdin=subprocess.DEVNULL)
    assert shown.returncode == 0, shown.stderr
    values: dict[str, str] = {}
    for line in shown.stdout.splitlines():
        key, _, value = line.partition(" ")
        values.setdefault(key, value)
    return values


@pytest.fixture(scope="module")
def oracle(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, dict[str, str]]]:
    if shutil.which("ansible") is None or shutil.which("ssh") is None:
        pytest.skip("needs ansible-core and the OpenSSH client")
    tmp = tmp_path_factory.mktemp("sshoracle")
    cfg = tmp / "ssh_config"
    cfg.write_text(CONFIG.format(tmp=tmp))
    inv = tmp / "inventory.yml"
    inv.write_text(yaml.safe_dump(_inventory(tmp, cfg)))  # (also names each host's stub)
    lines = _ansible_command_lines(tmp, inv)
    by_name = {}
    for name in CASES:
        assert name in lines, f"ansible did not try {name}: {sorted(lines)}"
        by_name[name] = _ssh_g(lines[name])
    return inv, by_name


@pytest.mark.parametrize("name", list(CASES))
def test_resolved_like_ansible_and_openssh(oracle, name: str) -> None:
    inv, expected = oracle
    g = expected[name]
    host = load_inventory([str(inv)]).hosts[name]
    chain = EndpointResolver(inventory=None).chain(host)
    ep, hops = chain[-1], chain[:-1]
    mine = {
        "hostname": ep.address, "user": ep.user, "port": str(ep.port),
        "proxyjump": ",".join(h.name for h in hops) or None,
        "proxycommand": ep.proxy_command,
        "stricthostkeychecking": "accept" if ep.accept_new else "refuse",
        "hashknownhosts": "yes" if ep.hash_known_hosts else "no",
        "identitiesonly": "yes" if ep.identities_only else "no",
        "forwardagent": "yes" if ep.forward_agent is True else "no",
        "connecttimeout": str(int(ep.connect_timeout)),
    }
    theirs = {
        "hostname": g["hostname"], "user": g["user"], "port": g["port"],
        "proxyjump": g.get("proxyjump"),
        "proxycommand": (g["proxycommand"].replace("%h", g["hostname"]).replace("%p", g["port"])
                         if "proxycommand" in g else None),
        # OpenSSH: true/ask refuse an unknown key without a terminal; false and accept-new take it
        "stricthostkeychecking": "accept" if g["stricthostkeychecking"] in ("false", "accept-new") else "refuse",
        "hashknownhosts": g["hashknownhosts"], "identitiesonly": g["identitiesonly"],
        "forwardagent": g["forwardagent"], "connecttimeout": g["connecttimeout"],
    }
    assert mine == theirs
    if CASES[name].get("ansible_host") in ("a-strict", "a-kh-tokens"):  # files set by the config: the same
        assert " ".join(ep.known_hosts_files or ()) == g["userknownhostsfile"]
        assert " ".join(ep.global_known_hosts) == g["globalknownhostsfile"]
        assert ep.known_hosts == g["userknownhostsfile"].split()[0]  # new keys go to the first
    if "identityagent" in g and g["identityagent"] != "none" and CASES[name].get("ansible_host") == "a-agent":
        assert ep.agent_path == g["identityagent"]
