"""``schedule add`` stores the command as typed (hG session 11, finding 1).

A long option written as two words (``--check``, ``--tags X``, ``--limit X``, ``--diff``)
was replaced by an empty word when the files were made absolute: ``run h01 --check -a
'touch X'`` was stored as ``run h01 '' -a 'touch X'`` (the empty word became the MODULE,
so it was accepted) and fired for real; ``play ... --tags x`` was refused with an empty
"unrecognized arguments". What is stored is what is checked now; and a daemon firing a
``--check`` schedule changes nothing.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from daemonhelp import FTL, start_daemon

from ftltui.cli import main


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "site.yml").write_text("- hosts: all\n  tasks: []\n")
    (tmp_path / "hosts.ini").write_text(
        f"[web]\nh01 ansible_connection=local ansible_python_interpreter={sys.executable}\n")
    return tmp_path


def _add(capsys: pytest.CaptureFixture[str], project: Path, *command: str) -> tuple[int, str, list[list[str]]]:
    state = ["--state-dir", str(project / "state")]
    code = main(["schedule", "add", "-i", str(project / "hosts.ini"), "0 3 * * *", *command, *state])
    err = capsys.readouterr().err
    main(["schedule", "list", "--json", *state])
    return code, err, [row["argv"] for row in json.loads(capsys.readouterr().out)]


@pytest.mark.parametrize("command, stored", [
    (["run", "h01", "--check", "-a", "touch /tmp/x"], ["run", "h01", "--check", "-a", "touch /tmp/x"]),
    (["run", "web", "--limit", "h01", "-m", "ping"], ["run", "web", "--limit", "h01", "-m", "ping"]),
    (["play", "site.yml", "--tags", "x", "--limit", "h01", "--diff", "-e", "k=v"],
     ["play", "{p}/site.yml", "--tags", "x", "--limit", "h01", "--diff", "-e", "k=v"]),
    (["play", "site.yml", "--check", "--extra-vars", "@vars.yml", "--limit=@hosts.txt", "-Ce@more.yml"],
     ["play", "{p}/site.yml", "--check", "--extra-vars", "@{p}/vars.yml", "--limit=@{p}/hosts.txt", "-Ce@{p}/more.yml"]),
    (["play", "--tag", "x", "site.yml"], ["play", "--tag", "x", "{p}/site.yml"]),  # a prefix, as argparse takes it
])
def test_the_command_is_stored_as_typed_with_only_its_files_made_absolute(
        capsys: pytest.CaptureFixture[str], project: Path, command: list[str], stored: list[str]) -> None:
    (project / "hosts.txt").write_text("h01\n")
    code, err, rows = _add(capsys, project, *command)
    assert code == 0, err
    assert rows == [[w.replace("{p}", str(project)) for w in stored]]


def test_a_check_schedule_fired_by_the_daemon_changes_nothing(tmp_path: Path) -> None:
    """The real daemon fires a once-a-second ``run --check -a 'touch FILE'`` (the finding's
    repro): its jobs end and the file is never made (the old code stored it without
    ``--check`` and the daemon created the file)."""
    state, target = tmp_path / "state", tmp_path / "must-not-exist"
    added = subprocess.run([*FTL, "schedule", "add", "-i", "localhost,", "* * * * * *", "run", "localhost", "--check",
                            "-a", f"touch {target}", "--state-dir", str(state)],
                           capture_output=True, text=True, timeout=120, check=False)
    assert added.returncode == 0, added.stderr
    daemon = start_daemon(state)
    try:
        deadline = time.monotonic() + 60  # a guard against a hang, not a speed check
        rows: list[dict] = []
        while not any(r["state"] in ("succeeded", "failed") for r in rows) and time.monotonic() < deadline:
            time.sleep(0.2)
            listed = subprocess.run([*FTL, "jobs", "list", "--json", "--state-dir", str(state)],
                                    capture_output=True, text=True, timeout=120, check=False)
            rows = json.loads(listed.stdout)
    finally:
        daemon.terminate()
        daemon.communicate(timeout=60)
    assert any(r["state"] in ("succeeded", "failed") for r in rows), rows
    assert not target.exists()
    assert "--check" in added.stdout, added.stdout
