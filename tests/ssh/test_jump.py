"""Jump hosts in network namespaces: the internal host is reachable only through the bastion."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.ssh, pytest.mark.netns]


async def test_direct_fails_jump_works_bastion_shared(jumpbed, make_executor) -> None:
    ex = make_executor(jumpbed, ["bastion", "internal-1", "internal-2"],
                       {"internal-direct": dict(jumpbed.host_vars("internal-1"), ftl_jump_hosts=[],
                                                ansible_timeout=3)})
    res = await ex.run("all", "ping", {})
    st = {h: r.status for h, r in res.results.items()}
    assert st == {"bastion": "ok", "internal-1": "ok", "internal-2": "ok", "internal-direct": "unreachable"}
    assert "internal-direct" in res.results["internal-direct"].msg
    runner = ex.runner_for(ex.inventory.hosts["internal-1"])
    bastion_conns = [c for c in runner.pool.connections() if c.target.name == "bastion" and len(c.chain) == 1]
    assert len(bastion_conns) == 1 and bastion_conns[0].children == 2


async def test_three_hop_chain(jumpbed, make_executor) -> None:
    ex = make_executor(jumpbed, ["deep", "bastion", "internal-1"])  # hops resolve through the inventory
    res = await ex.run("deep", "command", {"argv": ["hostname", "-I"]})
    r = res.results["deep"]
    assert r.status == "changed", r.result
    assert r.result["stdout"].split() == [jumpbed.hosts["deep"].address]


async def test_proxyjump_option_and_hop_error_names_the_hop(jumpbed, make_executor) -> None:
    b = jumpbed.hosts["bastion"]
    i1 = jumpbed.hosts["internal-1"]
    via_option = dict(jumpbed.host_vars("internal-1"), ftl_jump_hosts=[],
                      ansible_ssh_extra_args=f"-o ProxyJump=ftltest@{b.address}:{b.port}")
    closed_port = dict(jumpbed.host_vars("internal-1"), ansible_port=1)  # bastion may not forward there
    ex = make_executor(jumpbed, ["bastion"], {"via-option": via_option, "bad-port": closed_port})
    res = await ex.run("via-option,bad-port", "ping", {})
    assert res.results["via-option"].status == "ok", res.results["via-option"].result
    bad = res.results["bad-port"]
    assert bad.status == "unreachable"
    assert bad.msg.startswith("bastion reached, bad-port refused"), bad.msg
    assert i1.address in bad.msg
