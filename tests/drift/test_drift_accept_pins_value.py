"""``drift accept`` accepts *this* change: the next, different change to the same field shows.

Before, an accepted change wrote a rule for the field (``host:file:/etc/hosts:sha256``),
so every later change to it stayed hidden until the rule expired. Now the rule carries
``value=<digest of the accepted new value>``. Real scans of a local host's fake root
through the CLI; the console's accept (a real ``ConsoleSession`` and its snapshot store)
writes the same rules. Hand-written rules without ``value=`` keep hiding every change.
"""

from __future__ import annotations

import json
from pathlib import Path

from ftltui.console import ConsoleSession
from ftltui.drift.ignore import load_ignore
from ftltui.drift.model import Resource
from ftltui.drift.store import open_store
from ftltui.inventory import load_inventory


def shown_ids(cli, inv: str) -> set[tuple[str, str, str]]:
    out = cli("drift", "show", "-i", inv, "--format", "json")
    assert out.rc in (0, 1), out.err
    return {(g["type"], g["id"], g["kind"]) for g in json.loads(out.out)["groups"]}


def test_an_accepted_change_hides_only_that_value(tmp_path: Path, local_inv, cli) -> None:
    inv = str(local_inv(["w1"], sections=["files"]))
    hosts = tmp_path / "w1" / "root" / "etc" / "hosts"
    assert cli("drift", "scan", "all", "-i", inv).rc == 0
    hosts.write_text("127.0.0.1 localhost\n10.0.0.5 db\n")
    assert cli("drift", "scan", "all", "-i", inv).rc == 0
    assert ("file", "/etc/hosts", "modified") in shown_ids(cli, inv)

    acc = cli("drift", "accept", "w1", "-i", inv, "--reason", "db alias")
    assert acc.rc == 0, acc.err
    assert ("file", "/etc/hosts", "modified") not in shown_ids(cli, inv)

    assert cli("drift", "scan", "all", "-i", inv).rc == 0  # the same state again: still hidden
    assert ("file", "/etc/hosts", "modified") not in shown_ids(cli, inv)

    hosts.write_text("127.0.0.1 localhost\n10.0.0.6 db\n")  # a later, different change to the same file
    assert cli("drift", "scan", "all", "-i", inv).rc == 0
    assert ("file", "/etc/hosts", "modified") in shown_ids(cli, inv)
    rules = [r.text for r in load_ignore(cli.state / "drift.ignore")]
    assert rules and all(" value=" in r and "reason='db alias'" in r for r in rules), rules  # each entry pins its value


def test_a_hand_written_rule_without_value_hides_every_change(tmp_path: Path, local_inv, cli) -> None:
    inv = str(local_inv(["w1"], sections=["files"]))
    hosts = tmp_path / "w1" / "root" / "etc" / "hosts"
    cli.state.mkdir()
    (cli.state / "drift.ignore").write_text("w1:file:/etc/hosts\n")
    assert cli("drift", "scan", "all", "-i", inv).rc == 0
    for n in (5, 6):
        hosts.write_text(f"127.0.0.1 localhost\n10.0.0.{n} db\n")
        assert cli("drift", "scan", "all", "-i", inv).rc == 0
        assert ("file", "/etc/hosts", "modified") not in shown_ids(cli, inv)


async def test_the_consoles_accept_pins_the_value_too(tmp_path: Path) -> None:
    """The Drift pane's ``a`` and the API's drift.accept: ConsoleSession.drift_accept_async."""
    async with ConsoleSession(tmp_path / "state", inventory=load_inventory(["localhost,"])) as session:
        assert session.queue is not None
        store = open_store(session.state_dir, state=session.queue.store)
        root = Resource("user", "root", {"uid": 0})

        def scan(eve_uid: int, at: float) -> None:
            store.save("localhost", [root, Resource("user", "eve", {"uid": eve_uid, "shell": "/bin/sh"})], time=at,
                       collector_version="1")

        scan(1001, 100.0)
        scan(1002, 200.0)
        assert [c.id for c in (await session.drift_report_async("all")).changes] == ["eve"]
        assert (await session.drift_accept_async("all", "renumbered")).changes == 1
        assert (await session.drift_report_async("all")).changes == []
        scan(1002, 300.0)  # the same state again
        assert (await session.drift_report_async("all")).changes == []
        scan(1003, 400.0)  # the uid changes again: shown
        changed = (await session.drift_report_async("all")).changes
        assert [(c.id, [f.path for f in c.fields]) for c in changed] == [("eve", ["uid"])], changed


def test_a_value_option_must_be_a_hex_digest() -> None:
    import pytest

    from ftltui.drift.ignore import parse_ignore
    from ftltui.errors import DriftConfigError

    assert parse_ignore("w1:file:/etc/hosts:sha256 value=5D41402ABC4B2A76")[0].value == "5d41402abc4b2a76"
    with pytest.raises(DriftConfigError, match=r"drift.ignore:1:\d+: expected value=HEX"):
        parse_ignore("w1:file:/etc/hosts value=not-hex")
