"""The SSH pool at fleet scale: known_hosts parsed once per content, handshakes bounded."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import asyncssh
import pytest

from ftltui.engine.ssh import known_cache
from ftltui.engine.ssh import pool as pool_mod

pytestmark = pytest.mark.ssh


async def test_known_hosts_is_parsed_once_and_again_after_it_changes(sshbed, make_executor, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    kh = tmp_path / "known_hosts"
    kh.write_text(sshbed.known_hosts.read_text())
    reads: list[str] = []
    real = asyncssh.SSHKnownHosts.load

    def counting(self: asyncssh.SSHKnownHosts, text: str) -> None:
        if sys._getframe(1).f_globals["__name__"] == known_cache.__name__:  # the pool's cache, not
            reads.append(text)  # the host key policy explaining a mismatch
        return real(self, text)

    monkeypatch.setattr(asyncssh.SSHKnownHosts, "load", counting)
    bed_lines = f"]:{sshbed.port} "  # in the bed's known_hosts lines, not in a global file's
    names = sorted(n for n in sshbed.hosts if n.startswith("h"))
    common = {"ansible_ssh_common_args": f"-o UserKnownHostsFile={kh}"}
    res = await make_executor(sshbed, names, common=common).run("all", "ping", {})
    assert {h: r.status for h, r in res.results.items()} == {n: "ok" for n in names}
    assert [bed_lines in text for text in reads] == [True]  # one parse for every connection
    # h01's line now carries h02's key: the changed file is read again and h01 refused
    h01 = f"[{sshbed.hosts['h01'].address}]:{sshbed.port} "
    kh.write_text("".join(ln.split(" ", 1)[0] + " " + sshbed.host_public_key("h02") + "\n"
                          if ln.startswith(h01) else ln + "\n" for ln in kh.read_text().splitlines()))
    res = await make_executor(sshbed, names, common=common).run("all", "ping", {})
    assert res.results["h01"].status == "unreachable"
    assert "HOST KEY" in str(res.results["h01"].result.get("msg", "")).upper()
    assert all(res.results[n].status == "ok" for n in names if n != "h01")
    assert len([text for text in reads if bed_lines in text]) == 2


async def test_handshakes_in_flight_are_bounded(sshbed, make_executor, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pool_mod, "MAX_HANDSHAKES", 2)
    in_flight, peak = 0, 0
    real = asyncssh.connect

    async def tracking(*args: Any, **kwargs: Any) -> Any:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        try:
            await asyncio.sleep(0.05)  # hold the slot a moment, so unbounded attempts would overlap
            return await real(*args, **kwargs)
        finally:
            in_flight -= 1

    monkeypatch.setattr(asyncssh, "connect", tracking)
    names = sorted(n for n in sshbed.hosts if n.startswith("h"))
    res = await make_executor(sshbed, names).run("all", "ping", {})
    assert {r.status for r in res.results.values()} == {"ok"} and len(res.results) == len(names) == 5
    assert peak == 2
