"""Render a :class:`DriftReport` as a text table, JSON or Markdown.

Output depends only on the report (times are formatted in UTC, order comes from the
correlator), so the same snapshots give byte-identical output: golden-file tested.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from ftltui.drift.model import DriftReport, GroupedChange

FORMATS = ("table", "json", "markdown")


def _utc(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")


def hosts_label(hosts: list[str], limit: int = 3) -> str:
    if len(hosts) <= limit:
        return ",".join(hosts)
    return ",".join(hosts[:limit]) + f" +{len(hosts) - limit}"


def _clip(s: str, width: int) -> str:
    s = s.replace("\n", " ")
    return s if len(s) <= width else s[: width - 1] + "…"


def render_json(report: DriftReport) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False, default=str) + "\n"


def _headline(report: DriftReport) -> str:
    counts = report.counts()
    parts = [f"{n} {sev}" for sev, n in counts.items() if n]
    total = len(report.changes)
    changed_hosts = len({c.host for c in report.changes})
    # a desired-state-only report compares no snapshots: "of N" would read "of 0"
    of = f" of {len(report.comparisons)}" if report.comparisons else ""
    return (
        f"{total} change(s) on {changed_hosts}{of} host(s)"
        + (f" ({', '.join(parts)})" if parts else "")
        + f"; {len(report.groups)} distinct; {report.ignored} ignored; "
        f"{report.below_threshold} below {report.min_severity}"
    )


def render_table(report: DriftReport, *, diffs: bool = False, width: int = 140) -> str:
    rows = [("SEVERITY", "CATEGORY", "HOSTS", "TYPE", "ID", "KIND", "SUMMARY")]
    for g in report.groups:
        c = g.change
        rows.append((c.severity, c.category, hosts_label(g.hosts), c.type, _clip(c.id, 44), c.kind, c.summary))
    widths = [max(len(r[i]) for r in rows) for i in range(6)]
    lines = []
    for r in rows:
        head = "  ".join(r[i].ljust(widths[i]) for i in range(6))
        lines.append(_clip(head + "  " + r[6], width).rstrip())
    out = [_headline(report), ""] + (lines if report.groups else ["no drift"])
    if diffs:
        for g in report.groups:
            if g.change.diff:
                out += ["", f"--- {hosts_label(g.hosts)} {g.change.type} {g.change.id}", g.change.diff.rstrip("\n")]
    out += [f"warning: {w}" for w in report.warnings]
    return "\n".join(out) + "\n"


def _md_cell(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", " ")


def _md_value(v: object) -> str:
    return v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)


def _md_group(g: GroupedChange) -> str:
    c = g.change
    cells = [c.severity, c.category, ", ".join(g.hosts), c.type, f"`{c.id}`", c.kind, c.summary]
    return "| " + " | ".join(_md_cell(x) for x in cells) + " |"


def render_markdown(report: DriftReport) -> str:
    out = [
        "# Drift report",
        "",
        f"Generated {_utc(report.generated_at)} · {len(report.comparisons)} host(s) · "
        f"minimum severity {report.min_severity}",
        "",
        _headline(report),
        "",
    ]
    if report.groups:
        out += [
            "| Severity | Category | Hosts | Type | Resource | Kind | Summary |",
            "|---|---|---|---|---|---|---|",
        ]
        out += [_md_group(g) for g in report.groups]
    else:
        out.append("No drift.")
    diffs = [g for g in report.groups if g.change.diff or (g.change.kind == "modified" and g.change.fields)]
    if diffs:
        out += ["", "## Details"]
        for g in diffs:
            c = g.change
            out += ["", f"### {c.type} `{c.id}` ({', '.join(g.hosts)})", ""]
            shown = [f for f in c.fields if f.path != "sha256"]
            out += [f"- `{f.path}`: `{_md_value(f.before)}` → `{_md_value(f.after)}`" for f in shown]
            if c.diff:
                out += ([""] if shown else []) + ["```diff", c.diff.rstrip("\n"), "```"]
    if report.comparisons:
        out += ["", "## Compared", "", "| Host | Before | After | Basis |", "|---|---|---|---|"]
        for comp in report.comparisons:
            out.append(f"| {comp.host} | {comp.before or '-'} | {comp.after or '-'} | {comp.basis} |")
    if report.warnings:
        out += ["", "## Warnings", ""] + [f"- {_md_cell(w)}" for w in report.warnings]
    return "\n".join(out) + "\n"


def host_rows(report: DriftReport) -> dict[str, dict[str, Any]]:
    """The console's hosts x severity rows of a report.

    ``{host: {severity: n, "total", "basis", "problem"}}`` for every host with a snapshot,
    and for every host that could not be scanned or compared (``problem`` says why), so
    no host the user scanned silently disappears.
    """
    rows: dict[str, dict[str, Any]] = {}
    for comp in report.comparisons:
        if comp.after is None and comp.host not in report.problems:
            continue  # never scanned
        basis = (comp.basis if comp.before else "first snapshot") if comp.after else ""
        row: dict[str, Any] = {"total": 0, "basis": basis}
        if comp.error:
            row["problem"] = "unreadable: " + comp.error
        elif comp.scan_failed:
            row["problem"] = "scan failed: " + str(comp.scan_failed.get("reason", ""))
        rows[comp.host] = row
    for ch in report.changes:
        row = rows.setdefault(ch.host, {"total": 0, "basis": ""})
        row[ch.severity] = row.get(ch.severity, 0) + 1
        row["total"] += 1
    return rows


def render(report: DriftReport, fmt: str, *, diffs: bool = False) -> str:
    if fmt == "json":
        return render_json(report)
    if fmt == "markdown":
        return render_markdown(report)
    return render_table(report, diffs=diffs)
