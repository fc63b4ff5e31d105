"""Secrets sweep: every CLI command runs with secret values present, then stdout, stderr
and every file under the state dir are searched for those values: zero hits.

Secrets present: ``ansible_password`` (a host var), a var named in ``secrets:``, a value
given with ``--secret ENV``, and a workflow ``secrets:`` var; each is also echoed by the
commands that run, so redaction (not mere absence) is what is tested.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PASSWORD = "pw-Hunter2-Zx81"  # ansible_password
VAR_SECRET = "api-Token-Qq77"  # listed in the host's `secrets:`
ENV_SECRET = "env-Secret-Kk42"  # --secret FTL_SWEEP_SECRET
FLOW_SECRET = "flow-Secret-Mm19"  # a workflow `secrets:` var
SECRETS = (PASSWORD, VAR_SECRET, ENV_SECRET, FLOW_SECRET)

WORKFLOW = f"""
name: sweep
hosts: all
vars:
  flow_token: {FLOW_SECRET}
secrets: [flow_token]
steps:
  - name: echo
    module: shell
    args:
      cmd: "echo flow={{{{ flow_token }}}} pw={{{{ ansible_password }}}} var={{{{ api_token }}}}"
  - name: fail_loudly
    depends_on: [echo]
    module: command
    args:
      argv: ["/nonexistent/{{{{ flow_token }}}}"]
"""


@pytest.fixture
def sweep(tmp_path: Path):
    state = tmp_path / "state"
    inv = tmp_path / "inv.json"
    inv.write_text(json.dumps({"all": {"vars": {"ansible_connection": "local"}, "hosts": {
        "s1": {"ansible_password": PASSWORD, "api_token": VAR_SECRET, "secrets": ["api_token"]}}}}))
    wf = tmp_path / "sweep.yml"
    wf.write_text(WORKFLOW)
    outputs: list[tuple[list[str], bytes]] = []
    env = dict(os.environ, FTL_SWEEP_SECRET=ENV_SECRET, FTL_TUI_HOME=str(state), NO_COLOR="1")

    def ftl(*argv: str, ok: tuple[int, ...] = (0, 2)) -> bytes:
        proc = subprocess.run([sys.executable, "-m", "ftltui", *argv], capture_output=True, timeout=120, env=env)
        assert proc.returncode in ok, (argv, proc.returncode, proc.stdout[-2000:], proc.stderr[-2000:])
        outputs.append((list(argv), proc.stdout + proc.stderr))
        return proc.stdout

    return state, inv, wf, ftl, outputs


def _hits(blob: bytes) -> list[str]:
    return [s for s in SECRETS if s.encode() in blob]


def test_every_cli_command_keeps_secrets_out_of_output_and_state(sweep) -> None:
    state, inv, wf, ftl, outputs = sweep
    i = ("-i", str(inv))
    echo = f"echo pw={PASSWORD} var={VAR_SECRET} env={ENV_SECRET}; echo err={PASSWORD} >&2"
    ftl("run", "all", "shell", "-a", echo, *i, "--secret", "FTL_SWEEP_SECRET")
    ftl("run", "all", "shell", "-a", echo, *i, "--secret", "FTL_SWEEP_SECRET", "--json")
    ftl("run", "all", "command", "--args", json.dumps({"argv": ["/nonexistent/" + PASSWORD]}), *i)
    ftl("run", "all", "shell", "-a", "echo {{ ansible_password }} {{ api_token }}", *i, "--check")
    ftl("inventory", "--list", *i)
    ftl("inventory", "--host", "s1", *i)
    ftl("inventory", "--list", *i, "--json", ok=(0, 2))
    ftl("modules")
    ftl("play", str(wf), *i)
    ftl("play", str(wf), *i, "--json")
    ftl("play", str(wf), *i, "--check")
    jobs = json.loads(ftl("jobs", "list", "--json"))
    assert jobs, "play recorded no jobs"
    ids = [str(j.get("id", j.get("job_id"))) for j in (jobs if isinstance(jobs, list) else jobs.get("jobs", []))]
    for job in ids:
        ftl("jobs", "show", job)
        ftl("jobs", "logs", job)
    ftl("drift", "scan", "all", *i, ok=(0, 1, 2, 4))
    # the sweep is only meaningful if the secrets were really echoed somewhere: masks appear
    assert any(b"********" in blob for _, blob in outputs)
    leaks = [(argv, _hits(blob)) for argv, blob in outputs if _hits(blob)]
    assert not leaks, f"secret values printed by: {leaks}"
    files = [p for p in state.rglob("*") if p.is_file()]
    assert files, "nothing was written to the state dir"
    leaked_files = [(str(p.relative_to(state)), _hits(p.read_bytes())) for p in files if _hits(p.read_bytes())]
    assert not leaked_files, f"secret values in state files: {leaked_files}"


def _too_open(root: Path, skip: str | None = None) -> list[str]:
    bad = []
    for p in [root, *root.rglob("*")]:
        rel = str(p.relative_to(root)) if p != root else "."
        if skip and rel.split("/")[0] == skip:
            continue
        mode = p.stat().st_mode & 0o777
        want = 0o700 if p.is_dir() else 0o600
        if mode & ~want:
            bad.append(f"{rel}: {oct(mode)}")
    return bad


def test_state_files_are_private(sweep) -> None:
    """State, job and log files 0600, directories 0700 (after runs, plays, jobs commands)."""
    state, inv, wf, ftl, _ = sweep
    ftl("run", "all", "ping", "-i", str(inv))
    ftl("play", str(wf), "-i", str(inv))
    ftl("drift", "scan", "all", "-i", str(inv), ok=(0, 1, 2, 4))
    assert len(list(state.rglob("*"))) > 3
    bad = _too_open(state, skip="snapshots")
    assert not bad, "too open: " + ", ".join(bad)


def test_drift_snapshot_dirs_are_private(sweep) -> None:
    state, inv, wf, ftl, _ = sweep
    ftl("drift", "scan", "all", "-i", str(inv), ok=(0, 1, 2, 4))
    assert (state / "snapshots").is_dir()
    bad = [b for b in _too_open(state) if b.startswith("snapshots")]
    assert not bad, "too open: " + ", ".join(bad)
