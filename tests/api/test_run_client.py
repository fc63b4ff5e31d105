"""``ftl-tui run`` with a live owner: the run is the owner's job, the output and exit
status are those of the same command run alone (which the engine tests compare with
``ansible``). Real processes: the daemon, then each command with and without it."""

from __future__ import annotations

import json
import re
from pathlib import Path

from test_daemon_cli import INVENTORY, ftl, start_daemon, stop

CASES = [
    ("run", "localhost", "-m", "ping"),
    ("run", "localhost", "-a", "echo hi"),
    ("run", "localhost", "-m", "shell", "-a", "echo out; echo err >&2; exit 3"),
    ("run", "localhost", "-m", "shell", "-a", "printf 'a\\nb\\n'", "-o"),
    ("run", "localhost", "-m", "shell", "-a", "echo live", "-v"),
    ("run", "localhost", "-m", "ping", "--json"),
    ("run", "localhost", "-m", "command", "-a", "echo nope", "-C"),
    ("run", "localhost", "-m", "no_such_module"),
    ("run", "nomatch", "-m", "ping"),
]
DELEGATED = 7  # the last two are refused before anything runs, by both paths

VOLATILE = re.compile(r'"(ts|run_id|duration|start|end|delta)": ("[^"]*"|[0-9.e-]+)')


def normal(text: str) -> str:
    """Timestamps, run ids and durations differ between any two runs."""
    text = VOLATILE.sub(r'"\1": "X"', text)
    return re.sub(r"in [0-9.]+s", "in Xs", text)


def run_all(state: Path) -> list[tuple[int, str, str]]:
    out = []
    for args in CASES:
        done = ftl(state, *args, "-i", INVENTORY)
        out.append((done.returncode, normal(done.stdout), normal(done.stderr)))
    return out


def test_run_through_the_owner_prints_and_exits_as_run_alone(tmp_path: Path) -> None:
    state = tmp_path / "state"
    daemon = start_daemon(state)
    try:
        through = run_all(state)
        jobs = json.loads(ftl(state, "jobs", "list", "--json").stdout)
    finally:
        code, err = stop(daemon)
    assert code == 0, err
    alone = run_all(tmp_path / "alone")
    for args, a, b in zip(CASES, through, alone):
        assert a == b, args
    assert [c for c, _o, _e in through] == [0, 0, 2, 0, 0, 0, 0, 4, 4]
    assert len(jobs) == DELEGATED and {j["kind"] for j in jobs} == {"run"}  # they ran as the owner's jobs
    assert not (tmp_path / "alone").exists()  # with no owner, run needs no state directory


def test_run_with_options_the_owner_cannot_carry_runs_here(tmp_path: Path) -> None:
    state = tmp_path / "state"
    daemon = start_daemon(state)
    try:
        with_e = ftl(state, "run", "localhost", "-m", "shell", "-a", "echo {{ x }}", "-e", "x=1", "-i", INVENTORY)
        other_inventory = ftl(state, "run", "localhost", "-m", "ping", "-i", "localhost,otherhost,")
        jobs = json.loads(ftl(state, "jobs", "list", "--json").stdout)
    finally:
        stop(daemon)
    assert with_e.returncode == 0 and "1" in with_e.stdout
    assert other_inventory.returncode == 0
    assert jobs == []  # neither became a job of the owner


def test_ctrl_c_of_a_run_client_cancels_its_job_as_in_process(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys

    state = tmp_path / "state"
    daemon = start_daemon(state)
    try:
        client = subprocess.Popen([sys.executable, "-m", "ftltui", "run", "localhost", "-m", "shell", "-a",
                                   "echo go; sleep 60", "-v", "-i", INVENTORY, "--state-dir", str(state)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert "go" in client.stdout.readline()
        client.send_signal(signal.SIGINT)
        _out, err = client.communicate(timeout=60)
        jobs = json.loads(ftl(state, "jobs", "list", "--json").stdout)
    finally:
        stop(daemon)
    assert client.returncode == 99 and "User interrupted execution" in err, err  # as ansible (and in-process run)
    assert [j["state"] for j in jobs] == ["cancelled"]


def test_a_result_bigger_than_one_message_prints_whole_through_the_owner(tmp_path: Path) -> None:
    """3 MB of output in one host result: the log stream announces it as oversized and
    the client reads it from the log file; the output equals run alone."""
    state = tmp_path / "state"
    args = ("run", "localhost", "-m", "shell", "-a", "head -c 3000000 /dev/zero | tr '\\\\0' x; echo")
    daemon = start_daemon(state)
    try:
        through = ftl(state, *args, "-i", INVENTORY)
    finally:
        stop(daemon)
    alone = ftl(tmp_path / "alone", *args, "-i", INVENTORY)
    assert through.returncode == alone.returncode == 0
    assert normal(through.stdout) == normal(alone.stdout) and len(through.stdout) > 3_000_000
