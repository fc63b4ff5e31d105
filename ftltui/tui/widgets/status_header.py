"""The header: inventory name, host counts by status, connections, running jobs, pane tabs."""

from __future__ import annotations

from rich.text import Text

from ftltui.tui.widgets.status_line import StatusLine

PANE_LABELS = (("inventory", "1 Inventory"), ("logs", "2 Logs"), ("drift", "3 Drift"), ("jobs", "4 Jobs"))


class StatusHeader(StatusLine):
    def show(self, *, inventory: str, hosts: int, counts: dict[str, int], connections: int, jumps: int,
             running: int, pane: str) -> None:
        t = Text()
        t.append(" ftl-tui ", style="bold reverse")
        t.append(f"  {inventory}  ", style="bold")
        t.append(f"hosts {hosts}")
        order = ("ok", "changed", "failed", "unreachable", "running")
        styles = {"ok": "green", "changed": "yellow", "failed": "red", "unreachable": "magenta", "running": "cyan"}
        for k in order:
            if counts.get(k):
                t.append(f"  {k} {counts[k]}", style=styles[k])
        t.append(f"  │ conns {connections}")
        if jumps:
            t.append(f" ({jumps} via jump host{'s' if jumps > 1 else ''})")
        t.append(f"  │ jobs running {running}", style="bold cyan" if running else "")
        t.append("\n")
        for name, label in PANE_LABELS:
            t.append(f" {label} ", style="bold reverse" if name == pane else "dim")
            t.append(" ")
        self.show_text(t)
