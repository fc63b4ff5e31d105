"""Group the same change seen on many hosts into one entry with its host list.

"The same" means same type, id, kind, field before/after values and content diff
(:meth:`Change.signature`): openssl moved 3.0.11 -> 3.0.13 on 40 hosts is one line, but
a host that moved to a different version is its own line. Groups are ranked by
severity, then by how many hosts share them, then by type and id, so output is stable.
"""

from __future__ import annotations

from typing import Iterable

from ftltui.drift.model import Change, GroupedChange, severity_rank


def correlate(changes: Iterable[Change]) -> list[GroupedChange]:
    groups: dict[tuple, GroupedChange] = {}
    for c in changes:
        sig = (c.source, c.category, c.severity) + c.signature()
        g = groups.get(sig)
        if g is None:
            groups[sig] = GroupedChange(change=c, hosts=[c.host])
        else:
            g.hosts.append(c.host)
    out = list(groups.values())
    for g in out:
        g.hosts.sort()
        if g.change.host != g.hosts[0]:
            g.change = _with_host(g.change, g.hosts[0])
    out.sort(key=lambda g: (-severity_rank(g.severity), -len(g.hosts), g.change.type, g.change.id, g.change.kind, g.hosts[0]))
    return out


def _with_host(c: Change, host: str) -> Change:
    return Change(
        host=host, type=c.type, id=c.id, kind=c.kind, fields=c.fields, diff=c.diff,
        category=c.category, severity=c.severity, rule=c.rule, source=c.source, summary=c.summary,
    )
