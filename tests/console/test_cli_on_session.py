"""The CLI is a thin face on the console core (issue 16): when a command owns its state
directory (no live owner), ``play``, ``run``, ``drift scan`` and ``jobs`` work through a
:class:`~ftltui.console.session.ConsoleSession`, as the console and the API owner do,
never through a JobQueue/Executor of their own.

An AST scan keeps ``ftltui/commands`` from assembling the engine or the queue again; the
in-process commands below (real localhost runs, real state files) show each one opening
a session on its state directory with the same output and exit status as before.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest

from ftltui.cli import main
from ftltui.console.session import ConsoleSession
from ftltui.paths import SAMPLE_INVENTORY
from ftltui.state import StateStore

PKG = Path(__file__).resolve().parents[2] / "ftltui"
ASSEMBLY = frozenset({"Executor", "JobQueue", "run_scan"})
# serve/worker/workers/schedule are other faces (a browser site, site workers, the schedule store);
# the daemon is a headless face on a session too
SMOKE = str(SAMPLE_INVENTORY / "workflows" / "local-smoke.yml")


def _assembly_calls(path: Path) -> list[str]:
    """``Executor(...)``, ``JobQueue(...)``, ``run_scan(...)`` and a writable ``StateStore.open``."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
        if name in ASSEMBLY:
            out.append(f"{path.name}:{node.lineno} {name}")
        elif (name == "open" and isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name)
              and f.value.id == "StateStore"
              and not any(k.arg == "readonly" and isinstance(k.value, ast.Constant) and k.value.value is True
                          for k in node.keywords)):
            out.append(f"{path.name}:{node.lineno} StateStore.open (writable)")
    return out


def test_commands_never_assemble_the_engine_or_the_queue() -> None:
    files = [p for p in sorted((PKG / "commands").glob("*.py"))
             if p.name not in {"schedule.py", "serve.py", "worker.py", "workers.py"}]
    assert len(files) > 10
    assert "daemon.py" in {p.name for p in files}
    assert [c for p in files for c in _assembly_calls(p)] == []


def test_the_scan_sees_an_assembly(tmp_path: Path) -> None:
    bad = tmp_path / "x.py"
    bad.write_text("from ftltui.jobs import JobQueue\nq = JobQueue(StateStore.open(d), executor=Executor(i))\n"
                   "ro = StateStore.open(d, readonly=True)\n")
    assert _assembly_calls(bad) == ["x.py:2 JobQueue", "x.py:2 StateStore.open (writable)", "x.py:2 Executor"]


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[ConsoleSession]:
    """Every ConsoleSession opened in this test (the real one: only recorded)."""
    sessions: list[ConsoleSession] = []
    real = ConsoleSession.open

    async def spy(self: ConsoleSession) -> None:
        sessions.append(self)
        await real(self)

    monkeypatch.setattr(ConsoleSession, "open", spy)
    return sessions


