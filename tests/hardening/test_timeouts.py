"""Every place a peer can stall has a configurable timeout: connect/handshake/auth here
(a TCP peer that accepts and then says nothing, or only a banner); gate hello, gate
silence and per-request in test_hostile_gate.py."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from ftltui.engine.executor import Executor
from ftltui.inventory import load_inventory


async def _run_against(tmp_path: Path, name: str, port: int) -> dict:
    """Ping ``name`` (127.0.0.1:port, ansible_timeout 1 s) beside a local host; both results."""
    inv = tmp_path / "inv.json"
    inv.write_text(json.dumps({"all": {"hosts": {
        name: {"ansible_host": "127.0.0.1", "ansible_port": port, "ansible_timeout": 1,
               "ansible_user": "nobody", "ansible_ssh_common_args": f"-o UserKnownHostsFile={tmp_path}/kh"},
        "fine": {"ansible_connection": "local"}}}}))
    ex = Executor(load_inventory([str(inv)]))
    try:
        res = await asyncio.wait_for(ex.run("all", "ping", {}), 30)
    finally:
        await ex.close()
    return res.results

@pytest.mark.parametrize("greeting", [b"", b"SSH-2.0-OpenSSH_9.6\r\n"], ids=["silent", "banner-then-stall"])
async def test_stalled_ssh_peer_times_out_at_the_configured_connect_timeout(tmp_path: Path, greeting: bytes) -> None:
    held: list[asyncio.StreamWriter] = []

    async def stall(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(greeting)
        held.append(writer)  # keep the connection open, never answer

    server = await asyncio.start_server(stall, "127.0.0.1", 0)
    try:
        results = await _run_against(tmp_path, "staller", server.sockets[0].getsockname()[1])
    finally:
        for w in held:
            w.close()
        server.close()
    assert results["fine"].status == "ok"
    r = results["staller"]
    assert r.status == "unreachable" and r.error_kind == "unreachable", r.result
    assert "timed out" in r.msg and "after 1s" in r.msg and "staller" in r.msg, r.msg


async def test_auth_stall_times_out_at_the_configured_timeout(tmp_path: Path) -> None:
    """A server that completes key exchange and then never answers the auth request."""
    import asyncssh

    class StallAuth(asyncssh.SSHServer):
        def begin_auth(self, username: str):  # asyncssh awaits an awaitable result here
            return asyncio.sleep(3600, result=True)

    key = asyncssh.generate_private_key("ssh-ed25519")
    server = await asyncssh.create_server(StallAuth, "127.0.0.1", 0, server_host_keys=[key])
    port = server.sockets[0].getsockname()[1]
    (tmp_path / "kh").write_text(f"[127.0.0.1]:{port} {key.export_public_key().decode().strip()}\n")
    try:
        results = await _run_against(tmp_path, "authstall", port)
    finally:
        server.close()
    assert results["fine"].status == "ok"
    r = results["authstall"]
    assert r.status == "unreachable", r.result
    assert "timed out" in r.msg and "authstall" in r.msg, r.msg
