"""Two-stage diff, classification rules and version bumps, correlation."""

from __future__ import annotations

from pathlib import Path

import pytest

from ftltui.drift.classify import classify, version_bump
from ftltui.drift.config import load_config
from ftltui.drift.correlate import correlate
from ftltui.drift.diff import diff_resources
from ftltui.drift.model import Change, FieldChange, Resource
from ftltui.errors import DriftConfigError


def R(t: str, i: str, **f) -> Resource:
    return Resource(t, i, f)


def test_match_by_type_and_id_then_dot_paths() -> None:
    before = [R("os", "os", kernel="6.1", extra={"a": 1, "b": {"c": 2}}), R("user", "bob", uid=1), R("user", "old", uid=2)]
    after = [R("os", "os", kernel="6.1", extra={"a": 1, "b": {"c": 3}, "d": 4}), R("user", "bob", uid=1), R("package", "bob", version="1")]
    changes = {(c.type, c.id): c for c in diff_resources("h", before, after)}
    assert set(changes) == {("os", "os"), ("user", "old"), ("package", "bob")}
    assert changes[("os", "os")].kind == "modified"
    assert changes[("os", "os")].fields == [FieldChange("extra.b.c", 2, 3), FieldChange("extra.d", None, 4)]
    assert changes[("user", "old")].kind == "removed"
    assert changes[("user", "old")].fields == [FieldChange("uid", 2, None)]
    assert changes[("package", "bob")].kind == "added"


def test_text_content_becomes_a_unified_diff() -> None:
    b = R("file", "/etc/hosts", sha256="1", content="a\nb\n")
    a = R("file", "/etc/hosts", sha256="2", content="a\nc\n")
    [c] = diff_resources("h", [b], [a])
    assert [f.path for f in c.fields] == ["sha256"]
    assert c.diff.splitlines() == ["--- a/etc/hosts", "+++ b/etc/hosts", "@@ -1,2 +1,2 @@", " a", "-b", "+c"]


@pytest.mark.parametrize("before,after,bump", [
    ("3.0.11-1~deb12u1", "3.0.13-1~deb12u1", "patch"),
    ("3.0.11-1", "3.1.0-1", "minor"),
    ("1:2.9-1", "1:3.0-1", "major"),
    ("1.2.3-1", "1.2.3-2", "release"),
    ("2.36-9+deb12u4", "2.36-9+deb12u7", "release"),
])
def test_version_bump(before: str, after: str, bump: str) -> None:
    assert version_bump(before, after) == bump


def _one(c: Change) -> tuple[str, str]:
    classify([c])
    return c.category, c.severity


@pytest.mark.parametrize("change,expected", [
    (Change("h", "port", "tcp/0.0.0.0:8080", "added"), ("network", "high")),
    (Change("h", "port", "tcp/0.0.0.0:8080", "removed"), ("network", "low")),
    (Change("h", "sudoers", "/etc/sudoers:bob ALL=(ALL) ALL", "added"), ("security", "critical")),
    (Change("h", "file", "/etc/sudoers.d/x", "modified", [FieldChange("sha256", "a", "b")]), ("security", "critical")),
    (Change("h", "file", "/etc/ssh/sshd_config", "modified", [FieldChange("sha256", "a", "b")]), ("security", "high")),
    (Change("h", "user", "bob", "added"), ("security", "high")),
    (Change("h", "user", "bob", "modified", [FieldChange("uid", 1001, 0)]), ("security", "critical")),
    (Change("h", "package", "openssl", "modified", [FieldChange("version", "3.0.11-1", "3.0.13-1")]), ("software", "low")),
    (Change("h", "package", "openssl", "modified", [FieldChange("version", "1.1.1-1", "3.0.0-1")]), ("software", "medium")),
    (Change("h", "service", "nginx.service", "modified", [FieldChange("active", "active", "inactive")]), ("service", "medium")),
    (Change("h", "service", "nginx.service", "modified", [FieldChange("active", "active", "failed")]), ("service", "high")),
    (Change("h", "service", "ssh.service", "modified", [FieldChange("enabled", "enabled", "masked")]), ("service", "high")),
    (Change("h", "service", "ssh.service", "modified", [FieldChange("enabled", "enabled", "disabled")]), ("service", "medium")),
    (Change("h", "file", "/etc/hosts", "modified", [FieldChange("sha256", "a", "b")]), ("config", "medium")),
    (Change("h", "weird", "x", "added"), ("config", "low")),
])
def test_default_rules(change: Change, expected: tuple[str, str]) -> None:
    assert _one(change) == expected


def test_user_rules_come_first(tmp_path: Path) -> None:
    cfg = tmp_path / "drift.yml"
    cfg.write_text("rules:\n  - {type: package, id: 'linux-image-*', category: system, severity: critical, name: kernel-pkg}\n")
    rules = load_config(cfg, tmp_path).rules
    c = Change("h", "package", "linux-image-amd64", "modified", [FieldChange("version", "6.1.1-1", "6.1.2-1")])
    classify([c], rules)
    assert (c.category, c.severity, c.rule) == ("system", "critical", "kernel-pkg")
    other = Change("h", "package", "curl", "modified", [FieldChange("version", "7.1-1", "7.2-1")])
    classify([other], rules)
    assert other.rule == "package-minor"


def test_bad_rule_points_at_its_line(tmp_path: Path) -> None:
    cfg = tmp_path / "drift.yml"
    cfg.write_text("paths: [/etc/x]\nrules:\n  - {type: file, category: config, severity: high}\n  - {type: file, category: config, severity: urgent}\n")
    with pytest.raises(DriftConfigError) as exc:
        load_config(cfg, tmp_path)
    assert str(exc.value).startswith(f"{cfg}:4:5: rule 2: severity must be one of")


def test_unknown_config_key(tmp_path: Path) -> None:
    cfg = tmp_path / "drift.yml"
    cfg.write_text("paths: []\nsysctl: [x]\n")
    with pytest.raises(DriftConfigError, match=r"drift.yml:2:1: unknown key 'sysctl'"):
        load_config(cfg, tmp_path)


def test_config_and_host_vars_shape_module_args(tmp_path: Path) -> None:
    cfg = tmp_path / "drift.yml"
    cfg.write_text("paths: [/etc/app.conf]\nsysctls: [vm.swappiness]\ndefault_paths: false\n")
    params = load_config(cfg, tmp_path).collect_params({"ftl_drift_paths": ["/etc/nginx/*"], "ftl_drift_sections": "files,users"})
    assert params["paths"] == ["/etc/app.conf", "/etc/nginx/*"]
    assert "vm.swappiness" in params["sysctls"]
    assert params["sections"] == ["files", "users"]


def test_correlation_groups_identical_changes_across_hosts() -> None:
    def bump(host: str, to: str) -> Change:
        return Change(host, "package", "openssl", "modified", [FieldChange("version", "3.0.11-1", to)])

    changes = [bump(f"web{i:02d}", "3.0.13-1") for i in range(40, 0, -1)] + [bump("db1", "3.0.14-1")]
    changes.append(Change("web01", "port", "tcp/0.0.0.0:9", "added"))
    groups = correlate(classify(changes))
    assert [(g.change.type, len(g.hosts)) for g in groups] == [("port", 1), ("package", 40), ("package", 1)]
    assert groups[1].hosts == sorted(f"web{i:02d}" for i in range(1, 41))
    assert groups[1].change.host == "web01"
    assert groups[2].hosts == ["db1"] and groups[2].change.fields[0].after == "3.0.14-1"
