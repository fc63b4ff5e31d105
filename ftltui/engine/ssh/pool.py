"""SSH connections: one per (user, host, port, jump chain), shared and reused.

A jump chain is connected hop by hop, each hop tunnelled through the previous one's
connection, and every hop is itself a pooled connection: all the hosts behind one
bastion share that bastion's single connection. Idle connections (no operation in
flight, nothing tunnelled through them) are closed after ``idle_timeout``.
Failures become typed :mod:`ftltui.errors` naming the host and the hop.
"""

from __future__ import annotations

import asyncio
import errno
import socket
import time
from dataclasses import dataclass, field
from typing import Any

import asyncssh

from ftltui.engine.ssh.coalesce import DIRECT_TCP, DirectTcp
from ftltui.engine.ssh.hostkeys import HostKeyPolicy
from ftltui.engine.ssh.known_cache import known_hosts_for
from ftltui.engine.ssh.keys import KeyUnlocker, default_key_files, is_encrypted
from ftltui.engine.ssh.keys import explain as explain_keys
from ftltui.errors import AuthFailed, HostError, HostKeyRejected, Unreachable


@dataclass(frozen=True)
class Endpoint:
    """How to reach one hop, fully resolved (:mod:`ftltui.engine.ssh.endpoints`).

    ``name`` is what users call it (inventory name); ``match_name`` is what ssh config
    ``Host`` patterns were matched against (asyncssh re-reads the config files with it
    for the settings not listed here); everything set here is passed to asyncssh
    explicitly, so it wins over the files, as the ``-o`` options it came from would."""

    name: str
    address: str
    port: int | None = None  # None: from ssh config, else 22
    user: str | None = None
    key_files: tuple[str, ...] = ()
    password: str | None = field(default=None, repr=False, compare=False)
    known_hosts: str = "~/.ssh/known_hosts"  # the file new keys are written to
    accept_new: bool = False
    connect_timeout: float = 10.0
    config_files: tuple[str, ...] = ()
    keepalive_interval: float = 15.0
    keepalive_count_max: int = 4
    match_name: str | None = None
    known_hosts_files: tuple[str, ...] | None = None  # None: (known_hosts,)
    global_known_hosts: tuple[str, ...] = ()
    hash_known_hosts: bool = False
    proxy_command: str | None = None
    agent_path: str | None = None  # None: $SSH_AUTH_SOCK; "": no agent
    forward_agent: bool | str = False
    identities_only: bool = False
    # further asyncssh keyword arguments from -o options / the config (algorithms, auth)
    extra: tuple[tuple[str, Any], ...] = ()

    @property
    def key(self) -> tuple[Any, ...]:
        return (self.user, self.address, self.port, self.proxy_command)


@dataclass
class Connection:
    """A pooled connection; ``gate`` is owned by the runner (one gate per connection)."""

    chain: tuple[Endpoint, ...]
    conn: asyncssh.SSHClientConnection
    parent: Connection | None
    last_used: float = field(default_factory=time.monotonic)
    busy: int = 0
    children: int = 0
    gate: Any = None
    no_python: bool | str = False  # the bootstrap's reason when the host has no usable python3

    @property
    def target(self) -> Endpoint:
        return self.chain[-1]

    @property
    def closed(self) -> bool:
        return self.conn.is_closed()


def _where(chain: tuple[Endpoint, ...]) -> str:
    return chain[-1].name if len(chain) == 1 else f"{chain[-2].name} reached, {chain[-1].name}"


def classify(exc: BaseException, chain: tuple[Endpoint, ...], target: str, policy: HostKeyPolicy | None) -> HostError:
    """An asyncssh/OS error while connecting ``chain[-1]`` -> typed error for ``target``."""
    ep = chain[-1]
    where = _where(chain)
    hop = ep.name if ep.name != target else None
    addr = f"{ep.address}:{ep.port or 22}"
    if isinstance(exc, asyncssh.HostKeyNotVerifiable):
        return HostKeyRejected(target, (policy.problem if policy and policy.problem else f"{where}: {exc}"), hop=hop)
    if isinstance(exc, asyncssh.PermissionDenied):
        tried = [m for m, ok in (("key " + ",".join(ep.key_files), ep.key_files), ("password", ep.password)) if ok]
        how = "; tried " + " and ".join(tried) if tried else "; tried the ssh agent and default keys"
        return AuthFailed(target, f"{where}: authentication failed as {ep.user or 'the default user'}{how}", hop=hop)
    if isinstance(exc, asyncssh.KeyImportError):
        return AuthFailed(target, f"{where}: cannot load a client key ({exc})", hop=hop)
    if isinstance(exc, asyncssh.ChannelOpenError):
        return Unreachable(target, f"{where} refused ({addr}: {exc.reason or 'channel open failed'})", hop=hop)
    if isinstance(exc, (asyncio.TimeoutError, TimeoutError)):
        return Unreachable(target, f"{where}: timed out connecting to {addr} after {ep.connect_timeout:g}s", hop=hop)
    if isinstance(exc, socket.gaierror):
        return Unreachable(target, f"{where}: cannot resolve {ep.address} ({exc.strerror})", hop=hop)
    if isinstance(exc, ConnectionRefusedError):
        return Unreachable(target, f"{where}: connection refused at {addr}", hop=hop)
    if isinstance(exc, OSError) and exc.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH):
        return Unreachable(target, f"{where}: no route to {addr}", hop=hop)
    if isinstance(exc, (asyncssh.DisconnectError, asyncssh.ConnectionLost)):
        return Unreachable(target, f"{where}: disconnected ({exc.reason})", hop=hop)
    if isinstance(exc, OSError):
        return Unreachable(target, f"{where}: {exc.strerror or exc} ({addr})", hop=hop)
    if isinstance(exc, ValueError):  # a setting asyncssh refuses (e.g. an unknown cipher in -o Ciphers)
        return HostError(target, f"{where}: ssh settings not usable: {exc}", hop=hop)
    return Unreachable(target, f"{where}: {type(exc).__name__}: {exc}", hop=hop)


