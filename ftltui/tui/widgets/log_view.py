"""The log view: textual's lazily rendered ``Log`` with host colours, search marks, follow.

Rendering stays lazy (only visible lines are turned into strips); colour comes from
a Rich highlighter applied per visible line: the host prefix gets a stable colour,
stderr lines red, search matches reverse video. Follow mode is explicit: scrolling
up pauses it, ``f``/``G`` resumes.
"""

from __future__ import annotations

import os
import re
import zlib
from collections.abc import KeysView

from rich.highlighter import Highlighter
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import Reactive
from textual.strip import Strip
from textual.widgets import Log

# Host names tell hosts apart, never status: red, green and yellow mean failed, ok and
# changed everywhere else, so a healthy host must not be printed in them.
HOST_COLOURS = ("cyan", "blue", "magenta", "bright_cyan", "bright_blue", "bright_magenta")
_PREFIX = re.compile(r"^(?:\d\d:\d\d:\d\d )?(\S+) ([|!=]) ")


class FollowChanged(Message):
    def __init__(self, following: bool) -> None:
        super().__init__()
        self.following = following


class LineHighlighter(Highlighter):
    def __init__(self) -> None:
        self.search: re.Pattern[str] | None = None
        self.no_color = bool(os.environ.get("NO_COLOR"))  # the app re-sets it from App.no_color

    def highlight(self, text: Text) -> None:
        plain = text.plain
        m = _PREFIX.match(plain)
        if m:
            host, sep = m.group(1), m.group(2)
            if self.no_color:
                text.stylize("bold", m.start(1), m.end(1))
            else:
                colour = HOST_COLOURS[zlib.crc32(host.encode()) % len(HOST_COLOURS)]
                text.stylize(f"bold {colour}", m.start(1), m.end(1))
                if sep == "!":
                    text.stylize("red", m.end(0), len(plain))
                elif sep == "=":
                    text.stylize("bold", m.end(0), len(plain))
        elif plain.startswith("-- "):
            text.stylize("dim italic")
        if self.search is not None:
            for sm in self.search.finditer(plain):
                if sm.end() > sm.start():
                    text.stylize("reverse bold", sm.start(), sm.end())


