"""The asyncssh patches step aside when asyncssh is not the one they were written for (issue 17).

coalesce.py drops the empty IGNORE packet asyncssh puts before each packet (AEAD ciphers) and
gathers writes once authenticated; ssh_config.py hands asyncssh's config parser a caching
``shlex``. All three lean on asyncssh internals; ``asyncssh_guard`` checks them, and when the
check fails the connection must run exactly as asyncssh alone would (an IGNORE per packet, a
write per packet) and still work. These tests connect to the real sshd test bed through the
pool's connector (``DIRECT_TCP``) with a patched-out version and with a reworked connection
class (a real ``SSHClientConnection`` subclass), and count packets and TCP writes.
"""

from __future__ import annotations

import logging
import shlex
import types
from asyncio import selector_events
from dataclasses import dataclass
from typing import Any

import asyncssh
import asyncssh.config
import asyncssh.connection as sshconn
import asyncssh.packet
import pytest
from asyncssh.constants import MSG_IGNORE

from ftltui.engine.ssh import asyncssh_guard, ssh_config
from ftltui.engine.ssh.coalesce import DIRECT_TCP

pytestmark = pytest.mark.ssh

AEAD = ["aes128-gcm@openssh.com", "chacha20-poly1305@openssh.com"]


@dataclass
class Counts:
    packets: int = 0
    ignores: int = 0
    writes: int = 0
    stdout: str = ""


@pytest.fixture
def fresh_guard(monkeypatch: pytest.MonkeyPatch) -> None:
    """Checks made again for this test (they are cached per class), and logged again."""
    monkeypatch.setattr(asyncssh_guard, "_CACHE", {})
    monkeypatch.setattr(asyncssh_guard, "_logged", set())


async def _run_echo(bed: Any, monkeypatch: pytest.MonkeyPatch) -> Counts:
    """One real connection through the pool's connector, ``cat`` twice; packets and writes counted."""
    counts = Counts()
    real_log = asyncssh.packet.SSHPacketLogger.log_sent_packet
    real_write = selector_events._SelectorSocketTransport.write  # type: ignore[attr-defined]

    def count_packet(self: Any, pkttype: int, *args: Any, **kwargs: Any) -> None:
        counts.packets += 1
        counts.ignores += pkttype == MSG_IGNORE
        real_log(self, pkttype, *args, **kwargs)

    def count_write(self: Any, data: Any) -> None:
        counts.writes += 1
        real_write(self, data)

    monkeypatch.setattr(asyncssh.packet.SSHPacketLogger, "log_sent_packet", count_packet)
    monkeypatch.setattr(selector_events._SelectorSocketTransport, "write", count_write)  # type: ignore[attr-defined]
    host = bed.hosts[sorted(n for n in bed.hosts if n.startswith("h"))[0]]
    async with asyncssh.connect(host.address, host.port, username=bed.user, client_keys=[str(bed.key)],
                                known_hosts=str(bed.known_hosts), encryption_algs=AEAD,
                                tunnel=DIRECT_TCP) as conn:
        for _ in range(2):  # three packets in one loop turn (data, data, EOF), each time
            proc = await conn.create_process("cat")
            proc.stdin.write("one\ntwo\n")
            proc.stdin.write("three\n")
            proc.stdin.write_eof()
            counts.stdout += str(await proc.stdout.read())
            await proc.wait()
    monkeypatch.undo()  # stop counting before the assertions (and before other tests)
    return counts


def test_the_installed_asyncssh_passes_every_check() -> None:
    assert asyncssh_guard.version_reason() is None, asyncssh.__version__
    assert asyncssh_guard.ignore_skip_reason(sshconn.SSHClientConnection) is None
    assert asyncssh_guard.coalesce_reason(sshconn.SSHClientConnection) is None
    assert asyncssh_guard.split_patch_reason(asyncssh.config) is None
    assert isinstance(asyncssh.config.shlex, ssh_config._SplitOnce)
    for outside in ("2.13.2", "2.20.0", "2.25.0", "3.0", "2.25.0rc1", "dev"):
        assert asyncssh_guard.version_reason(outside), outside
    assert asyncssh_guard.version_reason("2.24.1") is None and asyncssh_guard.version_reason("2.21.0") is None


async def test_patched_connection_sends_no_ignore_and_gathers_writes(sshbed: Any, fresh_guard: None,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    c = await _run_echo(sshbed, monkeypatch)
    assert c.stdout == "one\ntwo\nthree\n" * 2
    assert c.ignores == 0
    assert c.writes < c.packets, c


async def test_untested_asyncssh_version_gets_asyncssh_own_behaviour(sshbed: Any, fresh_guard: None,
                                                                     monkeypatch: pytest.MonkeyPatch,
                                                                     caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(asyncssh, "__version__", "2.99.0")
    caplog.set_level(logging.DEBUG, logger=asyncssh_guard.__name__)
    c = await _run_echo(sshbed, monkeypatch)
    assert c.stdout == "one\ntwo\nthree\n" * 2
    # asyncssh alone: an IGNORE in front of every packet after the key exchange, one TCP
    # write per packet (plus the version line)
    assert c.ignores >= 10, c
    assert c.writes >= c.packets, c
    said = caplog.text
    assert "skip AEAD IGNORE not applied" in said and "coalesce writes not applied" in said
    assert "asyncssh 2.99.0 is outside the tested range" in said


class ReworkedConnection(sshconn.SSHClientConnection):
    """What a future asyncssh might ship: ``send_packet`` with another signature (no ``handler``
    keyword; here it still behaves the same, so the connection must keep working)."""

    def send_packet(self, pkttype: int, *args: bytes, **options: Any) -> None:  # type: ignore[override]
        super().send_packet(pkttype, *args, **options)


async def test_reworked_send_packet_keeps_its_ignore_packets(sshbed: Any, fresh_guard: None,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    assert asyncssh_guard.ignore_skip_reason(ReworkedConnection)
    assert asyncssh_guard.coalesce_reason(ReworkedConnection) is None  # _auth_complete is still there
    monkeypatch.setattr(sshconn, "SSHClientConnection", ReworkedConnection)
    c = await _run_echo(sshbed, monkeypatch)
    assert c.stdout == "one\ntwo\nthree\n" * 2
    assert c.ignores >= 10, c  # not dropped: the patch did not touch this class
    assert c.writes < c.packets, c  # gathering still on: what it needs is still there


def test_config_split_once_is_only_installed_on_a_parser_that_splits_with_shlex(
        monkeypatch: pytest.MonkeyPatch, fresh_guard: None) -> None:
    def fake_config(parse_with_shlex: bool) -> types.ModuleType:
        mod = types.ModuleType("fake_asyncssh_config")
        mod.shlex = shlex  # type: ignore[attr-defined]
        mod.SSHConfig = asyncssh.config.SSHConfig if parse_with_shlex else type(  # type: ignore[attr-defined]
            "SSHConfig", (), {"parse": lambda self, path: path.read_text().split()})
        return mod

    good = fake_config(True)
    assert ssh_config.install_split_once(good) is True
    assert isinstance(good.shlex, ssh_config._SplitOnce)
    assert good.shlex.split("Host 'a b'") == ["Host", "a b"]

    reworked = fake_config(False)
    assert ssh_config.install_split_once(reworked) is False
    assert reworked.shlex is shlex

    monkeypatch.setattr(asyncssh, "__version__", "3.1.0")
    untested = fake_config(True)
    assert ssh_config.install_split_once(untested) is False
    assert untested.shlex is shlex