def _about_keys(exc: BaseException, key_files: list[str]) -> bool:
    """May the client key files explain ``exc``? (Auth refused, a key that would not load.)"""
    if isinstance(exc, (asyncssh.PermissionDenied, asyncssh.KeyImportError)):
        return True
    return isinstance(exc, OSError) and getattr(exc, "filename", None) in key_files


# Connection attempts in flight at once. A handshake costs the controller ~5-10 ms of CPU
# on the one event loop (key exchange, host key check, auth); 1,000 started together all
# time out at 10 s on a 2-core machine (the last one waits behind 999 others' crypto), and
# every console key press waits behind the whole burst. Measured on the 1,000-host bed
# (bench/RESULTS-scale.md): unbounded, every host timed out; bounded, none did.
MAX_HANDSHAKES = 64

# known_hosts files parsed once per content (not at every connect, as asyncssh does with
# paths), in a thread, and grown line by line as keys are accepted: known_cache.py.


def _direct(ep: Endpoint) -> DirectTcp | None:
    """The coalescing TCP connector (coalesce.py) for a host reached directly; None (asyncssh's own
    connect) with a ProxyCommand or an address family or bind address to honour."""
    if ep.proxy_command or any(k in ("family", "local_addr") for k, _ in ep.extra):
        return None
    return DIRECT_TCP


