"""The inventory tree's groups whose nodes are not built yet (issue 17: open 1,000 hosts fast).

A group node is registered here when it is added to the tree and taken out when its
nodes are built: at once for a group that starts open, when first opened for one that
starts collapsed. A collapsed group's hosts are not on screen, so an inventory of
1,000 hosts in one big group opens with one node instead of 1,001.

The synthetic ``ungrouped`` node (hosts in no group of the tree) is remembered for
good: its host list answers "which hosts does this node stand for" before it is built.
Plain Python, no textual: nodes are known by their id.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Fill:
    """What one group node gets when it is built."""

    group: str | None  # the inventory group; None for the synthetic "ungrouped" node
    visible: set[str]  # the hosts the pane's filter shows (shared, not copied)
    depth: int = 0  # nesting depth of the group (cycles in group parents stop at 20)
    hosts: tuple[str, ...] = ()  # the synthetic node's hosts, in inventory order


@dataclass
class LazyGroups:
    """Tree node id -> the fill it still waits for."""

    pending: dict[int, Fill] = field(default_factory=dict)
    rest_id: int | None = None
    rest_hosts: tuple[str, ...] = ()

    def group(self, node_id: int, name: str, visible: set[str], depth: int) -> None:
        self.pending[node_id] = Fill(name, visible, depth)

    def rest(self, node_id: int, hosts: list[str]) -> None:
        self.rest_id, self.rest_hosts = node_id, tuple(hosts)
        self.pending[node_id] = Fill(None, set(), 0, self.rest_hosts)

    def is_rest(self, node_id: int) -> bool:
        return node_id == self.rest_id

    def take(self, node_id: int) -> Fill | None:
        """The node's fill, once: a node is built at most one time."""
        return self.pending.pop(node_id, None)

    def __contains__(self, node_id: object) -> bool:
        return node_id in self.pending
