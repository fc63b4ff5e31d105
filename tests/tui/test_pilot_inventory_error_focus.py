"""When the inventory fails to load, the global keys still work (hR finding 22).

Before, focus landed in the Inventory pane's (hidden) filter input: ``2`` and ``q`` were
typed into it (``filter: 2q``) instead of switching pane or quitting, on exactly the
broken inventory where the operator needs ``:reload``.
"""

from __future__ import annotations

from pathlib import Path

from tuihelpers import ready, wait_for

from ftltui.tui.widgets.pane import FilterInput


async def test_a_broken_inventory_leaves_focus_out_of_the_filter(make_app, tmp_path: Path) -> None:
    bad = tmp_path / "bad.ini"
    bad.write_text("[web]\nh1\nthis line is not a host definition = = =\n")
    app = make_app([str(bad)])
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await wait_for(pilot, lambda: app.inventory_error is not None)
        await pilot.pause()
        assert not isinstance(app.focused, FilterInput), app.focused
        await pilot.press("2")
        assert app.main.current == "logs"
        await pilot.press("1")
        assert app.main.current == "inventory"
        assert app.main.pane("inventory").filter.text == ""
        await pilot.press("q")
        await wait_for(pilot, lambda: not app.is_running)
