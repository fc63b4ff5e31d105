"""The ctrl+p palette: the same command registry as the ``:`` line, and nothing else.

Entries and their help are shown as plain ``Content``, never markup: theme names come
from files, and a usage's ``[PATTERN]`` or ``[k=v ...]`` must stay visible (Textual's
``escape`` leaves upper-case tags alone).
"""

from __future__ import annotations

from functools import partial
from typing import Callable

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.fuzzy import Matcher

from ftltui.tui.app_base import console_app
from ftltui.tui.commands import PaletteEntry


def _display(entry: PaletteEntry) -> str:
    return f":{entry.line}" if entry.ready else f":{entry.line}…"


def _highlight(matcher: Matcher, text: str) -> Content:
    """``Matcher.highlight`` reads its candidate as markup; this keeps it plain."""
    content = Content(text)
    _score, offsets = matcher.fuzzy_search.match(matcher.query, text)
    for offset in offsets:
        if not text[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


class FtlCommands(Provider):
    def _entries(self) -> list[PaletteEntry]:
        app = console_app(self.app)
        return app.registry.palette_entries(app.completion_values)

    def _command(self, entry: PaletteEntry) -> Callable[[], None]:
        app = console_app(self.app)
        if entry.ready:
            return partial(app.run_command_line, entry.line)
        return partial(app.open_command_line, entry.line)

    async def discover(self) -> Hits:
        for entry in self._entries():
            text = _display(entry)
            yield DiscoveryHit(Content(text), self._command(entry), text=text,
                               help=Content(entry.help))  # type: ignore[arg-type]  # Content passes as is

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for entry in self._entries():
            text = _display(entry)
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, _highlight(matcher, text), self._command(entry), text=text,
                          help=Content(entry.help))  # type: ignore[arg-type]
