"""What a pane switch costs the console (issue 17, key latency while 1,000 hosts stream).

A switch moves focus, and focus coming or going is a style update for the widgets it
touches. Textual's Tree answered each one (and the Resize a pane shown again gets) by
rebuilding the list of every line and laying out the whole screen a second time; Log
dropped every rendered line. A key pressed just after a switch waited behind that work.
These tests count the work, and check the looks still follow focus and theme.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.style import Style
from tuihelpers import local_group_inventory, ready

from ftltui.tui.widgets.inventory_pane import InventoryTree
from ftltui.tui.widgets.log_view import LineHighlighter, LogView

SIZE = (120, 40)


def _inventory(path: Path, n: int = 30) -> Path:
    return local_group_inventory(path, [f"h{i:02d}" for i in range(n)])


def _styles(strip: object) -> list[Style | None]:
    return [seg.style for seg in strip]  # type: ignore[attr-defined]


async def test_switching_back_to_the_inventory_keeps_its_lines(make_app, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app([str(_inventory(tmp_path / "inv.yml"))])
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        tree = app.main.query_one(InventoryTree)
        await pilot.press("1")
        await pilot.pause()
        focused_line = _styles(tree.render_line(0))
        rebuilt: list[int] = []
        real = InventoryTree._invalidate

        def counting(self: InventoryTree) -> None:
            rebuilt.append(1)
            real(self)

        monkeypatch.setattr(InventoryTree, "_invalidate", counting)
        for key in ("2", "1", "4", "1", "3", "1"):
            await pilot.press(key)
            await pilot.pause()
        assert app.main.current == "inventory"
        assert rebuilt == []  # was: 2 per switch to the pane (focus, resize), each a full-screen layout

        # looks still follow focus: blurred (the command line open) the cursor line changes...
        await pilot.press("colon")
        await pilot.pause()
        assert not tree.has_focus
        assert _styles(tree.render_line(0)) != focused_line
        await pilot.press("escape")
        await pilot.pause()
        assert tree.has_focus
        assert _styles(tree.render_line(0)) == focused_line
        # ...and a new theme repaints the lines in its colours
        app.switch_theme("ftl-light" if app.theme != "ftl-light" else "ftl-dark")
        await pilot.pause()
        assert _styles(tree.render_line(0)) != focused_line


async def test_switching_back_to_the_logs_renders_no_line_again(make_app, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app([str(_inventory(tmp_path / "inv.yml"))])
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("2")
        await pilot.pause()
        view = app.main.query_one(LogView)
        view.write_lines([f"h{i:02d} | line {i}" for i in range(60)], scroll_end=True)
        await pilot.pause()
        highlighted: list[str] = []
        real = LineHighlighter.highlight

        def counting(self: LineHighlighter, text) -> None:  # type: ignore[no-untyped-def]
            highlighted.append(text.plain)
            real(self, text)

        monkeypatch.setattr(LineHighlighter, "highlight", counting)
        for key in ("1", "2", "4", "2"):
            await pilot.press(key)
            await pilot.pause()
        assert app.main.current == "logs"
        assert highlighted == []  # was: every visible line again at each switch back

        # a line is drawn in the view's style of the moment, focused or not, never a stale one
        for key in ("colon", "escape"):
            focused = view.has_focus
            await pilot.press(key)
            await pilot.pause()
            assert view.has_focus != focused
            assert list(view.render_line(0))[0].style.bgcolor == view.rich_style.bgcolor  # type: ignore[union-attr]
        app.switch_theme("ftl-light" if app.theme != "ftl-light" else "ftl-dark")
        await pilot.pause()
        assert list(view.render_line(0))[0].style.bgcolor == view.rich_style.bgcolor  # type: ignore[union-attr]
