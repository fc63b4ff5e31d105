"""A 1,000-host inventory in the console (issue 17): opened without building 1,000 nodes,
still whole for marks, runs and filters; labels wait while the pane is hidden.

The real app via pilot on real inventory files (the bench's shape: every host directly
under ``all``, so one synthetic ``ungrouped`` group of 1,000).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rich.text import Text
from textual.widgets.tree import TreeNode

from ftltui.tui.widgets.inventory_pane import InventoryTree

from tuihelpers import ready, screen_text, wait_for

SIZE = (120, 40)
N = 1000


@pytest.fixture(scope="module")
def flat_inventory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bench's shape (bench/harness/bed.py write_inventory): 1,000 hosts under ``all``."""
    path = tmp_path_factory.mktemp("inv") / "flat.yml"
    lines = ["all:", "  vars:", "    ansible_user: bed", "  hosts:"]
    lines += [f'    h{i:04d}: {{"ansible_host": "192.0.2.{i % 250 + 1}", "ansible_port": {2200 + i // 16}}}'
              for i in range(N)]
    path.write_text("\n".join(lines) + "\n")
    return path


def _group_node(tree: InventoryTree) -> Any:
    return tree.root.children[0]


async def test_flat_1000_hosts_open_with_one_node_and_stay_whole(make_app, flat_inventory: Path) -> None:
    app = make_app([str(flat_inventory)])
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        pane = app.inventory_pane()
        tree = pane.query_one(InventoryTree)
        assert len(app.inventory.hosts) == N
        group = _group_node(tree)
        assert group.label.plain == f"ungrouped ({N})" and not group.is_expanded
        assert pane._host_nodes == {}  # nothing built for the collapsed group
        assert f"{N} hosts" in screen_text(app)
        # the unbuilt group stands for all its hosts: marking it marks 1,000
        await pilot.press("j")
        assert tree.cursor_node is group
        await pilot.press("space")
        assert len(pane.marked) == N
        await pilot.press("u")  # unmark all (the root's hosts): nothing left marked
        assert pane.marked == set()
        await pilot.press("space")
        assert len(pane.marked) == N
        tree.cursor_line = 1
        await pilot.press("enter")  # open it: its hosts are built now, marked
        await wait_for(pilot, lambda: len(pane._host_nodes) == N)
        assert [c.data for c in group.children[:2]] == [("host", "h0000"), ("host", "h0001")]
        assert all(n[0].label.plain.startswith("▶ ") for n in pane._host_nodes.values())
        await pilot.press("j")
        assert "h0000" in screen_text(app)
        await pilot.press("enter")  # collapse and open again: built once, not twice
        await pilot.press("enter")
        await pilot.pause()
        assert len(group.children) == N and all(len(ns) == 1 for ns in pane._host_nodes.values())


async def test_filter_on_a_big_inventory_builds_only_what_it_shows(make_app, flat_inventory: Path) -> None:
    app = make_app([str(flat_inventory)])
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        pane = app.inventory_pane()
        app.run_command_line("filter ^h00[0-4]")
        await pilot.pause()
        tree = pane.query_one(InventoryTree)
        group = _group_node(tree)
        assert group.label.plain == "ungrouped (50)" and group.is_expanded  # small: open and built
        assert set(pane._host_nodes) == {f"h{i:04d}" for i in range(50)}
        assert pane.hosts_of(group) == [f"h{i:04d}" for i in range(50)]
        app.run_command_line("filter")  # cleared: back to the collapsed group of 1,000
        await pilot.pause()
        assert _group_node(tree).label.plain == f"ungrouped ({N})" and pane._host_nodes == {}


async def test_labels_wait_while_hidden_and_catch_up_when_shown(make_app, monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app()
    labelled: list[str] = []
    real = TreeNode.set_label

    def counting(self: TreeNode, label: Any) -> None:
        labelled.append(self.data[1] if self.data else "")
        real(self, label)

    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        pane = app.inventory_pane()
        host = "web1.example.invalid"
        node = pane._host_nodes[host][0]
        before = node.label.plain
        await pilot.press("2")  # the Logs pane: the inventory is hidden
        await pilot.pause()
        assert pane.hidden
        monkeypatch.setattr(TreeNode, "set_label", counting)
        pane.set_status({host: "failed", "db1.example.invalid": "ok"})
        app.run_command_line("mark bastion*")
        app.theme = "ftl-light"  # a theme change while hidden: every label waits too
        await pilot.pause()
        assert labelled == []  # nothing relabelled on a pane nobody sees
        assert node.label.plain == before and pane.status[host] == "failed"
        await pilot.press("1")  # shown: each changed label once
        await wait_for(pilot, lambda: "failed" in node.label.plain)
        assert sorted(labelled) == sorted(pane._host_nodes)
        text = screen_text(app)
        assert "web1.example.invalid  failed" in text and "▶ · bastion.example.invalid" in text
        # the caught-up labels have the new theme's colours
        failed = pane.query_one(InventoryTree).get_component_rich_style("inventory--failed", partial=True)
        assert node.label.spans[1].style == failed
        labelled.clear()
        pane.set_status({host: "ok"})  # shown: at once, as before
        assert labelled == [host] and "ok" in node.label.plain


async def test_labels_are_plain_text_from_cached_styles(make_app, tmp_path: Path) -> None:
    inv = tmp_path / "inv.yml"
    inv.write_text('all:\n  hosts:\n    "m]1":\n    "esc\\e]0;pwned\\ahost":\n    plain1:\n')
    app = make_app([str(inv)])
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        pane = app.inventory_pane()
        pane.set_status({"m]1": "changed", "plain1": "changed"})
        await pilot.pause()
        labels = {h: ns[0].label for h, ns in pane._host_nodes.items()}
        assert all(isinstance(t, Text) for t in labels.values())
        assert labels["m]1"].plain == "  ● m]1  changed"  # as typed, never markup
        assert labels["esc\x1b]0;pwned\x07host"].plain == "  · eschost"  # the escape dropped
        assert "m]1  changed" in screen_text(app)
        # one style per status for every host, the theme's own
        tree = pane.query_one(InventoryTree)
        assert labels["plain1"].spans[1].style == tree.get_component_rich_style("inventory--changed", partial=True)
        assert labels["plain1"].spans[1].style is labels["m]1"].spans[1].style


async def test_opening_a_big_group_invalidates_the_tree_once(make_app, flat_inventory: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from textual.widgets import Tree

    app = make_app([str(flat_inventory)])
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        pane = app.inventory_pane()
        tree = pane.query_one(InventoryTree)
        asked: list[int] = []
        real = Tree._invalidate

        def counting(self: Tree) -> None:
            asked.append(1)
            real(self)

        monkeypatch.setattr(Tree, "_invalidate", counting)
        await pilot.press("j", "enter")
        await wait_for(pilot, lambda: len(pane._host_nodes) == N)
        assert len(asked) <= 3  # the expand's own and the build's one, not one per host line
        # a str label is plain text too (Textual would read it as markup)
        assert tree.process_label("[b]x[/b]").plain == "[b]x[/b]"
        assert "h0000" in screen_text(app)
