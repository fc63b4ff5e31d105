"""Keys pressed in the console make the engine's shard workers yield the cores (issue 17).

The console's loop answers keys and repaints; next to busy workers a repaint waited for a
core long enough that the key behind it took over 100 ms. From the first key until the
session's input window after the last one, the workers' sessions run at
ShardConfig.input_group_nice, then go back. Real app, real worker processes, the niceness
read from /proc.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tuihelpers import jobs_finished, local_group_inventory, ready, wait_for

from ftltui.engine.shards.config import ShardConfig

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/autogroup").exists()
    or Path("/proc/sys/kernel/sched_autogroup_enabled").read_text().strip() != "1",
    reason="no autogroup scheduling on this kernel")


def _group_nice(pid: int) -> int | None:
    text = Path(f"/proc/{pid}/autogroup").read_text()
    return int(text.split("nice")[1]) if "nice" in text else None


def _inventory(path: Path) -> Path:
    return local_group_inventory(path, [f"h{i}" for i in range(4)])


async def test_keys_lower_the_workers_priority_until_they_stop(make_app, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FTL_TUI_WORKERS", "2")
    cfg = ShardConfig(1)
    app = make_app([str(_inventory(tmp_path / "inv.yml"))])
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        priority = app.services.input_priority
        # long enough that a loaded machine sees the change before the window ends (the kernel
        # lets one autogroup change through per 100 ms, machine-wide)
        priority.window = 600.0
        app.run_command_line("run all ping")
        await wait_for(pilot, lambda: jobs_finished(app, 1))
        priority.stop()  # the keys that started the run: back to nobody typing
        shards = app.services.executor.shards
        assert shards is not None
        pids = shards.pids()
        assert len(pids) == 2

        def at(nice: int) -> bool:
            return [_group_nice(p) for p in pids] == [nice] * 2

        await wait_for(pilot, lambda: at(cfg.group_nice))  # nobody typing: the usual priority
        await pilot.press("2")
        assert priority.active
        await wait_for(pilot, lambda: at(cfg.input_group_nice))
        priority.stop()  # what the window's end does (the session's close too)
        await wait_for(pilot, lambda: at(cfg.group_nice))


async def test_the_input_window_ends_after_the_last_key(make_app, tmp_path: Path) -> None:
    """The window is measured from the last key: pressing keys keeps it open, and it closes
    once they stop (no workers needed: the window is the session's)."""
    app = make_app([str(_inventory(tmp_path / "inv.yml"))])
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        priority = app.services.input_priority
        app.services.executor  # noqa: B018 - the console's executor exists once it runs anything
        priority.window = 2.0  # seconds: no stall between a key and the check below is that long
        for key in ("2", "1", "2"):
            await pilot.press(key)
            assert priority.active
        await wait_for(pilot, lambda: not priority.active)
