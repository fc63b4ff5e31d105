"""Category and severity for each change, from ordered rules (first match wins).

User rules from the drift config come before the defaults, so a user can raise or
lower anything. A rule matches on glob patterns over host, type, id and kind, and
optionally on a field path with before/after value patterns, or on the size of a
package version bump (``major``/``minor``/``patch``). Defaults follow what operators
care about: sudoers and sshd changes are critical/high, a new listening port or a new
user is high, a patch bump is low.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any, Iterable

from ftltui.drift.model import CATEGORIES, SEVERITIES, Change, FieldChange


@dataclass(frozen=True)
class Rule:
    name: str
    category: str
    severity: str
    type: str = "*"
    id: str = "*"
    kind: str = "*"
    host: str = "*"
    field: str | None = None
    before: str | None = None
    after: str | None = None
    bump: tuple[str, ...] = ()

    def matches(self, c: Change) -> bool:
        if not (fnmatchcase(c.type, self.type) and fnmatchcase(c.id, self.id)):
            return False
        if not (fnmatchcase(c.kind, self.kind) and fnmatchcase(c.host, self.host)):
            return False
        if self.bump:
            if c.kind != "modified" or version_bump_of(c) not in self.bump:
                return False
        if self.field is None and self.before is None and self.after is None:
            return True
        return any(self._field_ok(f) for f in c.fields)

    def _field_ok(self, f: FieldChange) -> bool:
        if self.field is not None and not fnmatchcase(f.path, self.field):
            return False
        if self.before is not None and not fnmatchcase(_s(f.before), self.before):
            return False
        return self.after is None or fnmatchcase(_s(f.after), self.after)


def _s(v: Any) -> str:
    return "" if v is None else str(v)


def _r(name: str, category: str, severity: str, **match: Any) -> Rule:
    return Rule(name=name, category=category, severity=severity, **match)


DEFAULT_RULES: tuple[Rule, ...] = (
    _r("sudoers-entry", "security", "critical", type="sudoers"),
    _r("sudoers-file", "security", "critical", type="file", id="/etc/sudoers*"),
    _r("sshd-config", "security", "high", type="file", id="/etc/ssh/sshd_config*"),
    _r("account-files", "security", "high", type="file", id="/etc/passwd"),
    _r("account-files", "security", "high", type="file", id="/etc/shadow"),
    _r("account-files", "security", "medium", type="file", id="/etc/group"),
    _r("user-added", "security", "high", type="user", kind="added"),
    _r("user-uid0", "security", "critical", type="user", field="uid", after="0"),
    _r("user-changed", "security", "medium", type="user"),
    _r("admin-group", "security", "high", type="group", id="sudo", field="members"),
    _r("admin-group", "security", "high", type="group", id="wheel", field="members"),
    _r("admin-group", "security", "high", type="group", id="admin", field="members"),
    _r("group-changed", "security", "low", type="group"),
    _r("cron-added", "security", "high", type="cron", kind="added"),
    _r("cron-changed", "security", "medium", type="cron"),
    _r("port-opened", "network", "high", type="port", kind="added"),
    _r("port-closed", "network", "low", type="port", kind="removed"),
    _r("port-changed", "network", "medium", type="port"),
    _r("package-major", "software", "medium", type="package", bump=("major",)),
    _r("package-minor", "software", "low", type="package", bump=("minor", "patch", "release")),
    _r("package-added", "software", "medium", type="package", kind="added"),
    _r("package-removed", "software", "medium", type="package", kind="removed"),
    _r("package-changed", "software", "low", type="package"),
    _r("service-failed", "service", "high", type="service", field="active", after="failed"),
    _r("service-stopped", "service", "medium", type="service", field="active", before="active"),
    _r("service-started", "service", "low", type="service", field="active", after="active"),
    _r("service-masked", "service", "high", type="service", field="enabled", after="masked"),
    _r("service-disabled", "service", "medium", type="service", field="enabled", before="enabled"),
    _r("service-changed", "service", "low", type="service"),
    _r("kernel", "system", "medium", type="os", field="kernel"),
    _r("os", "system", "medium", type="os"),
    _r("sysctl-net", "network", "medium", type="sysctl", id="net.*"),
    _r("sysctl", "system", "medium", type="sysctl"),
    _r("mount", "system", "medium", type="mount"),
    _r("desired", "config", "medium", type="desired"),
    _r("file", "config", "medium", type="file"),
    _r("default", "config", "low"),
)

RULE_KEYS = ("name", "category", "severity", "type", "id", "kind", "host", "field", "before", "after", "bump")


def rule_from_dict(d: dict[str, Any], where: str = "rule") -> Rule:
    """A user rule from the drift config; ``ValueError`` with a readable message if invalid."""
    unknown = sorted(set(d) - set(RULE_KEYS))
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {', '.join(unknown)} (known: {', '.join(RULE_KEYS)})")
    cat, sev = d.get("category"), d.get("severity")
    if cat not in CATEGORIES:
        raise ValueError(f"{where}: category must be one of {', '.join(CATEGORIES)}, got {cat!r}")
    if sev not in SEVERITIES:
        raise ValueError(f"{where}: severity must be one of {', '.join(SEVERITIES)}, got {sev!r}")
    bump = d.get("bump") or ()
    bump = tuple(bump.split("|")) if isinstance(bump, str) else tuple(bump)
    opt = {k: (None if d.get(k) is None else str(d[k])) for k in ("field", "before", "after")}
    return Rule(
        name=str(d.get("name") or "user"),
        category=cat,
        severity=sev,
        type=str(d.get("type", "*")),
        id=str(d.get("id", "*")),
        kind=str(d.get("kind", "*")),
        host=str(d.get("host", "*")),
        bump=bump,
        **opt,
    )


def classify(changes: Iterable[Change], user_rules: Iterable[Rule] = ()) -> list[Change]:
    """Set category, severity, rule and summary on each change (in place) and return them."""
    rules = tuple(user_rules) + DEFAULT_RULES
    out = []
    for c in changes:
        for rule in rules:
            if rule.matches(c):
                c.category, c.severity, c.rule = rule.category, rule.severity, rule.name
                break
        if not c.summary:
            c.summary = summarize(c)
        out.append(c)
    return out


_SPLIT = re.compile(r"[.+~:-]")


def _version_parts(v: str) -> tuple[list[str], str]:
    """``1:3.0.11-1~deb12u2`` -> (['3', '0', '11'], '1~deb12u2'): upstream parts, revision."""
    if ":" in v.split("-", 1)[0]:
        v = v.split(":", 1)[1]
    upstream, _, revision = v.rpartition("-") if "-" in v else (v, "", "")
    return [p for p in _SPLIT.split(upstream) if p], revision


def version_bump(before: str, after: str) -> str:
    """How big a version change is: ``major``, ``minor``, ``patch`` or ``release``."""
    pb, rb = _version_parts(before)
    pa, ra = _version_parts(after)
    for i, (x, y) in enumerate(zip(pb, pa)):
        if x != y:
            return ("major", "minor")[i] if i < 2 else "patch"
    if len(pb) != len(pa):
        return "patch"
    return "release" if rb != ra else "patch"


def version_bump_of(c: Change) -> str | None:
    for f in c.fields:
        if f.path == "version" and isinstance(f.before, str) and isinstance(f.after, str):
            return version_bump(f.before, f.after)
    return None


def summarize(c: Change) -> str:
    """One human line for tables: what happened to which resource."""
    after = {f.path: f.after for f in c.fields}
    before = {f.path: f.before for f in c.fields}
    if c.type == "package" and c.kind == "modified" and "version" in after:
        return f"{before['version']} -> {after['version']}"
    if c.type == "port" and c.kind == "added":
        proc = after.get("process")
        return "now listening" + (f" ({proc})" if proc else "")
    if c.type == "user" and c.kind == "added":
        return f"uid {after.get('uid')}, shell {after.get('shell')}"
    if c.kind == "added":
        return "added" + (f" ({after['version']})" if "version" in after else "")
    if c.kind == "removed":
        return "removed"
    parts = []
    for f in c.fields[:3]:
        if f.path in ("sha256",):
            parts.append("content changed")
        else:
            parts.append(f"{f.path}: {_short(f.before)} -> {_short(f.after)}")
    if len(c.fields) > 3:
        parts.append(f"+{len(c.fields) - 3} more")
    if not parts and c.diff:
        parts.append("content changed")
    return "; ".join(parts)


def _short(v: Any, width: int = 40) -> str:
    s = "-" if v is None else (",".join(map(str, v)) if isinstance(v, list) else str(v))
    return s if len(s) <= width else s[: width - 3] + "..."
