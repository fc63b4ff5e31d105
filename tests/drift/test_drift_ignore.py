"""The ignore file: patterns, negation, field-level ignores, expiry, accept round-trip."""

from __future__ import annotations

import datetime as dt

import pytest

from ftltui.drift.ignore import accept_lines, apply_ignore, parse_ignore
from ftltui.drift.model import Change, FieldChange
from ftltui.errors import DriftConfigError

TODAY = dt.date(2026, 6, 1)


def changes() -> list[Change]:
    return [
        Change("web1", "package", "openssl", "modified", [FieldChange("version", "1", "2")]),
        Change("web2", "package", "openssl", "modified", [FieldChange("version", "1", "2")]),
        Change("db1", "package", "openssl", "modified", [FieldChange("version", "1", "2")]),
        Change("web1", "file", "/etc/hosts", "modified", [FieldChange("mode", "0644", "0600"), FieldChange("sha256", "a", "b")], "diff"),
        Change("web1", "port", "tcp/0.0.0.0:8080", "added"),
        Change("web1", "sudoers", "/etc/sudoers:bob ALL=(ALL) ALL", "added"),
    ]


def keys(cs: list[Change]) -> list[tuple[str, str, str]]:
    return [(c.host, c.type, c.id) for c in cs]


def test_patterns_negation_last_match_wins() -> None:
    rules = parse_ignore("# comment\n\n*:package\n!web2:package:openssl\n")
    kept, dropped, warnings = apply_ignore(changes(), rules, TODAY)
    assert dropped == 2 and warnings == []
    assert ("web2", "package", "openssl") in keys(kept)
    assert ("web1", "package", "openssl") not in keys(kept) and ("db1", "package", "openssl") not in keys(kept)


def test_ids_with_colons_and_field_level_ignores() -> None:
    rules = parse_ignore("web1:port:tcp/0.0.0.0:8080\nweb*:file:/etc/hosts:mode\n")
    kept, dropped, _ = apply_ignore(changes(), rules, TODAY)
    assert ("web1", "port", "tcp/0.0.0.0:8080") not in keys(kept)
    [hosts] = [c for c in kept if c.id == "/etc/hosts"]
    assert [f.path for f in hosts.fields] == ["sha256"] and hosts.diff == "diff"
    assert dropped == 2  # the port change and one field


def test_ignoring_every_field_drops_the_change_and_the_diff_goes_with_sha256() -> None:
    rules = parse_ignore("*:file:/etc/hosts:sha256\n*:file:/etc/hosts:mode\n")
    kept, _, _ = apply_ignore(changes(), rules, TODAY)
    assert all(c.id != "/etc/hosts" for c in kept)
    kept, _, _ = apply_ignore(changes(), parse_ignore("*:file:/etc/hosts:sha256\n"), TODAY)
    [hosts] = [c for c in kept if c.id == "/etc/hosts"]
    assert hosts.diff == "" and [f.path for f in hosts.fields] == ["mode"]


def test_expiry_and_reason() -> None:
    rules = parse_ignore('*:package  reason="patch window" expires=2026-05-31\nweb1:port expires=2026-06-01\n')
    assert rules[0].reason == "patch window"
    kept, _, warnings = apply_ignore(changes(), rules, TODAY)
    assert ("web1", "package", "openssl") in keys(kept)  # expired yesterday: applies no more
    assert ("web1", "port", "tcp/0.0.0.0:8080") not in keys(kept)  # expires today: still applies
    assert len(warnings) == 1 and "expired on 2026-05-31" in warnings[0]
    kept, _, _ = apply_ignore(changes(), rules, dt.date(2026, 5, 31))
    assert ("web1", "package", "openssl") not in keys(kept)


@pytest.mark.parametrize("text,where", [
    ("web1:package bogus=1\n", "drift.ignore:1:14"),
    ("\n  *:x expires=2026-13-01\n", "drift.ignore:2:7"),
    ("!\n", "drift.ignore:1:1"),
    ("'unterminated\n", "drift.ignore:1:1"),
])
def test_parse_errors_name_the_place(text: str, where: str) -> None:
    with pytest.raises(DriftConfigError) as exc:
        parse_ignore(text)
    assert str(exc.value).startswith(where + ": expected")


def test_accept_lines_ignore_exactly_what_was_shown() -> None:
    shown = changes()
    shown.append(Change("web1", "file", "/etc/a[1]*.conf", "added"))
    lines = accept_lines(shown, reason="ok by ops", expires=dt.date(2030, 1, 1), key=b"k" * 32)
    rules = parse_ignore("\n".join(lines), key=b"k" * 32)
    assert all(r.reason == "ok by ops" and r.expires == dt.date(2030, 1, 1) for r in rules)
    kept, _, _ = apply_ignore(shown, rules, TODAY)
    assert kept == []
    # a different change to the same resources is not accepted by accident
    other = [Change("web1", "file", "/etc/a1x.conf", "added"), Change("web1", "file", "/etc/hosts", "modified", [FieldChange("owner", "root", "bob")])]
    kept, _, _ = apply_ignore(other, rules, TODAY)
    assert keys(kept) == keys(other)
