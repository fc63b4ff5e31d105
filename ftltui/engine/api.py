"""The Python API: the engine as a library, in the style FTL2 users know.

    async with ftltui.automation(inventory="inv.yml", forks=20) as ftl:
        result = await ftl.run("web:&prod", "command", argv=["uptime"])
        await ftl.web.copy(content="x", dest="/tmp/x")
        ftl.subscribe(print)          # every engine event

Results are :class:`RunResult` (per-host :class:`HostResult`); bad input raises the
typed :class:`ftltui.errors.FtlError` subclasses; ``raise_on_failure=True`` turns
failed or unreachable hosts into :class:`RunFailed`.
"""

from __future__ import annotations

import os
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Awaitable, Callable, Iterable

from ftltui.engine.events import EventHandler
from ftltui.engine.executor import Executor, RunResult
from ftltui.engine.host_source import HostSource


class RunFailed(Exception):
    """Some hosts failed or were unreachable; ``.result`` has every host's outcome."""

    def __init__(self, result: RunResult) -> None:
        self.result = result
        bad = result.hosts_with("failed", "unreachable", "cancelled")
        super().__init__(f"{result.module} failed on {len(bad)} host(s): {', '.join(bad[:10])}")


class Automation:
    def __init__(self, executor: Executor, *, check: bool, raise_on_failure: bool) -> None:
        self.executor = executor
        self.check = check
        self.raise_on_failure = raise_on_failure

    @property
    def inventory(self) -> HostSource | None:
        return self.executor.inventory

    @property
    def facts(self) -> dict[str, dict[str, Any]]:
        return self.executor.facts

    def subscribe(self, handler: EventHandler) -> Callable[[], None]:
        return self.executor.bus.subscribe(handler)

    async def run(self, pattern: str, module: str, /, *, check: bool | None = None,
                  timeout: float | None = None, fail_fast: bool = False, **args: Any) -> RunResult:
        result = await self.executor.run(
            pattern, module, args, check=self.check if check is None else check,
            timeout=timeout, fail_fast=fail_fast,
        )
        if self.raise_on_failure and result.exit_code != 0:
            raise RunFailed(result)
        return result

    def __getattr__(self, pattern: str) -> _Target:
        if pattern.startswith("_"):
            raise AttributeError(pattern)
        return _Target(self, pattern)

    def hosts(self, pattern: str) -> _Target:
        """Like attribute access, for patterns that are not identifiers (``ftl.hosts("web:&prod")``)."""
        return _Target(self, pattern)


class _Target:
    """``ftl.web`` – a host pattern waiting for a module: ``await ftl.web.ping()``."""

    def __init__(self, automation: Automation, pattern: str) -> None:
        self._automation = automation
        self._pattern = pattern

    def __getattr__(self, module: str) -> Callable[..., Awaitable[RunResult]]:
        if module.startswith("_"):
            raise AttributeError(module)

        async def call(**args: Any) -> RunResult:
            return await self._automation.run(self._pattern, module, **args)

        call.__name__ = module
        return call


@asynccontextmanager
async def automation(
    inventory: str | os.PathLike[str] | Iterable[str | os.PathLike[str]] | None = None,
    *,
    forks: int = 50,
    check: bool = False,
    secrets: Iterable[str] = (),
    secret_vars: Iterable[str] = (),
    accept_new_host_keys: bool = False,
    raise_on_failure: bool = False,
) -> AsyncIterator[Automation]:
    from ftltui.inventory import load_inventory
    from ftltui.paths import default_inventory

    if inventory is None:
        sources: list[str] = [str(default_inventory())]
    elif isinstance(inventory, (str, os.PathLike)):
        sources = [os.fspath(inventory)]
    else:
        sources = [os.fspath(s) for s in inventory]
    executor = Executor(
        load_inventory(sources), forks=forks, secrets=secrets, secret_vars=secret_vars,
        ssh_options={"accept_new_host_keys": accept_new_host_keys}, base_dir=os.getcwd(),
    )
    try:
        yield Automation(executor, check=check, raise_on_failure=raise_on_failure)
    finally:
        await executor.close()
