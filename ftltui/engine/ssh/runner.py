"""``SshRunner``: the :class:`ftltui.engine.runner.Runner` for ``ansible_connection=ssh``.

Per host: resolve the jump chain and connection options (inventory vars, the OpenSSH
args in ``ansible_ssh_*_args``, ssh config), get the pooled connection, and run the
module in that connection's gate (started on first use). ``raw`` always, and
``command``/``shell`` on hosts without Python, run as a plain exec.

With ``ansible_become`` the module runs in a second gate on the same connection,
started through sudo/su as the become user: one gate per host and effective user,
cached like the plain one. A refused password is remembered for that connection, so
a play of many steps does not try it again on every step (accounts lock after a few).
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any, Callable

from ftltui import modules
from ftltui.engine.become import Become, BecomeFailed, become_for
from ftltui.engine.runner import OutputCallback
from ftltui.engine.ssh.execpath import run_exec
from ftltui.engine.ssh.gate_client import GateClient, GateTimeouts, NoPython
from ftltui.engine.ssh.endpoints import EndpointResolver
from ftltui.engine.ssh.keys import AskPassphrase, KeyUnlocker
from ftltui.engine.ssh.pool import Connection, Endpoint, Pool
from ftltui.errors import GateFailed, HostError
from ftltui.inventory.model import Host

if TYPE_CHECKING:
    from ftltui.engine.host_source import HostSource

EXEC_OK = ("raw", "command", "shell")


class SshRunner:
    def __init__(
        self,
        *,
        inventory: HostSource | None = None,
        accept_new_host_keys: bool = False,
        known_hosts: str | None = None,
        connect_timeout: float = 10.0,
        idle_timeout: float = 300.0,
        ssh_config: str | None = None,
        on_warning: Callable[[str | None, str], None] | None = None,
        gate_hello_timeout: float = 30.0,
        gate_ping_interval: float = 5.0,
        gate_hang_timeout: float = 20.0,
        key_passphrase: AskPassphrase | None = None,
    ) -> None:
        self.inventory = inventory
        # how long a gate may take to say hello, and to stay silent with requests in flight
        self.gate_timeouts = GateTimeouts(hello_timeout=gate_hello_timeout, ping_interval=gate_ping_interval,
                                          hang_timeout=gate_hang_timeout)
        self.accept_new_host_keys = accept_new_host_keys
        self.known_hosts = known_hosts
        self.connect_timeout = connect_timeout
        self.ssh_config = ssh_config
        self.on_warning = on_warning
        self.pool = Pool(idle_timeout=idle_timeout,
                         key_unlocker=KeyUnlocker(key_passphrase) if key_passphrase is not None else None)
        self._resolver = EndpointResolver(inventory=inventory, accept_new_host_keys=accept_new_host_keys,
                                          known_hosts=known_hosts, connect_timeout=connect_timeout,
                                          ssh_config=ssh_config, on_warning=on_warning)
        self._gate_locks: dict[Any, asyncio.Lock] = {}
        # (id(connection), become) -> its gate, or the refusal it met on that connection
        self._become_gates: dict[tuple[int, Become], GateClient] = {}
        self._become_refused: dict[tuple[int, Become], tuple[Connection, BecomeFailed]] = {}
        # host -> (key of what the chain depends on, chain): every task asks for the chain,
        # and building it re-splits ansible_ssh_common_args with shlex (3 % of workload 2)
        self._chains: dict[str, tuple[tuple[Any, ...], tuple[Endpoint, ...]]] = {}

    # -- Runner protocol ------------------------------------------------------------------
    async def run_module(self, host: Host, module: str, params: dict[str, Any], *, check: bool,
                         on_output: OutputCallback, environment: dict[str, str] | None = None) -> dict[str, Any]:
        name = modules.canonical(module)
        become = become_for(host, self.inventory)
        conn = await self.pool.get(self.chain(host), host.name)
        conn.busy += 1
        try:
            if become is not None and (name == "raw" or conn.no_python):
                return {"changed": False, "failed": True,
                        "msg": f"{name} on {host.name}: become ({become.method}) needs python3 on the host; "
                               f"ftl-tui does not escalate a plain exec"}
            if name == "raw":  # as Ansible's raw: no environment (it has no shell to set it in)
                return await run_exec(host.name, conn.conn, name, params, check, on_output)
            try:
                gate = await self._gate(conn, host, become)
            except NoPython as exc:
                if name in EXEC_OK and become is None and environment:
                    return {"changed": False, "failed": True,
                            "msg": f"{name} on {host.name}: environment needs python3 on the host (a plain "
                                   f"exec could only pass it on the command line, where others can read it)"}
                if name in EXEC_OK and become is None:
                    return await run_exec(host.name, conn.conn, name, params, check, on_output)
                return {"changed": False, "failed": True,
                        "msg": f"{name} needs python3 on {host.name} ({exc}); without Python only raw, "
                               f"command and shell work (or set ansible_python_interpreter)"}
            secret_args = _secret_args(name)
            return await gate.run(name, params, check=check, secret_args=secret_args, on_output=on_output,
                                  environment=environment)
        finally:
            conn.busy -= 1
            conn.last_used = time.monotonic()

    async def gate(self, host: Host) -> GateClient:
        """The gate that runs ``host``'s modules (the become one with become): Ansible modules use it."""
        return await self._gate_for(host)

    async def put_file(self, host: Host, local_path: str) -> str:
        gate = await self._gate_for(host)
        return str((await gate.put(local_path))["path"])

    async def get_file(self, host: Host, remote_path: str, local_path: str) -> dict[str, Any]:
        gate = await self._gate_for(host)
        return await gate.get(remote_path, local_path)

    async def close(self) -> None:
        gates, self._become_gates = list(self._become_gates.values()), {}
        for gate in gates:
            await gate.close()
        await self.pool.close()

    # -- gates ------------------------------------------------------------------------
    async def _gate_for(self, host: Host) -> GateClient:
        become = become_for(host, self.inventory)
        conn = await self.pool.get(self.chain(host), host.name)
        try:
            return await self._gate(conn, host, become)
        except NoPython as exc:
            raise GateFailed(host.name, f"file transfer needs python3 on {host.name} ({exc})") from None

    async def _gate(self, conn: Connection, host: Host, become: Become | None = None) -> GateClient:
        if become is not None:
            return await self._become_gate(conn, host, become)
        if conn.no_python:
            raise NoPython(conn.no_python)
        gate = conn.gate
        if gate is not None and gate.dead is None:
            return gate
        lock = self._gate_locks.setdefault(id(conn), asyncio.Lock())
        async with lock:
            gate = conn.gate
            if gate is not None and gate.dead is None:
                return gate
            gate = GateClient(host.name, conn, host.python, **self.gate_timeouts)
            try:
                await gate.start()
            except NoPython as exc:
                conn.no_python = str(exc) or True
                raise
            conn.gate = gate
            return gate

    async def _become_gate(self, conn: Connection, host: Host, become: Become) -> GateClient:
        """The gate running as ``become.user`` on this connection (started through sudo/su)."""
        key = (id(conn), become)
        gate = self._become_gates.get(key)
        if gate is not None and gate.conn is conn and gate.dead is None:
            return gate
        lock = self._gate_locks.setdefault(key, asyncio.Lock())
        async with lock:
            refused = self._become_refused.get(key)
            if refused is not None and refused[0] is conn:
                raise refused[1]
            gate = self._become_gates.get(key)
            if gate is not None and gate.conn is conn and gate.dead is None:
                return gate
            gate = GateClient(host.name, conn, host.python, become=become, **self.gate_timeouts)
            try:
                await gate.start()
            except BecomeFailed as exc:
                if "incorrect password" in exc.message:
                    self._become_refused[key] = (conn, exc)
                raise
            except NoPython as exc:
                raise GateFailed(host.name, f"become on {host.name} needs python3 ({exc})") from None
            self._become_gates = {k: g for k, g in self._become_gates.items() if g.dead is None}
            self._become_gates[key] = gate
            return gate

    # -- endpoints ---------------------------------------------------------------------
    def chain(self, host: Host) -> tuple[Endpoint, ...]:
        """Jump hops first, the host last; each hop resolved through the inventory.

        Cached per host while the variables it is built from are unchanged (chains with
        jump hops, whose endpoints come from other hosts' variables, are rebuilt).
        """
        key = (_chain_key(host), self._resolver.stamp())  # an edited ssh config file counts too
        hit = self._chains.get(host.name)
        if hit is not None and hit[0] == key:
            return hit[1]
        chain = self._build_chain(host)
        if len(chain) == 1:
            self._chains[host.name] = (key, chain)
        return chain

    def _build_chain(self, host: Host) -> tuple[Endpoint, ...]:
        # inventory vars, ansible_ssh_*args and ssh config files: see ssh/endpoints.py
        return self._resolver.chain(host)


_CHAIN_VARS = ("ansible_ssh_args", "ansible_ssh_common_args", "ansible_ssh_extra_args", "ftl_jump_hosts",
               "ansible_ssh_jump", "ansible_port", "ansible_ssh_port", "host_key_checking", "ansible_host_key_checking",
               "ansible_timeout")


def _freeze(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return repr(value)


def _chain_key(host: Host) -> tuple[Any, ...]:
    """Everything :meth:`SshRunner.chain` reads from a host (cheap next to building it)."""
    v = host.vars
    return (host.address, host.user, host.private_key_file, host.password,
            *(_freeze(v.get(k)) for k in _CHAIN_VARS))


def _secret_args(module: str) -> list[str]:
    try:
        return modules.spec(module).secret_args()
    except (KeyError, ImportError):
        return []


__all__ = ["SshRunner", "HostError"]
