"""Issue 16, as real processes: schedule edits through a running daemon (``ftl-tui
schedule add|pause|resume|rm`` while it owns the state dir print what they print alone,
and the daemon fires the added schedule); ``ftl-tui --readonly`` refuses writes with
exit 5 before opening anything; a run or play on a protected group is refused (exit 5)
without ``--confirm-protected`` (no terminal here), and runs with it.
"""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from guardinv import guard_inventory
from test_daemon_cli import start_daemon, stop

from ftltui.cli import main
from ftltui.schedule.model import ScheduleBook
from ftltui.state import StateStore

PLAYBOOK = """\
- hosts: all
  gather_facts: false
  tasks:
    - ping:
"""


class Out:
    def __init__(self, returncode: int, stdout: str, stderr: str) -> None:
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Any:
    """``ftl-tui ARGS`` in this process (the CLI's own main: same parsing, output, exit status)."""
    monkeypatch.setattr(sys, "stdin", open("/dev/null"))  # no terminal: nobody answers a question

    def run(*args: str) -> Out:
        capsys.readouterr()
        code = main(list(args))
        out = capsys.readouterr()
        return Out(code, out.out, out.err)

    return run


def _ids_and_times(text: str) -> str:
    return re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \w+", "T", text)


def test_schedule_edits_go_through_a_running_daemon(tmp_path: Path, cli: Any) -> None:
    state = tmp_path / "state"
    alone = tmp_path / "alone"

    def ftl(where: Path, *args: str) -> Out:
        return cli(*args, "--state-dir", str(where))

    words = ["schedule", "add", "--tz", "UTC", "* * * * * *", "run", "localhost", "-m", "ping"]
    expected = ftl(alone, *words)  # the same command with no owner: what it prints
    assert expected.returncode == 0, expected.stderr
    daemon = start_daemon(state)
    try:
        added = ftl(state, *words)
        assert added.returncode == 0, added.stderr
        assert _ids_and_times(added.stdout) == _ids_and_times(expected.stdout)
        deadline = time.monotonic() + 60  # a guard, not a speed check
        rows: list[dict] = []
        while not any(r["state"] == "succeeded" for r in rows) and time.monotonic() < deadline:
            time.sleep(0.2)
            rows = json.loads(ftl(state, "jobs", "list", "--json").stdout)
        assert any(r["state"] == "succeeded" and r["title"] == "ping on localhost" for r in rows), rows
        for action, text in (("pause", "schedule 1 paused\n"), ("resume", "schedule 1 resumed; next "),
                             ("rm", "schedule 1 removed: * * * * * * run localhost -m ping\n")):
            out = ftl(state, "schedule", action, "1")
            assert out.returncode == 0 and out.stdout.startswith(text), (action, out)
        missing = ftl(state, "schedule", "pause", "7")
        assert missing.returncode == 4 and "no schedule 7" in missing.stderr
        listed = json.loads(ftl(state, "schedule", "list", "--json").stdout)
        assert listed == []
    finally:
        code, err = stop(daemon)
    assert code == 0, err


def test_readonly_cli_refuses_writes_with_exit_5(tmp_path: Path, cli: Any) -> None:
    state = tmp_path / "state"
    for words in (["run", "localhost", "-m", "ping", "-i", "localhost,"], ["jobs", "cancel", "1"],
                  ["jobs", "purge"], ["drift", "scan", "all"], ["schedule", "add", "@hourly", "run", "all", "-m", "ping"],
                  ["schedule", "rm", "1"]):
        out = cli("--readonly", *words, "--state-dir", str(state))
        assert out.returncode == 5, (words, out.stderr)
        assert "read-only" in out.stderr and "refused" in out.stderr, out.stderr
    assert not state.exists() or not any(state.iterdir())  # nothing was opened
    listed = cli("--readonly", "jobs", "list", "--state-dir", str(state))
    assert listed.returncode == 0, listed.stderr  # looking is allowed


def test_protected_group_needs_confirm_protected(tmp_path: Path, cli: Any) -> None:
    inventory = guard_inventory(tmp_path, extra="    ftl_tui_protected_groups: prod")
    playbook = tmp_path / "site.yml"
    playbook.write_text(PLAYBOOK)
    state = tmp_path / "state"

    def run(*words: str) -> Out:
        return cli(*words, "-i", str(inventory), "--state-dir", str(state))

    refused = run("run", "all", "-m", "ping")
    assert refused.returncode == 5, refused
    assert "This run touches 2 hosts in protected group prod" in refused.stderr
    assert "--confirm-protected" in refused.stderr
    assert run("run", "dev", "-m", "ping").returncode == 0  # no protected host: no question
    assert run("run", "all", "-m", "ping", "--confirm-protected").returncode == 0
    play = run("play", str(playbook))
    assert play.returncode == 5 and "touches 2 hosts" in play.stderr, play
    assert run("play", str(playbook), "-l", "dev").returncode == 0
    assert run("play", str(playbook), "--yes").returncode == 0
    store = StateStore.open(state, readonly=True)
    try:
        assert ScheduleBook(store).all() == []
    finally:
        store.close()
