"""The Executor's public surface the faces use: async with, connection stats, inventory swap."""

from __future__ import annotations

import asyncio
from pathlib import Path

from ftltui.engine.executor import ConnectionStats, Executor
from ftltui.inventory import load_inventory


def test_async_with_stats_and_swap(tmp_path: Path) -> None:
    first, second = tmp_path / "a.yml", tmp_path / "b.yml"
    first.write_text("all:\n  hosts:\n    one:\n      ansible_connection: local\n")
    second.write_text("all:\n  hosts:\n    two:\n      ansible_connection: local\n")

    async def scenario() -> tuple[ConnectionStats, list[str], list[str]]:
        async with Executor(load_inventory([str(first)])) as executor:
            before = await executor.run("all", "ping")
            executor.set_inventory(load_inventory([str(second)]))
            after = await executor.run("all", "ping")
            stats = executor.connection_stats()  # local hosts only: no SSH pool was ever made
        assert executor.connection_stats() == ConnectionStats(0, 0)  # closed: nothing held
        return stats, list(before.results), list(after.results)

    stats, before, after = asyncio.run(scenario())
    assert stats == ConnectionStats(0, 0)
    assert (before, after) == (["one"], ["two"])