class Pool:
    def __init__(self, *, idle_timeout: float = 300.0, key_unlocker: KeyUnlocker | None = None,
                 max_handshakes: int | None = None) -> None:
        self.idle_timeout = idle_timeout
        self.key_unlocker = key_unlocker
        self.max_handshakes = max_handshakes or MAX_HANDSHAKES
        self._handshakes: asyncio.Semaphore | None = None  # made on first use, in the running loop
        self._conns: dict[tuple[Any, ...], Connection] = {}
        self._locks: dict[tuple[Any, ...], asyncio.Lock] = {}
        self._reaper: asyncio.Task[None] | None = None

    def stats(self) -> dict[str, int]:
        live = [c for c in self._conns.values() if not c.closed]
        return {"connections": len(live), "tunnels": sum(1 for c in live if c.children)}

    def connections(self) -> list[Connection]:
        return [c for c in self._conns.values() if not c.closed]

    async def get(self, chain: tuple[Endpoint, ...], target: str) -> Connection:
        """The live connection for ``chain`` (jump hops first, target last)."""
        if self._reaper is None or self._reaper.done():
            self._reaper = asyncio.get_running_loop().create_task(self._reap())
        key = tuple(e.key for e in chain)
        found = self._conns.get(key)
        if found is not None and not found.closed:
            found.last_used = time.monotonic()
            return found
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            found = self._conns.get(key)
            if found is not None and not found.closed:
                return found
            parent = await self.get(chain[:-1], target) if len(chain) > 1 else None
            if parent is not None:
                parent.busy += 1  # not reaped while we open a tunnel through it
            try:
                conn = await self._open(chain, parent, target)
            finally:
                if parent is not None:
                    parent.busy -= 1
            entry = Connection(chain, conn, parent)
            if parent is not None:
                parent.children += 1
            self._conns[key] = entry
            return entry

    async def _open(self, chain: tuple[Endpoint, ...], parent: Connection | None, target: str) -> asyncssh.SSHClientConnection:
        ep = chain[-1]
        policy = HostKeyPolicy(ep.known_hosts, ep.accept_new, ep.name,
                               files=(*(ep.known_hosts_files or (ep.known_hosts,)), *ep.global_known_hosts),
                               hash_names=ep.hash_known_hosts)
        readable = policy.readable()
        kwargs: dict[str, Any] = dict(
            known_hosts=await known_hosts_for(readable) if readable else ([], [], []),  # b"" would mean ~/.ssh
            client_factory=lambda: policy,
            connect_timeout=ep.connect_timeout,
            keepalive_interval=ep.keepalive_interval,
            keepalive_count_max=ep.keepalive_count_max,
            # asyncssh re-reads the same files for the settings not resolved here
            config=list(ep.config_files) if ep.config_files else None,
            tunnel=parent.conn if parent is not None else _direct(ep),  # never a ProxyJump of its own
            proxy_command=None if parent is not None else ep.proxy_command,
            agent_forwarding=ep.forward_agent,
        )
        if ep.agent_path is not None:
            kwargs["agent_path"] = ep.agent_path
        if ep.port is not None:
            kwargs["port"] = ep.port
        if ep.user:
            kwargs["username"] = ep.user
        key_files = list(ep.key_files)
        if not key_files and self.key_unlocker is not None:
            # no key named: ssh's default keys; name them only when one needs unlocking
            defaults = default_key_files()
            if any(is_encrypted(k) for k in defaults):
                key_files = defaults
        if key_files:
            kwargs["client_keys"] = (await self.key_unlocker.client_keys(key_files, ep.agent_path)
                                     if self.key_unlocker is not None else key_files)
            # an encrypted key file is skipped, not fatal: the ssh-agent (tried first) may
            # hold it; if authentication fails, keys.explain says which key and what to do
            kwargs["ignore_encrypted"] = True
            if ep.identities_only:
                kwargs["agent_identities"] = key_files
        if ep.password is not None:
            kwargs["password"] = ep.password
        kwargs.update(dict(ep.extra))
        host = ep.match_name if ep.config_files and ep.match_name else ep.address
        if self._handshakes is None:
            self._handshakes = asyncio.Semaphore(self.max_handshakes)
        try:
            async with self._handshakes:  # queued here, not timed: the timeout is the attempt's own
                async with asyncio.timeout(ep.connect_timeout + 5):  # no task of its own, as wait_for's
                    return await asyncssh.connect(host, **kwargs)
        except (OSError, asyncssh.Error, asyncio.TimeoutError, asyncssh.KeyImportError, ValueError) as exc:
            error = classify(exc, chain, target, policy)
            note = None
            if key_files and _about_keys(exc, key_files):
                unlocked = self.key_unlocker.problems(key_files) if self.key_unlocker is not None else None
                note = unlocked or await explain_keys(key_files, ep.agent_path)
            if note is None:
                raise error from None
            if isinstance(exc, asyncssh.PermissionDenied):  # "authentication failed as ...; key ..."
                message = f"{error.message}; {note}"
            else:  # a key file that would not load
                message = f"{_where(chain)}: {note}"
            raise AuthFailed(target, message, hop=error.hop) from None

    async def _reap(self) -> None:
        interval = max(0.5, min(self.idle_timeout / 4, 30.0))
        while True:
            await asyncio.sleep(interval)
            now = time.monotonic()
            # deepest first, so a bastion becomes idle once its last tunnel is gone
            for key, c in sorted(self._conns.items(), key=lambda kv: -len(kv[0])):
                if c.closed or (not c.busy and not c.children and now - c.last_used > self.idle_timeout):
                    await self._drop(key, c)

    async def _drop(self, key: tuple[Any, ...], c: Connection) -> None:
        self._conns.pop(key, None)
        if c.gate is not None:
            await c.gate.close()
        c.conn.close()
        if c.parent is not None:
            c.parent.children -= 1

    async def close(self) -> None:
        if self._reaper is not None:
            self._reaper.cancel()
        for key, c in sorted(self._conns.items(), key=lambda kv: -len(kv[0])):
            await self._drop(key, c)
        for c in list(self._conns.values()):
            c.conn.close()
        self._conns.clear()


# AES-GCM first: asyncssh's default, chacha20-poly1305, builds a cipher object per packet;
# measured on the test bed (200 MB through one channel): controller CPU 0.77 s -> 0.40 s,
# wall 1.45 s -> 0.84 s. The server still picks from the full default list.
_PREFERRED_CIPHERS = ("aes128-gcm@openssh.com", "aes256-gcm@openssh.com")
_CIPHERS: list[str] = []


def preferred_ciphers() -> list[str]:
    """asyncssh's default ciphers, AES-GCM first (used when no ``Ciphers`` option is set)."""
    if not _CIPHERS:
        from asyncssh.encryption import get_default_encryption_algs

        default = [a.decode("ascii") for a in get_default_encryption_algs()]
        _CIPHERS.extend([a for a in _PREFERRED_CIPHERS if a in default] +
                        [a for a in default if a not in _PREFERRED_CIPHERS])
    return _CIPHERS
