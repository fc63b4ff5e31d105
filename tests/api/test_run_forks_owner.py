"""``ftl-tui run -f N`` as a client of a live daemon: the run is the daemon's job and it
runs with N forks (the job's spec keeps it, so a retry does too), not the owner's engine's."""

from __future__ import annotations

import json
from pathlib import Path

from test_daemon_cli import ftl, start_daemon, stop

HOSTS = ("h1", "h2", "h3", "h4")


def test_run_forks_reach_the_owners_job(tmp_path: Path) -> None:
    inventory = tmp_path / "inv.yml"
    inventory.write_text("all:\n  vars:\n    ansible_connection: local\n  hosts:\n"
                         + "".join(f"    {h}:\n" for h in HOSTS))
    trace = tmp_path / "trace"
    # each host writes its start and its end around a pause: one fork never interleaves them
    cmd = f"echo start {{{{ inventory_hostname }}}} >> {trace}; sleep 0.2; echo end {{{{ inventory_hostname }}}} >> {trace}"
    state = tmp_path / "state"
    daemon = start_daemon(state, inventory=str(inventory))
    try:
        one = ftl(state, "run", "all", "-m", "shell", "-a", cmd, "-f", "1", "-i", str(inventory))
        plain = ftl(state, "run", "all", "-m", "ping", "-i", str(inventory))
        jobs = json.loads(ftl(state, "jobs", "list", "--json").stdout)
        shown = [json.loads(ftl(state, "jobs", "show", str(j["id"]), "--json").stdout) for j in jobs]
    finally:
        code, err = stop(daemon)
    assert code == 0, err
    assert one.returncode == 0 and plain.returncode == 0, (one.stderr, plain.stderr)
    assert [j["kind"] for j in jobs] == ["run", "run"]  # both ran as the owner's jobs
    assert shown[0]["spec"]["forks"] == 1 and "forks" not in shown[1]["spec"]
    lines = trace.read_text().split()
    pairs = [(lines[i], lines[i + 1], lines[i + 2], lines[i + 3]) for i in range(0, len(lines), 4)]
    assert len(pairs) == len(HOSTS) and all(s == "start" and e == "end" and a == b for s, a, e, b in pairs), lines
