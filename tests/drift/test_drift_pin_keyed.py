"""``drift accept``'s ``value=`` pin is keyed: an HMAC with the state directory's own
random key (``drift-pin.key``, 0600), not an unsalted sha256 prefix, which let anyone
holding the ignore file recover a short accepted value (a mode, a port, a short secret)
by trying every candidate. Old 16-digit pins are still read. Real scans of a local
host's fake root through the CLI."""

from __future__ import annotations

import hashlib
import json
import stat
from pathlib import Path

from test_drift_accept_pins_value import shown_ids

from ftltui.drift.ignore import load_ignore


def _old_pin(value: object) -> str:
    """The pin ``drift accept`` wrote before: 16 hex digits of sha256(canonical JSON)."""
    text = json.dumps(["field", value], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _modes() -> list[str]:
    return [f"{m:04o}" for m in range(0o10000)]


def test_an_accepted_short_value_is_not_recoverable_from_the_ignore_file(tmp_path: Path, local_inv, cli) -> None:
    inv = str(local_inv(["w1"], sections=["files"]))
    hosts = tmp_path / "w1" / "root" / "etc" / "hosts"
    assert cli("drift", "scan", "all", "-i", inv).rc == 0
    hosts.chmod(0o640)
    assert cli("drift", "scan", "all", "-i", inv).rc == 0
    assert ("file", "/etc/hosts", "modified") in shown_ids(cli, inv)
    assert cli("drift", "accept", "w1", "-i", inv).rc == 0
    assert ("file", "/etc/hosts", "modified") not in shown_ids(cli, inv)

    text = (cli.state / "drift.ignore").read_text()
    pins = {r.value for r in load_ignore(cli.state / "drift.ignore")}
    # brute force of the old form over every mode (and the same as a number) finds nothing
    guesses = {_old_pin(m): m for m in _modes()} | {_old_pin(int(m, 8)): m for m in _modes()}
    assert [guesses[p] for p in pins if p in guesses] == [], text
    assert not any(g in text for g in guesses)
    assert pins and all(len(p) == 32 for p in pins), text
    key = cli.state / "drift-pin.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and len(key.read_bytes()) == 32

    hosts.chmod(0o600)  # a different value: shown again
    assert cli("drift", "scan", "all", "-i", inv).rc == 0
    assert ("file", "/etc/hosts", "modified") in shown_ids(cli, inv)


def test_old_unkeyed_pins_still_hide_their_value(tmp_path: Path, local_inv, cli) -> None:
    inv = str(local_inv(["w1"], sections=["files"]))
    hosts = tmp_path / "w1" / "root" / "etc" / "hosts"
    assert cli("drift", "scan", "all", "-i", inv).rc == 0
    hosts.chmod(0o640)
    assert cli("drift", "scan", "all", "-i", inv).rc == 0
    out = json.loads(cli("drift", "show", "-i", inv, "--format", "json").out)
    fields = [f for g in out["groups"] if g["id"] == "/etc/hosts" for c in g.get("changes", [g])
              for f in c.get("fields", [])]
    lines = [f"w1:file:/etc/hosts:{f['path']} value={_old_pin(f['after'])}" for f in fields]
    assert lines, out
    (cli.state / "drift.ignore").write_text("\n".join(lines) + "\n")
    assert ("file", "/etc/hosts", "modified") not in shown_ids(cli, inv)
    assert not (cli.state / "drift-pin.key").exists()  # reading never makes the key
