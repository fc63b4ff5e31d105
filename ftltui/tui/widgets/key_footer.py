"""The footer: the focused pane's bindings on one line.

Textual's ``Footer`` recomposes a widget per key whenever focus moves, which costs
tens of milliseconds per pane switch: while output streams that lands right in the
key-press path. This footer is one widget rendering one line, rebuilt only when the
set of shown bindings actually changes.
"""

from __future__ import annotations

from rich.text import Text
from textual.screen import Screen

from ftltui.tui.widgets.status_line import StatusLine


class KeyFooter(StatusLine):
    DEFAULT_CSS = """
    KeyFooter {
        dock: bottom;
        height: 1;
        background: $footer-background;
        color: $footer-description-foreground;
    }
    KeyFooter > .key-footer--key {
        color: $footer-key-foreground;
        background: $footer-key-background;
        text-style: bold;
    }
    """
    COMPONENT_CLASSES = {"key-footer--key"}

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self.call_after_refresh(self.rebuild)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen) -> None:
        if self.is_attached and screen is self.screen:
            self.rebuild()

    def on_resize(self) -> None:
        self.rebuild()

    def rebuild(self) -> None:
        """Lay the keys out for the current width: roomy, then compact, then trimmed.

        The app-wide keys (``:``, ``?``, ``q``) come last and are never trimmed, so
        help is always one visible key away however narrow the terminal is.
        """
        items: list[tuple[str, str, bool, bool]] = []
        seen: set[str] = set()
        for active in self.screen.active_bindings.values():
            b = active.binding
            if not b.show or b.action in seen:
                continue
            seen.add(b.action)
            items.append((self.app.get_key_display(b), b.description, active.enabled, (b.id or "").startswith("app.")))
        width = self.size.width or 10_000
        for compact in (False, True):
            t = self._line(items, compact)
            if t.cell_len <= width:
                break
        else:
            kept = list(items)
            while t.cell_len > width and any(not app_key for *_, app_key in kept):
                drop = max(i for i, it in enumerate(kept) if not it[3])
                del kept[drop]
                t = self._line(kept, True, trimmed=True)
        self.show_text(t)

    def _line(self, items: list[tuple[str, str, bool, bool]], compact: bool, trimmed: bool = False) -> Text:
        key_style = self.get_component_rich_style("key-footer--key", partial=True)
        t = Text(no_wrap=True, overflow="ellipsis")
        for i, (key, description, enabled, app_key) in enumerate(items):
            if trimmed and app_key and (i == 0 or not items[i - 1][3]):
                t.append("… ", style="dim")
            t.append(key if compact else f" {key} ", style=key_style)
            t.append(f" {description}  " if compact else f"{description} ", style="" if enabled else "dim")
        return t
