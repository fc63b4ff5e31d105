"""A bound key runs where it arrives instead of bubbling up the focus chain (issue 17).

Textual passes an unhandled key from the focused widget to each ancestor in turn, one
event-loop turn per level, and looks up the bindings only at the end; while 1,000 hosts
stream every turn waits behind a repaint or a flush. ``ftltui/tui/keypath.py`` looks the
bindings up at once when nothing on the chain handles keys itself. Real app via pilot.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.widget import Widget
from textual.widgets import Input

from tuihelpers import ready

SIZE = (120, 40)


async def test_pane_keys_resolve_without_the_bubble_and_typing_still_types(make_app, monkeypatch:
                                                                             pytest.MonkeyPatch) -> None:
    app = make_app()
    reached: list[str] = []
    real = Widget._on_key

    async def counting(self: Widget, event: Any) -> None:
        reached.append(type(self).__name__)
        await real(self, event)

    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        monkeypatch.setattr(Widget, "_on_key", counting)
        focused = app.focused
        assert focused is not None and focused.parent is not app.screen  # a chain to bubble through
        await pilot.press("2")
        await pilot.pause()
        assert app.main.current == "logs"
        await pilot.press("4")
        await pilot.pause()
        assert app.main.current == "jobs"
        await pilot.press("1")
        await pilot.pause()
        assert app.main.current == "inventory"
        assert reached == []  # no widget on the chain was handed the keys: resolved at the app
        # a widget that takes keys itself still gets them first: '1' is typed, not a pane switch
        await pilot.press(":")
        await pilot.pause()
        assert isinstance(app.focused, Input)
        await pilot.press("2")
        await pilot.pause()
        assert app.main.current == "inventory" and app.focused.value.endswith("2")


async def test_escape_still_clears_a_text_selection(make_app) -> None:
    """Decided per key (review finding 5 of hQ2): the screen's own ``_key_escape`` clears a
    text selection, so escape takes Textual's way through the chain; other keys stay fast."""
    from textual.selection import Selection

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("2")
        await pilot.pause()
        assert app.main.current == "logs"
        target = app.focused
        assert target is not None
        app.screen.selections = {target: Selection(None, None)}  # the operator selected text
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen.selections == {}
        await pilot.press("4")  # another key: still resolved at once
        await pilot.pause()
        assert app.main.current == "jobs"