class StyledLineCache:
    """Log's cache of rendered lines, one per widget style. A line's strip depends on its
    text and the widget's style, and the style changes with focus (Log's ``:focus`` tint):
    Log drops every rendered line at each style update, so every switch to the Logs pane
    rendered the whole page again (issue 17, key latency). Lines are kept per style; what
    Log does besides get and set (clear, discard, its re-keying when it prunes) applies to
    every style's lines, so nothing stale survives."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.by_style: dict[Style, LRUCache[int, Strip]] = {}
        self.lines: LRUCache[int, Strip] = LRUCache(size)

    def use(self, style: Style) -> None:
        """Read and write the lines of widgets drawn in ``style`` (two are kept: focused or not)."""
        lines = self.by_style.get(style)
        if lines is None:
            if len(self.by_style) >= 2:
                self.by_style.clear()
            lines = self.by_style[style] = LRUCache(self.size)
        self.lines = lines

    def get(self, y: int) -> Strip | None:
        return self.lines.get(y)

    def __contains__(self, y: int) -> bool:
        return y in self.lines

    def __getitem__(self, y: int) -> Strip:
        return self.lines[y]

    def __setitem__(self, y: int, strip: Strip) -> None:
        self.lines[y] = strip

    def keys(self) -> KeysView[int]:  # Log re-keys the lines it keeps when it prunes
        return self.lines.keys()

    def clear(self) -> None:
        for lines in self.by_style.values():
            lines.clear()
        self.lines.clear()

    def discard(self, y: int) -> None:
        for lines in self.by_style.values():
            lines.discard(y)
        self.lines.discard(y)


class LogView(Log):
    BINDINGS = [
        Binding("j", "scroll_down", "Down", id="logs.down", show=False),
        Binding("k", "scroll_up", "Up", id="logs.up", show=False),
        Binding("g", "scroll_home", "Top", id="logs.top", show=False),
        Binding("G", "follow", "Bottom", id="logs.bottom", show=False),
        Binding("f", "follow", "Follow", id="logs.follow"),
    ]

    # ``Log`` sets ``virtual_size`` on every write, and Widget's reactive asks for a layout
    # pass of the whole screen each time: with output streaming, every 80 ms flush reflowed
    # and repainted every pane. Only this widget's scroll range changed: its scrollbars
    # are updated here, and a scrollbar that appears or goes still asks for the layout
    # (``show_*_scrollbar`` are layout reactives).
    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)
    highlighter: LineHighlighter  # Log's is any Rich highlighter; this one knows hosts and the search

    def watch_virtual_size(self, size: Size) -> None:
        self._scroll_update(size)
        self.refresh()

    def __init__(self, **kw) -> None:
        super().__init__(highlight=True, auto_scroll=True, **kw)
        self.highlighter = LineHighlighter()
        self._cropped: LRUCache[tuple[int, int, int], tuple[Strip, Strip]] = LRUCache(1024)
        self._styled_lines = StyledLineCache(1024)
        self._render_line_cache = self._styled_lines  # type: ignore[assignment]  # LRUCache's interface, per style
        self.following = True
        self._programmatic = False

    def on_mount(self) -> None:
        # Textual reads (and removes) NO_COLOR at App start: ask the app, not the environment.
        self.highlighter.no_color = self.highlighter.no_color or bool(getattr(self.app, "no_color", False))

    def _update_size(self, updates: int, lines: list[str]) -> None:  # type: ignore[override]
        # Log starts a thread worker per write to measure widths; at 12 batches a second
        # that is 12 threads a second. Plain len() of a batch is cheaper than a thread.
        if lines:
            self._update_maximum_width(updates, max(len(line) for line in lines) + 8)

    _paint_style: Style | None = None  # the widget's style during one render_lines call

    def render_lines(self, crop: Region) -> list[Strip]:
        # ``rich_style`` resolves the widget's and its ancestors' styles at every read, and Log
        # read it once per line: a quarter of a follow repaint's CPU (issue 17, key latency).
        # It cannot change while one paint runs.
        self._paint_style = self.rich_style
        try:
            return super().render_lines(crop)
        finally:
            self._paint_style = None

    def _render_line(self, y: int, scroll_x: int, width: int) -> Strip:
        # Following a stream scrolls the view at every flush, so Textual asks for every visible
        # line again and Log crops and re-offsets each one (and reads ``rich_style``, which walks
        # the ancestors' styles): most of a repaint's time while 1,000 hosts streamed (issue 17).
        # The cropped line is kept with the strip it was cut from; a changed line, a search, a
        # style change or pruned lines give a different strip, and so a miss.
        if self.text_selection is not None or y >= len(self._lines):
            return super()._render_line(y, scroll_x, width)
        style = self._paint_style or self.rich_style
        self._styled_lines.use(style)
        key = (y, scroll_x, width)
        base = self._render_line_cache.get(y)
        hit = self._cropped.get(key)
        if hit is not None and base is not None and hit[0] is base:
            return hit[1]
        # Log._render_line, with the style of this paint instead of a fresh ``rich_style``
        line = self._render_line_strip(y, style).crop_extend(scroll_x, scroll_x + width, style)
        line = line.apply_offsets(scroll_x, y)
        base = self._render_line_cache.get(y)
        if base is not None:
            self._cropped[key] = (base, line)
        return line

    def _render_line_strip(self, y: int, rich_style: Style) -> Strip:
        # Log caches only while text is selected; cache always (cleared on search,
        # style and content changes) so a fast stream re-highlights only new lines.
        if self.text_selection is None:
            cached = self._render_line_cache.get(y)
            if cached is not None:
                return cached
            strip = super()._render_line_strip(y, rich_style)
            self._render_line_cache[y] = strip
            return strip
        return super()._render_line_strip(y, rich_style)

    def notify_style_update(self) -> None:
        # Log clears its rendered lines here; they are kept per style (StyledLineCache) and
        # the style is looked up at each render, so a changed style is never served stale.
        super(Log, self).notify_style_update()

    def set_search(self, pattern: re.Pattern[str] | None) -> None:
        self.highlighter.search = pattern
        self._render_line_cache.clear()
        self.refresh()

    def pause(self) -> None:
        if self.following:
            self.following = False
            self.auto_scroll = False
            self.post_message(FollowChanged(False))

    def action_follow(self) -> None:
        self.following = True
        self.auto_scroll = True
        self.scroll_end(animate=False, immediate=True)
        self.post_message(FollowChanged(True))

    def action_scroll_up(self) -> None:
        self.pause()
        super().action_scroll_up()

    def action_scroll_home(self) -> None:
        self.pause()
        super().action_scroll_home()

    def action_page_up(self) -> None:
        self.pause()
        super().action_page_up()

    def _on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        self.pause()
        super()._on_mouse_scroll_up(event)

    def goto_line(self, y: int) -> None:
        self.pause()
        self.scroll_to(y=max(0, y - self.size.height // 2), animate=False, immediate=True)

