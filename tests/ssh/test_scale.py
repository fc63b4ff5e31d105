"""50 hosts in one run over real sshd."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.ssh


async def test_fifty_hosts_one_run(bigbed, make_executor) -> None:
    ex = make_executor(bigbed, list(bigbed.hosts))
    res = await ex.run("all", "ping", {})
    assert len(res.results) == 50
    bad = {h: r.result for h, r in res.results.items() if r.status != "ok"}
    assert not bad
    res = await ex.run("all", "command", {"argv": ["id", "-un"]})
    assert {r.result["stdout"] for r in res.results.values()} == {"ftltest"}
