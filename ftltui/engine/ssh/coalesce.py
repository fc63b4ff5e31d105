"""One TCP write per event-loop turn for an SSH connection, instead of one per SSH packet.

asyncssh writes every SSH packet to its transport at once, and puts an empty
``SSH_MSG_IGNORE`` packet in front of every packet after the key exchange (a CBC-era
countermeasure), so each channel message costs two ``send()`` system calls, and on a
gate's close four messages cost eight. On loopback, and on any busy controller, each
``send()`` also pays the kernel's TCP path and the receiver's wake-up: measured on the
1,000-host bed (bench/RESULTS-scale.md), ``socket.send`` was the controller's largest
cost, 28 calls per host for ``ping`` then ``command``.

:class:`DirectTcp` is handed to ``asyncssh.connect`` as its ``tunnel``: it opens the
same TCP connection asyncssh would, but gives the SSH connection a transport that
gathers what is written during one turn of the event loop and passes it on as one write
at the end of that turn (``loop.call_soon``). Nothing is reordered, delayed past the
current turn, or dropped: ``close`` and ``abort`` write what is gathered first. The
byte stream on the wire is the same; only the number of segments changes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from ftltui.engine.ssh import asyncssh_guard


class CoalescingTransport(asyncio.Transport):
    """Wraps a TCP transport: ``write`` gathers, one real write per loop turn."""

    def __init__(self, raw: asyncio.Transport, loop: asyncio.AbstractEventLoop,
                 ready: Callable[[], bool] = lambda: True) -> None:
        super().__init__()
        self._raw = raw
        self._loop = loop
        self._pending: list[bytes] = []
        self._scheduled = False
        self._ready = ready
        self._gathering = False

    # -- writing ------------------------------------------------------------------------
    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not data:
            return
        if not self._gathering:
            if not self._ready():  # the handshake: every write at once, exactly as unwrapped
                self._raw.write(data)
                return
            self._gathering = True
        self._pending.append(bytes(data))
        if not self._scheduled:
            self._scheduled = True
            self._loop.call_soon(self.flush)

    def writelines(self, list_of_data: Any) -> None:
        for data in list_of_data:
            self.write(data)

    def flush(self) -> None:
        """Hand everything gathered to the real transport (one ``send`` when it can)."""
        self._scheduled = False
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        if self._raw.is_closing():
            return
        self._raw.write(pending[0] if len(pending) == 1 else b"".join(pending))

    def get_write_buffer_size(self) -> int:
        return self._raw.get_write_buffer_size() + sum(len(p) for p in self._pending)

    def get_write_buffer_limits(self) -> tuple[int, int]:
        return self._raw.get_write_buffer_limits()

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        self._raw.set_write_buffer_limits(high, low)

    def can_write_eof(self) -> bool:
        return self._raw.can_write_eof()

    def write_eof(self) -> None:
        self.flush()
        self._raw.write_eof()

    # -- closing ------------------------------------------------------------------------
    def close(self) -> None:
        self.flush()
        self._raw.close()

    def abort(self) -> None:
        # what was written before the abort goes out as it would have unwrapped (written
        # at once); the real transport's abort then drops its own unsent buffer as always
        self.flush()
        self._raw.abort()

    def is_closing(self) -> bool:
        return self._raw.is_closing()

    # -- everything else is the real transport's -------------------------------------
    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._raw.get_extra_info(name, default)

    def pause_reading(self) -> None:
        self._raw.pause_reading()

    def resume_reading(self) -> None:
        self._raw.resume_reading()

    def is_reading(self) -> bool:
        return self._raw.is_reading()

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self._raw.set_protocol(protocol)

    def get_protocol(self) -> asyncio.BaseProtocol:
        return self._raw.get_protocol()


def _aead_classes() -> tuple[type, ...]:
    from asyncssh import encryption

    return tuple(c for c in (getattr(encryption, "GCMEncryption", None), getattr(encryption, "ChachaEncryption", None))
                 if isinstance(c, type))


_AEAD = _aead_classes()
_EMPTY_STRING = b"\0\0\0\0"  # an SSH string of length 0: the IGNORE packet's whole body


def skip_aead_ignores(conn: Any) -> None:
    """Send no empty ``SSH_MSG_IGNORE`` in front of each packet when the cipher is an AEAD.

    asyncssh inserts one before every packet after the key exchange (through
    ``self.send_packet``, which this instance attribute now answers first). The padding
    packet is a countermeasure for CBC mode's chained IVs; AES-GCM and ChaCha20-Poly1305
    (what the pool negotiates: ``preferred_ciphers``) have no chained IV, and OpenSSH sends
    no such packets at all. With any other cipher every packet goes out as before. Halves
    the packets of every message: a 20 MB upload was 7,500 data and 7,500 IGNORE packets.
    """
    why = asyncssh_guard.ignore_skip_reason(type(conn)) or (None if _AEAD else "asyncssh has no AEAD cipher classes")
    if why:  # not the asyncssh this was written for: its own behaviour, padding and all
        asyncssh_guard.fall_back("skip AEAD IGNORE", why)
        return
    send = type(conn).send_packet

    def send_packet(pkttype: int, *args: bytes, **kwargs: Any) -> None:
        if (pkttype == _MSG_IGNORE and args == (_EMPTY_STRING,) and not kwargs
                and isinstance(getattr(conn, "_send_encryption", None), _AEAD)):
            return
        send(conn, pkttype, *args, **kwargs)

    conn.send_packet = send_packet


_MSG_IGNORE = 2  # RFC 4253


class _Relay(asyncio.Protocol):
    """Sits between the TCP transport and asyncssh's connection (its protocol)."""

    def __init__(self, inner: asyncio.Protocol) -> None:
        self.inner = inner
        self.transport: CoalescingTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # gather only once the connection is authenticated: the handshake is one message per
        # round trip anyway, and a server that refuses our algorithms closes the moment it
        # reads our KEXINIT; sent with the version line, that close could overtake the
        # server's KEXINIT, and the error would say "connection lost" instead of naming them
        inner = self.inner
        why = asyncssh_guard.coalesce_reason(type(inner))
        if why:  # no flag to wait for: asyncssh's own transport, a send per packet
            asyncssh_guard.fall_back("coalesce writes", why)
            self.transport = None
            self.inner.connection_made(transport)
            return
        self.transport = CoalescingTransport(transport, asyncio.get_running_loop(),  # type: ignore[arg-type]
                                             lambda: bool(getattr(inner, "_auth_complete", False)))
        self.inner.connection_made(self.transport)

    def data_received(self, data: bytes) -> None:
        self.inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self.inner.eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        self.inner.connection_lost(exc)

    def pause_writing(self) -> None:
        self.inner.pause_writing()

    def resume_writing(self) -> None:
        self.inner.resume_writing()


class DirectTcp:
    """An asyncssh ``tunnel`` that is a plain TCP connection with a coalescing transport.

    asyncssh calls ``create_connection(session_factory, host, port)`` on a tunnel and
    uses the protocol it returns as the SSH connection; with this one that is the same
    connection asyncssh would have opened itself (same host and port, TCP_NODELAY as
    asyncssh sets it), only its writes are gathered per loop turn.
    """

    async def create_connection(self, session_factory: Callable[[], asyncio.Protocol], host: str,
                                port: int) -> tuple[asyncio.BaseTransport, asyncio.Protocol]:
        loop = asyncio.get_running_loop()
        def relay_for_new_session() -> _Relay:
            session = session_factory()
            skip_aead_ignores(session)
            return _Relay(session)

        raw, relay = await loop.create_connection(relay_for_new_session, host, port)
        return (relay.transport if relay.transport is not None else raw), relay.inner

    def __repr__(self) -> str:  # asyncssh logs "via <tunnel>"
        return "direct TCP"


DIRECT_TCP = DirectTcp()
