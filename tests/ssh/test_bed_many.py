"""The many-hosts bed (tests/testbed_many.py): K hosts over several sshd, each a real endpoint."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator

import pytest

import testbed
from testbed_many import ManyTestBed, host_address

pytestmark = pytest.mark.ssh


@pytest.fixture(scope="module")
def manybed() -> Iterator[ManyTestBed]:
    """40 hosts over 3 sshd (16 + 16 + 8 listening addresses)."""
    if os.geteuid() != 0 or not os.path.exists("/usr/sbin/sshd"):
        pytest.skip("the SSH test bed needs root and openssh-server")
    root = tempfile.mkdtemp(prefix="ftl-testbed-many-")
    try:
        bed = ManyTestBed(root).up(40)
    except testbed.TestBedError as exc:
        pytest.fail(f"test bed did not start: {exc}")
    try:
        yield bed
    finally:
        bed.down()
        shutil.rmtree(root, ignore_errors=True)


def test_forty_hosts_on_three_sshd_with_their_own_addresses(manybed: ManyTestBed) -> None:
    assert len(manybed.hosts) == 40
    assert {s: len(hs) for s, hs in manybed.sshds.items()} == {"s000": 16, "s001": 16, "s002": 8}
    pids = {h.pid for h in manybed.hosts.values()}
    assert len(pids) == 3 and all(os.path.exists(f"/proc/{p}") for p in pids)
    addrs = [h.address for h in manybed.hosts.values()]
    assert len(set(addrs)) == 40 and addrs[0] == host_address(1) == "127.1.0.2"
    assert host_address(251) == "127.1.1.2"  # 250 per /24: never .0, .1 or .255
    # known_hosts names each endpoint with its own sshd's key; the inventory has every host
    kh = manybed.known_hosts.read_text().splitlines()
    assert len(kh) == 40 and kh[0].startswith(f"[127.1.0.2]:{manybed.port} ssh-ed25519 ")
    assert kh[0].split()[2] != kh[-1].split()[2]  # h01 (s000) and h40 (s002): different sshd keys
    inv = manybed.inventory.read_text()
    assert all(f"        {n}: " in inv for n in manybed.hosts)


async def test_a_run_reaches_every_host(manybed: ManyTestBed, make_executor) -> None:
    ex = make_executor(manybed, list(manybed.hosts))
    res = await ex.run("all", "command", {"argv": ["sh", "-c", "echo $SSH_CONNECTION"]})
    assert len(res.results) == 40
    bad = {h: r.result for h, r in res.results.items() if r.status not in ("ok", "changed")}
    assert not bad
    # each host's session arrived on that host's own address and the bed's port
    for name, r in res.results.items():
        server_addr, server_port = r.result["stdout"].split()[2:4]
        assert (server_addr, int(server_port)) == (manybed.hosts[name].address, manybed.port)


def test_state_survives_attach(manybed: ManyTestBed) -> None:
    again = ManyTestBed.attach(manybed.root)
    assert again.sshds == manybed.sshds and again.port == manybed.port
    assert again.sshd_of("h17") == "s001"
