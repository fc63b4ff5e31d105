"""Become on the ``local`` connection: a gate subprocess started through sudo/su.

Modules of a non-become local host run in this process (the fast path, unchanged).
With ``ansible_become`` they must run as another user, which a thread cannot do, so
the same gate that runs on remote hosts is started here as a child process through
sudo/su, with the same handshake (:mod:`ftltui.engine.become`): the password goes to
the child's stdin when the random prompt marker asks for it, never into argv or the
environment. :class:`LocalSession` gives :class:`GateClient` the few parts of an SSH
connection it uses, backed by a local process, so there is one gate client, not two.
One gate per effective user (and method), kept for the runner's lifetime.
"""

from __future__ import annotations

import asyncio
import getpass
import os
import re
import shlex
from dataclasses import dataclass, field
from typing import Any

from ftltui.engine.become import Become, BecomeFailed

STOP_GRACE = 3.0  # seconds a gate gets to exit on EOF before it is terminated
_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")


class _LocalProcess:
    """The asyncssh process surface GateClient uses, over an asyncio subprocess."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        if proc.stdin is None or proc.stdout is None or proc.stderr is None:
            raise ValueError("the gate subprocess needs pipes for stdin, stdout and stderr")
        self._proc = proc
        self.stdin: asyncio.StreamWriter = proc.stdin
        self.stdout: asyncio.StreamReader = proc.stdout
        self.stderr: asyncio.StreamReader = proc.stderr

    @property
    def exit_status(self) -> int | None:
        return self._proc.returncode

    def close(self) -> None:
        """Close our end; a gate that has not left within STOP_GRACE is terminated."""
        if not self.stdin.is_closing():
            self.stdin.close()
        if self._proc.returncode is None:
            asyncio.get_running_loop().call_later(STOP_GRACE, self._terminate)

    def _terminate(self) -> None:
        if self._proc.returncode is None:
            try:
                self._proc.terminate()  # sudo relays it to the gate
            except ProcessLookupError:
                pass

    async def wait_closed(self) -> None:
        await self._proc.wait()


class LocalSession:
    """Plays an asyncssh connection that never drops: processes are local children."""

    def __init__(self) -> None:
        self._closed = asyncio.Event()

    async def create_process(self, command: str, encoding: Any = None) -> _LocalProcess:
        """Run ``command`` (a line :func:`ftltui.engine.become.wrap` built, every part quoted)
        as an argv, without a shell; leading ``NAME=value`` words become its environment."""
        argv = shlex.split(command)
        env: dict[str, str] | None = None
        while argv and _ASSIGNMENT.match(argv[0]):
            name, value = argv.pop(0).split("=", 1)
            env = env if env is not None else dict(os.environ)
            env[name] = value
        proc = await asyncio.create_subprocess_exec(
            *argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            env=env, start_new_session=True)  # no controlling terminal: sudo reads the password from stdin (-S)
        return _LocalProcess(proc)

    def is_closed(self) -> bool:
        return False

    async def wait_closed(self) -> None:
        await self._closed.wait()  # a gate that dies is a gate failure, never a lost "connection"

    def close(self) -> None:
        self._closed.set()


@dataclass
class _Target:
    user: str | None
    name: str = "localhost"


@dataclass
class LocalConnection:
    """The stand-in for a pooled SSH connection (``conn``, ``closed``, ``parent``, ``target``)."""

    conn: LocalSession = field(default_factory=LocalSession)
    parent: Any = None
    target: _Target = field(default_factory=lambda: _Target(_login_name()))
    closed: bool = False


def _login_name() -> str | None:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid())


class LocalBecome:
    """Gate subprocesses on this machine, one per (become, interpreter).

    ``become=None`` is a plain gate as this user: Ansible modules need one even without
    become, since they may never run inside this process.
    """

    def __init__(self, *, hello_timeout: float = 30.0) -> None:
        self.hello_timeout = hello_timeout
        self._conn = LocalConnection()
        self._gates: dict[tuple[Become | None, str], Any] = {}
        self._refused: dict[tuple[Become | None, str], BecomeFailed] = {}
        self._locks: dict[tuple[Become | None, str], asyncio.Lock] = {}

    async def gate(self, host: str, become: Become | None, python: str) -> Any:
        from ftltui.engine.ssh.gate_client import GateClient  # asyncssh import: only when a local host becomes

        key = (become, python)
        gate = self._gates.get(key)
        if gate is not None and gate.dead is None:
            return gate
        async with self._locks.setdefault(key, asyncio.Lock()):
            if key in self._refused:  # a refused password is not tried again (accounts lock)
                raise self._refused[key]
            gate = self._gates.get(key)
            if gate is not None and gate.dead is None:
                return gate
            gate = GateClient(host, self._conn, python, become=become, hello_timeout=self.hello_timeout)
            try:
                await gate.start()
            except BecomeFailed as exc:
                if "incorrect password" in exc.message:
                    self._refused[key] = exc
                raise
            self._gates[key] = gate
            return gate

    async def close(self) -> None:
        self._conn.conn.close()
        gates, self._gates = list(self._gates.values()), {}
        for gate in gates:
            await gate.close()
            proc = getattr(gate, "_proc", None)
            if proc is not None:
                try:
                    await asyncio.wait_for(proc.wait_closed(), STOP_GRACE + 1)
                except asyncio.TimeoutError:
                    pass
