"""The runner protocol: how the executor reaches a host.

``LocalRunner`` runs modules in-process; ``SshRunner`` runs them in the remote gate.
Both raise :class:`ftltui.errors.HostError` subclasses for transport problems and
return the module's result dict (Ansible shape) otherwise, including failed results.
"""

from __future__ import annotations

from typing import Any, Callable, Protocol, runtime_checkable

from ftltui.inventory.model import Host

OutputCallback = Callable[[str, str], None]  # (stream, text line without newline)


class Runner(Protocol):
    async def run_module(
        self,
        host: Host,
        module: str,
        params: dict[str, Any],
        *,
        check: bool,
        on_output: OutputCallback,
        environment: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """Run a validated module on ``host``; cancelling the awaiting task stops it.
        ``environment``: extra variables for the module's processes, this call only."""
        ...

    async def put_file(self, host: Host, local_path: str) -> str:
        """Make a controller file available on the host; returns its path there."""
        ...

    async def get_file(self, host: Host, remote_path: str, local_path: str) -> dict[str, Any]:
        """Copy a host file to the controller; returns ``{"checksum", "size"}``."""
        ...

    async def close(self) -> None: ...


@runtime_checkable
class GateRunner(Runner, Protocol):
    """A runner that can hand out the host's gate (both built-in runners): Ansible modules
    run in it, never in the controller (:mod:`ftltui.engine.ansible_actions`)."""

    async def gate(self, host: Host) -> Any:
        """The gate process for ``host`` (over SSH, or a local subprocess; with become)."""
        ...
