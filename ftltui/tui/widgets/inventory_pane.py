"""Inventory pane: the tree of groups and hosts with live status, and host details.

Built for big inventories (issue 17: 1,000 hosts open in under a second):

- a group that starts collapsed gets its nodes only when it is opened (a collapsed
  group's hosts are not on screen, so building them at open time only costs);
- a host's label is plain ``Text`` from cached pieces: the status styles are read from
  the theme once per theme (``get_component_rich_style`` resolves CSS each call, which
  was two thirds of building 1,000 labels) and the sanitised name once per inventory;
- while the pane is hidden (another pane shown) status and mark changes only update the
  pane's records; the labels are caught up when the pane is shown again.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

from rich.style import Style
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widget import Widget
from textual.widgets import Static, Tree

from ftltui.engine.sanitize import safe_text
from ftltui.tui.filters import PaneFilter
from ftltui.tui.hostview import STATUS_ICON, describe
from ftltui.tui.messages import HostDetailsRequested, RunRequested
from ftltui.tui.plain import plain
from ftltui.tui.widgets.inventory_lazy import LazyGroups
from ftltui.tui.widgets.nav import NavTree
from ftltui.tui.widgets.pane import Pane

STATUSES = ("ok", "changed", "failed", "unreachable", "skipped", "cancelled", "running")
MAX_EXPANDED = 200  # bigger groups start collapsed (and get their nodes only when opened)...
LAZY_ABOVE = 1000  # ...and above this many hosts, every group starts collapsed


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

    _batching = False
    _batch_dirty = False

    def process_label(self, label: str | Text) -> Text:
        """A label as given: a ``str`` is plain text, never markup (Textual's parses it),
        and a one-line ``Text`` is not split and copied again (1,000 times per group)."""
        text = Text(label) if isinstance(label, str) else label
        return text if "\n" not in text.plain else text.split()[0]

    @contextmanager
    def adding_nodes(self) -> Iterator[None]:
        """Add many nodes with one invalidation at the end: Textual clears the line cache
        and asks for a layout at every ``add`` (a third of building 1,000 host lines)."""
        self._batching, self._batch_dirty = True, False
        try:
            yield
        finally:
            self._batching = False
            if self._batch_dirty:
                self._invalidate()

    def _invalidate(self) -> None:
        if self._batching:
            self._batch_dirty = True
            return
        super()._invalidate()

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
        self._lazy = LazyGroups()  # collapsed groups not built yet, and the synthetic "ungrouped"
        self._collapse_all = False  # above LAZY_ABOVE visible hosts every group starts collapsed
        self._styles: dict[str, Style] = {}  # component class -> its style under the current theme
        self._names: dict[str, str] = {}  # host -> its name as shown (safe_text), per inventory
        self._stale: set[str] = set()  # hosts whose label changed while the pane was hidden

    DEFAULT_CSS = """
    InventoryPane > #inventory-error {
        display: none;
        height: auto;
        max-height: 8;
        padding: 0 1;
        color: $error;
        border-bottom: hkey $error;
    }
    InventoryPane > #inventory-error.-shown { display: block; }
    """

    def compose(self) -> ComposeResult:
        yield from self.compose_title()
        yield from self.compose_filter()
        yield Static("", id="inventory-error", markup=False)
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
        self._names = {}
        self.rebuild()

    def show_error(self, message: str | None, kept: bool = False) -> None:
        """The inventory's load error above the tree while it lasts: a toast expires and the
        operator, back at the pane, saw a bare ``all`` with nothing saying why (hD finding 4).
        ``kept``: the last good inventory is still shown below."""
        box = self.query_one("#inventory-error", Static)
        box.set_class(bool(message), "-shown")
        if not message:
            box.update("")
            return
        below = "the last good inventory is shown below" if kept else "no hosts loaded"
        box.update(Text(f"inventory failed to load: {safe_text(message, 2000)}\n"
                        f"{below}; it is read again when the file changes, or with :reload"))

    def rebuild(self) -> None:
        tree = self.query_one(InventoryTree)
        with tree.adding_nodes():
            self._build(tree)
        self.update_title()
        self.call_after_refresh(lambda: self.show_details(tree.cursor_node))

    def _build(self, tree: InventoryTree) -> None:
        inv = self.inventory
        tree.clear()
        self._host_nodes = {}
        self._lazy = LazyGroups()
        self._stale = set()
        if inv is None:
            return
        flt = self.filter
        visible = {h for h in inv.hosts if flt.matches(h)}
        self._collapse_all = len(visible) > LAZY_ABOVE
        tree.root.data = ("group", "all")
        groups = inv.groups
        top = [g for g in groups.values() if g.name != "all" and not [p for p in g.parents if p != "all"]]
        placed: set[str] = set()
        for g in top:
            self._add_group(tree.root, g.name, visible, placed, depth=0, collapse=self._collapse_all)
        rest = [h for h in inv.hosts if h in visible and h not in placed]
        if rest:
            expand = len(rest) <= MAX_EXPANDED and not self._collapse_all
            node = tree.root.add(Text(f"ungrouped ({len(rest)})", style="bold"), data=("group", "ungrouped"),
                                 expand=expand)
            self._lazy.rest(node.id, rest)
            if expand:
                self._fill(node)
            else:
                node.allow_expand = True
        tree.root.expand()

    def _members(self, name: str) -> list[str]:
        g = self.inventory.groups[name]
        out = list(g.hosts)
        for c in g.children:
            if c in self.inventory.groups:
                out.extend(self._members(c))
        return list(dict.fromkeys(out))

    def _add_group(self, parent: Any, name: str, visible: set[str], placed: set[str], depth: int,
                   collapse: bool = False) -> None:
        if depth > 20 or name not in self.inventory.groups:
            return
        members = [h for h in self._members(name) if h in visible]
        if not members:
            return
        expand = len(members) <= MAX_EXPANDED and not collapse
        node = parent.add(plain(f"{name} ({len(members)})", style="bold"), data=("group", name), expand=expand)
        self._lazy.group(node.id, name, visible, depth)
        if expand:
            self._fill(node, placed)
        else:  # built when opened: its hosts are placed in the tree all the same
            node.allow_expand = True
            placed.update(members)

    def _fill(self, node: Any, placed: set[str] | None = None) -> None:
        """Build a group's nodes (subgroups, then its own hosts): at rebuild for an open
        group, on ``NodeExpanded`` for one that started collapsed."""
        fill = self._lazy.take(node.id)
        if fill is None:
            return
        placed = placed if placed is not None else set()
        if fill.group is None:  # the hosts in no group of the tree
            for h in fill.hosts:
                self._add_host(node, h)
            return
        g = self.inventory.groups[fill.group]
        for c in g.children:
            self._add_group(node, c, fill.visible, placed, fill.depth + 1)
        for h in g.hosts:
            if h in fill.visible:
                self._add_host(node, h)
                placed.add(h)

    def on_tree_node_expanded(self, event: Tree.NodeExpanded) -> None:
        if event.node.id in self._lazy:
            with self.query_one(InventoryTree).adding_nodes():
                self._fill(event.node)

    def _add_host(self, parent: Any, name: str) -> None:
        node = parent.add_leaf(self._label(name), data=("host", name))
        self._host_nodes.setdefault(name, []).append(node)

    def _style(self, component: str) -> Style:
        """A component class's style under the current theme, read from CSS once per theme."""
        style = self._styles.get(component)
        if style is None:
            style = self.query_one(InventoryTree).get_component_rich_style(component, partial=True)
            self._styles[component] = style
        return style

    def status_style(self, status: str | None) -> Style:
        return self._style(f"inventory--{status if status in STATUSES else 'unknown'}")

    def _label(self, name: str) -> Text:
        st = self.status.get(name)
        marked = name in self.marked
        style = self.status_style(st)
        shown = self._names.get(name)
        if shown is None:
            shown = self._names[name] = safe_text(name)
        # plain Text from pieces, never markup; the name itself is never in a status
        # colour (the icon and the word carry it)
        t = Text("▶ " if marked else "  ", style="bold")
        t.append(STATUS_ICON.get(st, "·") + " ", style=style)
        t.append(shown, style=self._style("inventory--marked") if marked else "")
        if st:
            t.append(f"  {st}", style=style)
        return t

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)

    def _theme_changed(self, _theme: Any) -> None:
        self._styles = {}
        if self.is_attached:
            for name in self._host_nodes:
                self.refresh_host(name)

    @property
    def hidden(self) -> bool:
        """Another pane is shown in the switcher: labels wait (``_stale``) until this one is."""
        return not self.display

    def refresh_host(self, name: str) -> None:
        nodes = self._host_nodes.get(name)
        if not nodes:
            return
        if self.hidden:
            self._stale.add(name)
            return
        label = self._label(name)
        for node in nodes:
            node.set_label(label)

    def on_show(self, _event: events.Show) -> None:
        """Shown again: the labels changed while hidden are brought up to date, once each."""
        self.catch_up()

    def catch_up(self) -> None:
        stale, self._stale = self._stale, set()
        if not stale or self.hidden:
            self._stale |= stale
            return
        for h in stale:
            self.refresh_host(h)
        tree = self.query_one(InventoryTree)
        tree.fit_width(n for h in stale for n in self._host_nodes.get(h, ()))
        self.show_details(tree.cursor_node)

    # -- live status --------------------------------------------------------------------
    def set_status(self, updates: dict[str, str]) -> None:
        self.status.update(updates)
        if self.hidden:  # nothing on screen to update: the records only, labels when shown
            self._stale.update(h for h in updates if h in self._host_nodes)
            return
        for h in updates:
            self.refresh_host(h)
        self.query_one(InventoryTree).fit_width(n for h in updates for n in self._host_nodes.get(h, ()))
        cur = self.query_one(InventoryTree).cursor_node
        # a host's detail when it changed; a group's always: its counts are its hosts' (hG s11 #9)
        if cur is not None and cur.data and (cur.data[1] in updates or cur.data[0] != "host"):
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
        elif self._lazy.is_rest(node.id):  # the synthetic "ungrouped": built or not
            hosts = list(self._lazy.rest_hosts)
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
                for k, v in sorted(g.vars.items()):
                    shown = "********" if any(s in k.lower() for s in ("pass", "secret", "token")) else v
                    lines.append(f"  {k}: {safe_text(str(shown), 200)}")
            box.update(Text("\n".join(lines)))

    def filter_changed(self, value: PaneFilter) -> None:
        if self.inventory is not None:
            self.rebuild()
