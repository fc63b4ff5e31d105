"""The header: inventory name, host counts by status, connections, running jobs, pane tabs.

Every colour comes from the theme through component classes: the brand label and
the active tab have a background of their own (reverse video would take the
terminal's default background, dark on dark in a light theme on a dark terminal),
and the status colours (success, warning, error) are used for host counts only.
"""

from __future__ import annotations

from typing import Any

from rich.style import Style
from rich.text import Text
from textual.color import Color

from ftltui.tui.widgets.status_line import StatusLine

def _luminance(c: Color) -> float:
    def lin(v: int) -> float:
        x = v / 255
        return x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4

    return 0.2126 * lin(c.r) + 0.7152 * lin(c.g) + 0.0722 * lin(c.b)


def readable_on(background: Color, *candidates: Color) -> Color:
    """The candidate with the best (WCAG) contrast on ``background``."""
    bg = _luminance(background)
    return max(candidates, key=lambda c: (max(bg, _luminance(c)) + 0.05) / (min(bg, _luminance(c)) + 0.05))


PANE_LABELS = (("inventory", "1 Inventory"), ("logs", "2 Logs"), ("drift", "3 Drift"), ("jobs", "4 Jobs"))
COUNT_ORDER = ("ok", "changed", "failed", "unreachable", "running")


class StatusHeader(StatusLine):
    DEFAULT_CSS = """
    StatusHeader > .status-header--brand {
        background: $primary;
        text-style: bold;
    }
    StatusHeader > .status-header--tab-active {
        background: $foreground;
        text-style: bold;
    }
    StatusHeader > .status-header--tab {
        text-style: dim;
    }
    StatusHeader > .status-header--ok { color: $success; }
    StatusHeader > .status-header--changed { color: $warning; }
    StatusHeader > .status-header--failed { color: $error; text-style: bold; }
    StatusHeader > .status-header--unreachable { color: $error; }
    StatusHeader > .status-header--running { color: $primary; }
    StatusHeader > .status-header--jobs-running { color: $primary; text-style: bold; }
    StatusHeader > .status-header--readonly {
        background: $error;
        text-style: bold;
    }
    """
    COMPONENT_CLASSES = {"status-header--brand", "status-header--tab-active", "status-header--tab",
                         "status-header--readonly",
                         "status-header--jobs-running", *(f"status-header--{k}" for k in COUNT_ORDER)}

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self._last: dict[str, Any] | None = None

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)

    def _theme_changed(self, _theme: Any) -> None:
        if self._last is not None and self.is_attached:
            self.show(**self._last)

    def _style(self, name: str) -> Any:
        return self.get_component_rich_style(f"status-header--{name}", partial=True)

    def _label_style(self, name: str) -> Style:
        """A label on its own theme background, in whichever of the theme's text and
        background colours reads better on it (no reverse video, no terminal default)."""
        style = self._style(name)
        bg = self.get_component_styles(f"status-header--{name}").background
        theme = self.app.theme_variables
        text = readable_on(bg, Color.parse(theme["background"]), Color.parse(theme["foreground"]))
        return style + Style(color=text.rich_color)

    def show(self, *, inventory: str, hosts: int, counts: dict[str, int], connections: int, jumps: int,
             running: int, pane: str, readonly: bool = False) -> None:
        self._last = dict(inventory=inventory, hosts=hosts, counts=counts, connections=connections, jumps=jumps,
                          running=running, pane=pane, readonly=readonly)
        head = Text()
        head.append(" ftl-tui ", style=self._label_style("brand"))
        if readonly:  # right after the brand: visible at 80 columns whatever the inventory's name
            head.append(" ")
            head.append(" READ-ONLY ", style=self._label_style("readonly"))
        rest = Text(f"hosts {hosts}")
        for k in COUNT_ORDER:
            if counts.get(k):
                rest.append(f"  {k} {counts[k]}", style=self._style(k))
        rest.append(f"  │ conns {connections}")
        if jumps:  # of those, the connections to jump hosts that carry tunnels (not the tunnelled ones)
            rest.append(f" ({jumps} to jump hosts)" if jumps > 1 else " (1 to a jump host)")
        rest.append(f"  │ jobs running {running}", style=self._style("jobs-running") if running else "")
        # one row whatever the width: a wrapped first row pushed the pane tabs off the header
        # at 80 columns (attached, or with a few counters) while a job ran. The inventory's
        # name gives way first, then the row is cropped at the right edge.
        room = (self.size.width or 80) - head.cell_len - rest.cell_len - 4
        name = inventory if len(inventory) <= max(room, 12) else inventory[:max(room, 12) - 1] + "…"
        t = head
        t.append(f"  {name}  ", style="bold")
        t.append_text(rest)
        t.append("\n")
        for pane_name, label in PANE_LABELS:
            t.append(f" {label} ", style=self._label_style("tab-active") if pane_name == pane else self._style("tab"))
            t.append(" ")
        t.no_wrap, t.overflow = True, "ellipsis"
        self.show_text(t)

    def on_resize(self) -> None:
        if self._last is not None:
            self.show(**self._last)  # the inventory's name fits the new width