def ftl(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_play_and_jobs_own_the_state_through_a_session(tmp_path: Path, opened: list[ConsoleSession],
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    state = tmp_path / "st"
    code, out, err = ftl(capsys, "play", SMOKE, "--state-dir", str(state))
    assert code == 0, err
    assert out.startswith("job 1: ") and "[report] succeeded" in out and out.endswith("job 1: succeeded\n")
    (play,) = opened
    assert play.state_dir == state and play.lock_wait == 0.0 and not play.engine_only and play.dispatch

    fail = tmp_path / "fail.yml"
    fail.write_text("name: f\nhosts: localhost\nsteps:\n  - name: a\n    module: command\n    args: 'false'\n")
    assert ftl(capsys, "play", str(fail), "--state-dir", str(state))[0] == 2
    code, out, _ = ftl(capsys, "jobs", "retry", "2", "--state-dir", str(state))  # runs here, in a session
    assert code == 2 and out.startswith("job 3: ") and "job 3: failed" in out
    assert len(opened) == 3 and opened[-1].dispatch

    code, out, _ = ftl(capsys, "jobs", "requeue", "1", "--detach", "--state-dir", str(state))
    assert (code, out) == (0, "job 4: queued (from job 1)\n")
    assert not opened[-1].dispatch  # queued only: the session ran nothing
    assert json.loads(ftl(capsys, "jobs", "show", "4", "--json", "--state-dir", str(state))[1])["state"] == "queued"
    assert ftl(capsys, "jobs", "cancel", "4", "--state-dir", str(state))[:2] == (0, "job 4: cancelled\n")
    assert ftl(capsys, "jobs", "cancel", "1", "--state-dir", str(state))[:2] == (0, "job 1: succeeded\n")
    code, _, err = ftl(capsys, "jobs", "cancel", "99", "--state-dir", str(state))
    assert code == 4 and "no job 99" in err
    assert ftl(capsys, "jobs", "purge", "--older-than", "0", "--state-dir", str(state))[:2] == \
        (0, "archived 4 finished job(s)\n")
    assert len(opened) == 8 and all(s.state_dir == state and s.lock_wait == 0.0 for s in opened)


def test_a_held_state_dir_is_refused_not_swapped_for_a_temporary_one(
        tmp_path: Path, opened: list[ConsoleSession], capsys: pytest.CaptureFixture[str]) -> None:
    """The console falls back to a private state dir when another process holds its own;
    a command must not (its job would vanish): it says the directory is in use, exit 4."""
    state = tmp_path / "st"
    holder = StateStore.open(state)
    try:
        code, out, err = ftl(capsys, "play", SMOKE, "--state-dir", str(state))
        assert (code, out) == (4, "")
        assert "state directory is in use by pid" in err
        code, _, err = ftl(capsys, "drift", "scan", "localhost", "--state-dir", str(state))
        assert code == 2 and "state directory is in use by pid" in err
    finally:
        holder.close()
    assert [s.warning for s in opened] == [None, None]


def test_run_and_drift_scan_through_a_session(tmp_path: Path, opened: list[ConsoleSession],
                                              capsys: pytest.CaptureFixture[str]) -> None:
    state = tmp_path / "st"
    code, out, err = ftl(capsys, "run", "localhost", "-m", "ping", "--state-dir", str(state))
    assert code == 0, err
    assert out.startswith("localhost | SUCCESS => {")
    (run,) = opened
    assert run.engine_only and run.queue is None  # an ad hoc run is no job: nothing taken in the state dir
    assert not (state / "lock").exists() and not (state / "state.json").exists()

    code, out, err = ftl(capsys, "drift", "scan", "localhost", "--state-dir", str(state))
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("localhost: snapshot ") and lines[-1] == "1 of 1 host(s) scanned (job 1)"
    code, out, _ = ftl(capsys, "drift", "scan", "localhost", "--json", "--state-dir", str(state))
    doc: dict[str, Any] = json.loads(out)
    assert code == 0 and doc["job_id"] == 2 and list(doc["snapshots"]) == ["localhost"] and doc["failed"] == {}
    assert [s.lock_wait for s in opened[1:]] == [2.0, 2.0] and all(s.state_dir == state for s in opened)


def test_the_guard_and_the_run_share_one_inventory_load(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """With protected groups in force, ``play`` checks the hosts and runs on the inventory
    it loaded once (a script inventory counts its runs; it was run twice before)."""
    counter = tmp_path / "loads"
    script = tmp_path / "inv.sh"
    script.write_text("#!/bin/sh\n"
                      f"echo load >> {counter}\n"
                      "echo '{\"_meta\": {\"hostvars\": {}}, \"web\": {\"hosts\": [\"w1\"]}}'\n")
    script.chmod(0o755)
    workflow = tmp_path / "wf.yml"
    workflow.write_text("name: t\nhosts: localhost\nsteps:\n  - name: a\n    module: command\n    args: 'true'\n")
    playbook = tmp_path / "pb.yml"
    playbook.write_text("- hosts: localhost\n  gather_facts: false\n  tasks:\n    - ping:\n")
    for n, file in enumerate((workflow, playbook), 1):
        code, out, err = ftl(capsys, "--protected", "web", "play", str(file), "-i", str(script),
                             "--state-dir", str(tmp_path / "st"))
        assert code == 0, out + err
        assert counter.read_text().count("load") == n
