"""``ftl-tui drift baseline`` while a daemon owns the state directory: the owner pins
(``drift.baseline``, through its console session), where the command used to fail on
the held store; with no owner the command's own session pins, as before."""

from __future__ import annotations

import json
from pathlib import Path

from test_daemon_cli import ftl, start_daemon, stop


def _inventory(tmp_path: Path) -> Path:
    hosts = {}
    for name in ("w1", "w2"):
        etc = tmp_path / name / "root" / "etc"
        etc.mkdir(parents=True)
        (etc / "passwd").write_text("root:x:0:0:root:/root:/bin/bash\n")
        hosts[name] = etc.parent
    inv = tmp_path / "inv.yml"
    inv.write_text("all:\n  vars:\n    ansible_connection: local\n    ftl_drift_sections: [users]\n"
                   "  children:\n    web:\n      hosts:\n"
                   + "".join(f"        {n}:\n          ftl_drift_root: {root}\n" for n, root in hosts.items()))
    return inv


def test_baseline_pins_through_a_live_owner(tmp_path: Path) -> None:
    inv = str(_inventory(tmp_path))
    state = tmp_path / "state"
    daemon = start_daemon(state, inventory=inv)
    try:
        scan = ftl(state, "drift", "scan", "all", "-i", inv, "--json")
        snaps = {h: s["id"] for h, s in json.loads(scan.stdout)["snapshots"].items()}
        pinned = ftl(state, "drift", "baseline", "w1", "-i", inv, "--json")
        group = ftl(state, "drift", "baseline", "--group", "web", "--snapshot", snaps["w2"], "-i", inv)
        bogus = ftl(state, "drift", "baseline", "--group", "web", "--snapshot", "nope", "-i", inv)
        cleared = ftl(state, "drift", "baseline", "all", "--clear", "-i", inv)
        listing = ftl(state, "drift", "snapshots", "-i", inv)
    finally:
        code, err = stop(daemon)
    assert code == 0, err
    assert scan.returncode == 0 and set(snaps) == {"w1", "w2"}, scan.stderr
    assert pinned.returncode == 0, pinned.stderr
    assert json.loads(pinned.stdout) == [{"scope": "host", "name": "w1", "snapshot": snaps["w1"]}]
    assert (group.returncode, group.stdout) == (0, f"group web: baseline {snaps['w2']}\n"), group.stderr
    assert bogus.returncode == 2 and "no snapshot with id 'nope'" in bogus.stderr
    assert (cleared.returncode, cleared.stdout) == (0, "host w1: baseline cleared\nhost w2: baseline cleared\n")
    assert "[baseline group web]" in listing.stdout and "[baseline host" not in listing.stdout
    # no owner now: the command's own session pins, the same way
    alone = ftl(state, "drift", "baseline", "w2", "-i", inv, "--json")
    assert json.loads(alone.stdout) == [{"scope": "host", "name": "w2", "snapshot": snaps["w2"]}], alone.stderr
    assert "[baseline host w2]" in ftl(state, "drift", "snapshots", "-i", inv).stdout
