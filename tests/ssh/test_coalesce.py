"""Fewer TCP writes per SSH message (ftltui/engine/ssh/coalesce.py, issue 17).

asyncssh sends an empty IGNORE packet before every packet after the key exchange, each a
``send()`` of its own; the pool's direct connector gathers a loop turn's writes into one.
These tests count, on the real test bed, SSH packets against TCP writes.
"""

from __future__ import annotations

import asyncio
from asyncio import selector_events
from pathlib import Path
from typing import Any

import asyncssh.packet as sshpacket
import pytest
from asyncssh.constants import MSG_IGNORE

from ftltui.engine.ssh import pool as pool_mod
from ftltui.engine.ssh.coalesce import CoalescingTransport, DirectTcp
from ftltui.engine.ssh.pool import Endpoint

pytestmark = pytest.mark.ssh


async def test_no_ignore_packets_and_fewer_tcp_writes_than_ssh_packets(sshbed, make_executor,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    packets, writes, ignores = 0, 0, 0
    # counted where asyncssh logs each packet it sent: wrapping send_packet itself would change
    # its signature, and asyncssh_guard would (rightly) leave such a class unpatched
    real_packet = sshpacket.SSHPacketLogger.log_sent_packet
    real_write = selector_events._SelectorSocketTransport.write

    def count_packet(self: Any, pkttype: int, *args: Any, **kwargs: Any) -> None:
        nonlocal packets, ignores
        packets += 1
        ignores += pkttype == MSG_IGNORE
        return real_packet(self, pkttype, *args, **kwargs)

    def count_write(self: Any, data: Any) -> None:
        nonlocal writes
        writes += 1
        return real_write(self, data)

    monkeypatch.setattr(sshpacket.SSHPacketLogger, "log_sent_packet", count_packet)
    monkeypatch.setattr(selector_events._SelectorSocketTransport, "write", count_write)
    names = sorted(n for n in sshbed.hosts if n.startswith("h"))[:3]
    ex = make_executor(sshbed, names)
    assert {h: r.status for h, r in (await ex.run("all", "ping", {})).results.items()} == {n: "ok" for n in names}
    res = await ex.run("all", "command", {"cmd": "echo hello"})
    assert {h: r.result.get("stdout") for h, r in res.results.items()} == {n: "hello" for n in names}
    await ex.close()
    # without the connector: one write per packet (plus the version line), an empty IGNORE
    # packet before each packet after kex (AES-GCM needs none): 21 writes per host for these
    # two tasks and 7 more to close; with it, no IGNORE and a loop turn's packets in one write
    assert ignores == 0
    assert packets >= 10 * len(names)
    assert writes <= 0.8 * packets, (writes, packets)


async def test_writes_of_one_loop_turn_leave_as_one_in_order() -> None:
    received = bytearray()
    done = asyncio.Event()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        received.extend(await reader.read(-1))
        done.set()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    raw_writes: list[bytes] = []

    class Sink(asyncio.Protocol):
        def __init__(self) -> None:
            self._auth_complete = True  # what coalesce waits for (asyncssh_guard checks __init__ sets it)

        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            self.transport = transport

    transport, proto = await DirectTcp().create_connection(Sink, "127.0.0.1", port)
    assert isinstance(transport, CoalescingTransport) and proto.transport is transport
    real = transport._raw.write
    transport._raw.write = lambda data: (raw_writes.append(bytes(data)), real(data))[1]  # type: ignore[method-assign]
    transport.write(b"one ")
    transport.write(b"two ")
    assert raw_writes == []  # gathered until the end of this turn
    await asyncio.sleep(0)
    transport.write(b"three")
    transport.close()  # writes what is gathered before closing
    await asyncio.wait_for(done.wait(), 10)
    server.close()
    assert raw_writes == [b"one two ", b"three"]
    assert bytes(received) == b"one two three"


def test_proxy_command_bind_address_and_family_keep_asyncssh_connect() -> None:
    ep = Endpoint(name="h", address="127.0.0.1")
    assert isinstance(pool_mod._direct(ep), DirectTcp)
    assert pool_mod._direct(Endpoint(name="h", address="x", proxy_command="nc %h %p")) is None
    assert pool_mod._direct(Endpoint(name="h", address="x", extra=(("local_addr", ("127.0.0.1", 0)),))) is None
    assert pool_mod._direct(Endpoint(name="h", address="x", extra=(("family", 2),))) is None


async def test_the_gate_replaces_the_login_shell(sshbed, make_executor) -> None:
    """``exec`` in front of the bootstrap: no shell process waits beside each gate."""
    ex = make_executor(sshbed, ["h01"])
    assert (await ex.run("all", "ping", {})).ok
    runner: Any = ex.runner_for(ex.inventory.hosts["h01"])
    gate = runner.pool.connections()[0].gate
    stat = Path(f"/proc/{gate.pid}/stat").read_text().rsplit(")", 1)[1].split()
    parent = Path(f"/proc/{stat[1]}/comm").read_text().strip()
    assert parent.startswith("sshd"), parent  # without exec: sh (dash keeps the -c line's shell)


async def test_an_idle_gate_sets_no_timer(sshbed, make_executor, monkeypatch: pytest.MonkeyPatch) -> None:
    """The watchdog's timer runs only while requests are pending (1,000 idle gates woke 200 times
    a second); it is a timer on the loop, not a task of its own per gate."""
    loop = asyncio.get_running_loop()
    real_call_later = loop.call_later
    ticks = 0

    def counting(delay: float, callback: Any, *args: Any, **kw: Any) -> Any:
        nonlocal ticks
        if getattr(callback, "__name__", "") == "_watchdog" and "GateClient" in type(
                getattr(callback, "__self__", None)).__name__:
            ticks += 1
        return real_call_later(delay, callback, *args, **kw)

    ex = make_executor(sshbed, ["h01"], ssh_options={"gate_ping_interval": 0.05, "gate_hang_timeout": 5.0})
    assert (await ex.run("all", "ping", {})).ok
    tasks = len(asyncio.all_tasks())
    await asyncio.sleep(0.2)  # the watchdog's timer begun with the ping fires, finds nothing pending
    monkeypatch.setattr(loop, "call_later", counting)
    await asyncio.sleep(0.5)  # ten ping intervals with nothing to watch
    assert ticks == 0
    assert (await ex.run("all", "command", {"cmd": "sleep 0.3"})).ok  # watched while it runs
    assert ticks >= 2
    assert len(asyncio.all_tasks()) <= tasks  # no watchdog task was left behind


async def test_an_upload_writes_each_chunk_frame_once(sshbed, make_executor, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Header and bytes of a chunk frame in one channel write (a 9-byte SSH packet per chunk before)."""
    import asyncssh.channel as sshchannel

    from ftltui.gate.frames import CHUNK

    src = tmp_path / "blob.bin"
    src.write_bytes(bytes(range(256)) * (3 * CHUNK // 256) + b"tail")
    ex = make_executor(sshbed, ["h01"])
    runner: Any = ex.runner_for(ex.inventory.hosts["h01"])
    gate = await runner.gate(ex.inventory.hosts["h01"])
    sizes: list[int] = []
    real = sshchannel.SSHChannel.write

    def recording(self: Any, data: Any, datatype: Any = None) -> None:
        sizes.append(len(data))
        return real(self, data, datatype)

    monkeypatch.setattr(sshchannel.SSHChannel, "write", recording)
    result = await gate.put(str(src))
    monkeypatch.setattr(sshchannel.SSHChannel, "write", real)
    assert result["size"] == src.stat().st_size
    assert Path(result["path"]).read_bytes() == src.read_bytes()  # the bed's hosts share this filesystem
    assert len(sizes) == 1 + 4, sizes  # the put request, then four chunk frames
    assert min(sizes[1:]) > 9
