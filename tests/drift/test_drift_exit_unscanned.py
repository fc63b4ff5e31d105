"""``drift show`` exits 2 when a selected host's last scan failed (hR finding 17).

Its current drift is unknown, as for a damaged snapshot: a CI gate (``drift show
--min-severity high``) must not pass green on a host it could not look at. Before, the
host was only named in a warning and ``show`` exited 0 ("no drift").
"""

from __future__ import annotations

from pathlib import Path

from drift_helpers import with_dead_w2

SECTIONS = ["users", "groups", "files"]


def test_show_exits_2_naming_a_host_whose_last_scan_failed(tmp_path: Path, local_inv, cli) -> None:
    inv = local_inv(["w1", "w2"], sections=SECTIONS)
    assert cli("drift", "scan", "all", "-i", str(inv)).rc == 0
    assert cli("drift", "scan", "all", "-i", str(inv)).rc == 0
    clean = cli("drift", "show", "-i", str(inv))
    assert clean.rc == 0, clean.out + clean.err

    # w2 becomes unreachable for the next scan (ssh to a refused port), w1 is scanned fine
    broken = with_dead_w2(tmp_path, inv)
    scan = cli("drift", "scan", "all", "-i", str(broken))
    assert scan.rc == 2, scan.out + scan.err

    shown = cli("drift", "show", "-i", str(inv))
    assert shown.rc == 2, shown.out + shown.err
    assert "w2" in shown.err and "last scan failed" in shown.err
    assert "w1" not in shown.err.split("drift unknown for", 1)[1]
    only_w1 = cli("drift", "show", "w1", "-i", str(inv))  # a host that was scanned: its status as before
    assert only_w1.rc == 0, only_w1.out + only_w1.err
