"""The engine's HostSource contract: no inventory yet, and a site worker's live inventory."""

from __future__ import annotations

import asyncio
import sys

import pytest

from ftltui.engine.executor import Executor
from ftltui.errors import PatternError
from ftltui.inventory.model import Host
from ftltui.sites.wire import ShardHost
from ftltui.sites.worker import _SHARD_INVENTORY, _LiveInventory, build_inventory

LOCAL = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}


def test_no_inventory_runs_explicit_hosts_and_refuses_a_pattern() -> None:
    """A shard worker's executor before the controller sent an inventory: hosts given run,
    a pattern is a clear PatternError (not an AttributeError on None)."""

    async def scenario() -> tuple[str, list[str]]:
        async with Executor(None) as executor:
            with pytest.raises(PatternError) as exc:
                await executor.run("web", "ping")
            result = await executor.run([Host("h1", dict(LOCAL))], "ping")
        return str(exc.value), [r.status for r in result.results.values()]

    message, statuses = asyncio.run(scenario())
    assert "no inventory is loaded" in message and "'web'" in message
    assert statuses == ["ok"]


def test_live_inventory_reads_the_inventory_of_now() -> None:
    """The site worker's stand-in answers the HostSource members from the inventory of the
    shard asking (``_SHARD_INVENTORY``, set by the shard's coroutine as the worker does), else
    its fallback: a warm executor sees the shard's hosts, and another context never does."""
    live = _LiveInventory(build_inventory([ShardHost("a", dict(LOCAL), ("web",))]))
    assert [h.name for h in live.select("web")] == ["a"]
    assert not hasattr(live, "__weakref__")  # templating caches groups per object: never this one

    async def scenario() -> tuple[list[str], list[str]]:
        _SHARD_INVENTORY.set(build_inventory([ShardHost("a", dict(LOCAL), ("web",)),
                                              ShardHost("b", dict(LOCAL), ("db",))]))
        assert sorted(live.hosts) == ["a", "b"] and live.groups_magic()["db"] == ["b"]
        assert [h.name for h in live.select("web:nope")] == ["a"] and list(live.last_unmatched) == ["nope"]
        assert live.vault is None
        async with Executor(live) as executor:
            result = await executor.run("all", "ping")
        return sorted(result.results), sorted(await asyncio.to_thread(lambda: list(live.hosts)))

    ran, in_thread = asyncio.run(scenario())
    assert ran == ["a", "b"]
    assert in_thread == ["a", "b"]  # asyncio.to_thread carries the context too
    assert sorted(live.hosts) == ["a"]  # outside the shard's context: the fallback
