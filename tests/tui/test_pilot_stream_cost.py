"""What a streaming run costs the console's screen (issue 17): the real app via pilot.

- Host statuses for a hidden Inventory pane asked Textual for a full-screen layout at every
  80 ms flush (the hidden tree is never re-measured, so every label still looked too wide):
  now once per wider line.
- Following a stream repaints every visible log line at each flush; a line's cropped strip
  is kept with the strip it was cut from, and must never outlive it (pruned lines, search).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Log

from ftltui.console import updates as up
from ftltui.tui.widgets.inventory_pane import InventoryTree

from tuihelpers import local_group_inventory, ready, wait_for

SIZE = (120, 40)


def _short_inventory(path: Path) -> Path:
    return local_group_inventory(path, [f"a{i}" for i in range(6)])


async def test_hidden_inventory_statuses_ask_no_layout_each_flush(make_app, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app([str(_short_inventory(tmp_path / "inv.yml"))])
    asked: list[int] = []
    real = InventoryTree._invalidate

    def counting(self: InventoryTree) -> None:
        asked.append(1)
        real(self)

    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("2")  # the Logs pane: the inventory tree is hidden
        await pilot.pause()
        inv = app.inventory_pane()
        tree = inv.query_one(InventoryTree)
        monkeypatch.setattr(InventoryTree, "_invalidate", counting)
        for i in range(6):  # statuses wider than the tree was measured
            inv.status[f"a{i}"] = "unreachable"
            inv.refresh_host(f"a{i}")
        nodes = [n for hs in inv._host_nodes.values() for n in hs]
        for _ in range(5):  # five flushes before the hidden tree is measured again (it may never be)
            tree.fit_width(nodes)
        # at most one re-measure asked, never one full-screen layout per flush (and since the
        # hidden pane's labels wait until it is shown: none)
        assert len(asked) <= 1
        await pilot.press("1")  # shown: measured, every status on screen
        await pilot.pause()
        assert tree.virtual_size.width >= max(tree.line_width(n) for hs in inv._host_nodes.values() for n in hs)


def _visible_text(view: Log) -> tuple[list[str], list[str]]:
    width = view.scrollable_content_region.width
    top = int(view.scroll_y)
    return [view.render_line(y).text.rstrip() for y in range(min(view.size.height, view.line_count - top))], \
        [line[int(view.scroll_x):int(view.scroll_x) + width].rstrip() for line in view.lines[top:top + view.size.height]]


async def test_cropped_log_lines_are_reused_and_never_stale(make_app, monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app(log_capacity=60)
    cuts: list[int] = []
    real = Log._render_line

    def counting(self: Log, y: int, scroll_x: int, width: int):
        cuts.append(y)
        return real(self, y, scroll_x, width)

    monkeypatch.setattr(Log, "_render_line", counting)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("2")
        view = app.main.pane("logs").main()
        app._pending.extend(("1", "web1", "stdout", f"line {i}") for i in range(40))
        await wait_for(pilot, lambda: view.line_count == 40)
        await pilot.pause()
        shown, want = _visible_text(view)
        assert shown == want
        cuts.clear()
        view.refresh()  # the same window again: every line from the cache
        await pilot.pause()
        assert _visible_text(view)[0] == want and [y for y in cuts if y < view.line_count] == []
        # 50 more lines into a 60-line log: the oldest are pruned, the rest move up
        app._pending.extend(("1", "db1", "stderr", f"more {i}") for i in range(50))
        await wait_for(pilot, lambda: any("more 49" in line for line in view.lines))
        await pilot.press("g")  # to the top: lines now at indexes that held others before
        await pilot.pause()
        shown, want = _visible_text(view)
        assert shown == want and shown
        app.main.pane("logs").set_search("more 3")  # highlighting changes: cut again
        await pilot.pause()
        assert _visible_text(view)[0] == _visible_text(view)[1]
        marked = [seg for y in range(view.size.height) for seg in view.render_line(y)
                  if seg.text.startswith("more 3") and seg.style and seg.style.reverse]
        assert marked
