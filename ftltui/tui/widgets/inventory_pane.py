"""Inventory pane: the tree of groups and hosts with live status, and host details."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widget import Widget
from textual.widgets import Static, Tree

from ftltui.tui.filters import PaneFilter
from ftltui.tui.hostview import STATUS_ICON, describe
from ftltui.tui.messages import HostDetailsRequested, RunRequested
from ftltui.tui.plain import plain
from ftltui.tui.widgets.nav import NavTree
from ftltui.tui.widgets.pane import Pane

STATUSES = ("ok", "changed", "failed", "unreachable", "skipped", "cancelled", "running")
MAX_EXPANDED = 200  # bigger groups start collapsed...
LAZY_ABOVE = 1000  # ...and above this many hosts, collapsed groups get their nodes only when opened


class InventoryTree(NavTree):
    # Status colours come from the theme; red/green/yellow mean a status, never a name.
    DEFAULT_CSS = """
    InventoryTree > .inventory--ok { color: $success; }
    InventoryTree > .inventory--changed { color: $warning; }
    InventoryTree > .inventory--failed { color: $error; text-style: bold; }
    InventoryTree > .inventory--unreachable { color: $error; text-style: italic; }
    InventoryTree > .inventory--skipped { text-style: dim; }
    InventoryTree > .inventory--cancelled { text-style: dim; }
    InventoryTree > .inventory--running { color: $primary; text-style: bold; }
    InventoryTree > .inventory--unknown { text-style: dim; }
    InventoryTree > .inventory--marked { background: $secondary; color: $background; text-style: bold; }
    """
    COMPONENT_CLASSES = NavTree.COMPONENT_CLASSES | {f"inventory--{s}" for s in (*STATUSES, "unknown", "marked")}
    BINDINGS = [
        Binding("space", "mark", "Mark", id="inventory.mark"),
        Binding("r", "run", "Run…", id="inventory.run"),
        Binding("enter", "details", "Details", id="inventory.details"),
        Binding("a", "mark_all", "Mark all", id="inventory.mark_all", show=False),
        Binding("u", "unmark_all", "Unmark", id="inventory.unmark_all", show=False),
    ]

    def action_mark(self) -> None:
        self.pane.toggle_mark(self.cursor_node)

    def action_run(self) -> None:
        self.pane.request_run(self.cursor_node)

    def action_details(self) -> None:
        node = self.cursor_node
        if node is not None and node.data and node.data[0] == "host":
            self.post_message(HostDetailsRequested(node.data[1]))
        elif node is not None:
            node.toggle()

    def action_mark_all(self) -> None:
        self.pane.mark_visible(True)

    def action_unmark_all(self) -> None:
        self.pane.mark_visible(False)

    @property
    def pane(self) -> InventoryPane:
        return next(a for a in self.ancestors if isinstance(a, InventoryPane))


class InventoryPane(Pane):
    TITLE = "Inventory"

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.inventory: Any = None
        self.status: dict[str, str] = {}
        self.facts: dict[str, dict[str, Any]] = {}
        self.marked: set[str] = set()
        self._host_nodes: dict[str, list[Any]] = {}
        self._lazy: dict[int, tuple[str, set[str]]] = {}  # tree node id -> (group, visible hosts)
        self._lazy_ok = False

    def compose(self) -> ComposeResult:
        yield from self.compose_title()
        yield from self.compose_filter()
        with Horizontal():
            yield InventoryTree("all", id="inventory-tree")
            with VerticalScroll(id="inventory-details-box"):
                yield Static("", id="inventory-details")

    def main(self) -> Widget:
        return self.query_one(InventoryTree)

    def title_extra(self) -> str:
        if self.inventory is None:
            return ""
        return f"{len(self.inventory.hosts)} hosts · {len(self.marked)} marked"

    # -- building -------------------------------------------------------------------
    def set_inventory(self, inventory: Any) -> None:
        self.inventory = inventory
        self.marked &= set(inventory.hosts)
        self.rebuild()

    def rebuild(self) -> None:
        tree = self.query_one(InventoryTree)
        inv = self.inventory
        tree.clear()
        self._host_nodes = {}
        self._lazy = {}
        if inv is None:
            return
        flt = self.filter
        visible = {h for h in inv.hosts if flt.matches(h)}
        self._lazy_ok = len(visible) > LAZY_ABOVE
        tree.root.data = ("group", "all")
        groups = inv.groups
        top = [g for g in groups.values() if g.name != "all" and not [p for p in g.parents if p != "all"]]
        placed: set[str] = set()
        for g in top:
            self._add_group(tree.root, g.name, visible, placed, depth=0)
        rest = [h for h in inv.hosts if h in visible and h not in placed]
        if rest:
            node = tree.root.add(Text(f"ungrouped ({len(rest)})", style="bold"), data=("group", "ungrouped"),
                                 expand=len(rest) <= MAX_EXPANDED)
            for h in rest:
                self._add_host(node, h)
        tree.root.expand()
        self.update_title()
        self.call_after_refresh(lambda: self.show_details(tree.cursor_node))

    def _members(self, name: str) -> list[str]:
        g = self.inventory.groups[name]
        out = list(g.hosts)
        for c in g.children:
            if c in self.inventory.groups:
                out.extend(self._members(c))
        return list(dict.fromkeys(out))

    def _add_group(self, parent: Any, name: str, visible: set[str], placed: set[str], depth: int) -> None:
        if depth > 20 or name not in self.inventory.groups:
            return
        members = [h for h in self._members(name) if h in visible]
        if not members:
            return
        g = self.inventory.groups[name]
        expand = len(members) <= MAX_EXPANDED and not self._lazy_ok
        node = parent.add(plain(f"{name} ({len(members)})", style="bold"), data=("group", name), expand=expand)
        if self._lazy_ok:
            self._lazy[node.id] = (name, visible)
            node.allow_expand = True
            placed.update(members)
            return
        self._fill_group(node, g, visible, placed, depth)

    def _fill_group(self, node: Any, g: Any, visible: set[str], placed: set[str], depth: int) -> None:
        for c in g.children:
            self._add_group(node, c, visible, placed, depth + 1)
        for h in g.hosts:
            if h in visible:
                self._add_host(node, h)
                placed.add(h)

    def on_tree_node_expanded(self, event: Tree.NodeExpanded) -> None:
        lazy = self._lazy.pop(event.node.id, None)
        if lazy is not None:
            name, visible = lazy
            self._lazy_ok = False
            self._fill_group(event.node, self.inventory.groups[name], visible, set(), 0)
            self._lazy_ok = True

    def _add_host(self, parent: Any, name: str) -> None:
        node = parent.add_leaf(self._label(name), data=("host", name))
        self._host_nodes.setdefault(name, []).append(node)

    def status_style(self, status: str | None) -> Any:
        tree = self.query_one(InventoryTree)
        return tree.get_component_rich_style(f"inventory--{status if status in STATUSES else 'unknown'}",
                                             partial=True)

    def _label(self, name: str) -> Text:
        st = self.status.get(name)
        marked = name in self.marked
        mark = "▶ " if marked else "  "
        t = Text(mark, style="bold")
        style = self.status_style(st)
        t.append(STATUS_ICON.get(st, "·") + " ", style=style)
        # the name itself is never in a status colour (the icon and the word carry it)
        t.append_text(plain(name, style=self.query_one(InventoryTree).get_component_rich_style(
            "inventory--marked", partial=True) if marked else ""))
        if st:
            t.append(f"  {st}", style=style)
        return t

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)

    def _theme_changed(self, _theme: Any) -> None:
        if self.is_attached:
            for name in self._host_nodes:
                self.refresh_host(name)

    def refresh_host(self, name: str) -> None:
        for node in self._host_nodes.get(name, ()):
            node.set_label(self._label(name))

    # -- live status --------------------------------------------------------------------
    def set_status(self, updates: dict[str, str]) -> None:
        self.status.update(updates)
        for h in updates:
            self.refresh_host(h)
        self.query_one(InventoryTree).fit_width(n for h in updates for n in self._host_nodes.get(h, ()))
        cur = self.query_one(InventoryTree).cursor_node
        if cur is not None and cur.data and cur.data[1] in updates:
            self.show_details(cur)

    # -- marks & run -------------------------------------------------------------------
    def hosts_of(self, node: Any) -> list[str]:
        if node is None or not node.data or self.inventory is None:
            return []
        kind, name = node.data
        if kind == "host":
            return [name]
        if name == "all":
            hosts = list(self.inventory.hosts)
        elif name == "ungrouped":
            hosts = [c.data[1] for c in node.children if c.data and c.data[0] == "host"]
        else:
            hosts = self._members(name)
        return [h for h in hosts if self.filter.matches(h)]

    def toggle_mark(self, node: Any) -> None:
        hosts = self.hosts_of(node)
        if not hosts:
            return
        on = not all(h in self.marked for h in hosts)
        for h in hosts:
            (self.marked.add if on else self.marked.discard)(h)
            self.refresh_host(h)
        tree = self.query_one(InventoryTree)
        if node is not None and node.data[0] == "host":
            tree.action_cursor_down()
        self.update_title()

    def mark_visible(self, on: bool) -> None:
        hosts = self.hosts_of(self.query_one(InventoryTree).root)
        for h in hosts:
            (self.marked.add if on else self.marked.discard)(h)
            self.refresh_host(h)
        self.update_title()

    def mark_hosts(self, hosts: list[str]) -> None:
        self.marked.update(hosts)
        for h in hosts:
            self.refresh_host(h)
        self.update_title()

    def request_run(self, node: Any) -> None:
        if self.marked:
            hosts = [h for h in self.inventory.hosts if h in self.marked]
            label = f"{len(hosts)} marked host(s)"
        else:
            hosts = self.hosts_of(node)
            label = f"{node.data[0]} {node.data[1]}" if node is not None and node.data else "selection"
        if hosts:
            self.post_message(RunRequested(hosts, label))
        else:
            self.app.notify("nothing selected", severity="warning")

    # -- details ----------------------------------------------------------------------
    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted) -> None:
        self.show_details(event.node)

    def show_details(self, node: Any) -> None:
        boxes = self.query("#inventory-details")
        if not boxes:
            return
        box = boxes.first(Static)
        if node is None or not node.data or self.inventory is None:
            box.update("")
            return
        kind, name = node.data
        if kind == "host" and name in self.inventory.hosts:
            host = self.inventory.hosts[name]
            box.update(Text("\n".join(describe(host, self.status.get(name), self.facts.get(name)))))
        else:
            hosts = self.hosts_of(node)
            counts: dict[str, int] = {}
            for h in hosts:
                st = self.status.get(h, "unknown")
                counts[st] = counts.get(st, 0) + 1
            lines = [f"group    {name}", f"hosts    {len(hosts)}",
                     "status   " + (", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "-")]
            g = self.inventory.groups.get(name)
            if g is not None:
                lines += [f"children {', '.join(g.children) or '-'}", "", "vars (group's own)"]
                from ftltui.engine.sanitize import safe_text

                for k, v in sorted(g.vars.items()):
                    shown = "********" if any(s in k.lower() for s in ("pass", "secret", "token")) else v
                    lines.append(f"  {k}: {safe_text(str(shown), 200)}")
            box.update(Text("\n".join(lines)))

    def filter_changed(self, value: PaneFilter) -> None:
        if self.inventory is not None:
            self.rebuild()
