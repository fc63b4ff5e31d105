"""Vaulted values through the real CLI: used in commands, shown as ******** in output, JSON, job logs, state."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from vault_testlib import PASSWORDS, PLAIN, VaultProject

pytestmark = pytest.mark.ansible

ECHO = "echo s={{ secret }} d={{ dev_token }} p={{ prod_db_password }}; echo r={{ hostvars['db1'].db_root }} >&2"


def ftl(p: VaultProject, state: Path, *argv: str, ok: tuple[int, ...] = (0,)) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, FTL_TUI_HOME=str(state), NO_COLOR="1")
    proc = subprocess.run([sys.executable, "-m", "ftltui", *argv], capture_output=True, text=True, timeout=120,
                          env=env, stdin=subprocess.DEVNULL, cwd=p.root)
    assert proc.returncode in ok, (argv, proc.returncode, proc.stdout[-2000:], proc.stderr[-2000:])
    return proc


def leaks(blob: str) -> list[str]:
    return [name for name, v in {**PLAIN, **{f"pw:{k}": v for k, v in PASSWORDS.items()}}.items()
            if v.strip() and v.strip() in blob]


def test_vaulted_values_run_and_never_show(project: VaultProject, tmp_path: Path) -> None:
    state = tmp_path / "state"
    i = ["-i", str(project.inventory), *project.vault_id_args()]
    text = ftl(project, state, "run", "web1", "shell", "-a", ECHO, *i)
    assert "s=******** d=******** p=********" in text.stdout and "r=********" in text.stdout + text.stderr
    js = ftl(project, state, "run", "web1", "shell", "-a", ECHO, *i, "--json")
    events = [json.loads(line) for line in js.stdout.splitlines() if line.startswith("{")]
    assert any("s=********" in json.dumps(e) for e in events)
    echo_pw = f"echo {PASSWORDS['dev']}"  # a vault password echoed back is masked too
    assert "********" in ftl(project, state, "run", "web1", "shell", "-a", echo_pw, *i).stdout
    wf = tmp_path / "wf.yml"
    wf.write_text("name: v\nhosts: web\nsteps:\n  - name: echo\n    module: shell\n    args:\n"
                  f"      cmd: \"{ECHO}\"\n")
    ftl(project, state, "play", str(wf), *i)
    jobs = json.loads(ftl(project, state, "jobs", "list", "--json").stdout)
    rows = jobs if isinstance(jobs, list) else jobs.get("jobs", [])
    assert rows
    outputs = [text.stdout + text.stderr, js.stdout + js.stderr]
    for job in rows:
        jid = str(job.get("id", job.get("job_id")))
        outputs.append(ftl(project, state, "jobs", "logs", jid).stdout)
        outputs.append(ftl(project, state, "jobs", "show", jid).stdout)
    outputs.append(ftl(project, state, "inventory", "--list", "--json", *i).stdout)
    outputs.append(ftl(project, state, "inventory", "--host", "web1", *i).stdout)
    assert any("s=********" in o for o in outputs[2:]), "job logs did not carry the masked line"
    for blob in outputs:
        assert not leaks(blob), leaks(blob)
    for f in state.rglob("*"):
        if f.is_file():
            assert not leaks(f.read_bytes().decode("utf-8", "replace")), f


def test_used_undecryptable_value_fails_that_host_with_its_name(project: VaultProject, tmp_path: Path) -> None:
    i = ["-i", str(project.inventory), "--vault-id", f"prod@{project.pwfiles['prod']}",
         "--vault-id", f"default@{project.pwfiles['default']}"]
    proc = ftl(project, tmp_path / "s", "run", "web1", "shell", "-a", "echo {{ dev_token }}", *i, ok=(2,))
    assert "variable 'dev_token'" in proc.stdout and "vault id 'dev'" in proc.stdout and str(project.inventory) in proc.stdout
    ok = ftl(project, tmp_path / "s", "run", "web1", "shell", "-a", "echo {{ plain_var }}", *i)
    assert "hello" in ok.stdout


def test_wrong_password_file_exits_4_with_one_line(project: VaultProject, tmp_path: Path) -> None:
    bad = tmp_path / "bad.pw"
    bad.write_text("nope\n")
    proc = ftl(project, tmp_path / "s", "inventory", "--list", "-i", str(project.inventory),
               "--vault-password-file", str(bad), ok=(4,))
    assert "cannot decrypt file (vault id" in proc.stderr and "Traceback" not in proc.stderr


def test_extra_vars_file_encrypted_by_ansible_vault(project: VaultProject, tmp_path: Path) -> None:
    """``-e @file`` with a wholly encrypted file (ansible-vault, 1.2 dev): used, masked, and wins over inventory."""
    from vault_testlib import vault

    ev = tmp_path / "extra.yml"
    ev.write_text("extra_secret: xtra-Sec-4242\nplain_var: from-extra\n")
    vault(project.env, "encrypt", "--vault-id", f"dev@{project.pwfiles['dev']}", "--encrypt-vault-id", "dev", str(ev))
    proc = ftl(project, tmp_path / "s", "run", "web1", "shell", "-a", "echo x={{ extra_secret }} p={{ plain_var }}",
               "-i", str(project.inventory), *project.vault_id_args(), "-e", f"@{ev}")
    assert "x=********" in proc.stdout and "xtra-Sec-4242" not in proc.stdout + proc.stderr
    assert "p=********" in proc.stdout  # every string of an encrypted file is a secret
    wf = tmp_path / "wf.yml"
    wf.write_text("name: v\nhosts: web\nsteps:\n  - name: echo\n    module: shell\n    args:\n"
                  "      cmd: \"echo x={{ extra_secret }}; printf %s {{ extra_secret }} | sha256sum\"\n")
    play = ftl(project, tmp_path / "s", "play", str(wf), "-i", str(project.inventory), *project.vault_id_args(),
               "-e", f"@{ev}", "--json")
    assert "x=********" in play.stdout and "xtra-Sec-4242" not in play.stdout + play.stderr
    assert hashlib.sha256(b"xtra-Sec-4242").hexdigest() in play.stdout  # the real value was used, not the mask
    for f in (tmp_path / "s").rglob("*"):
        if f.is_file():
            assert b"xtra-Sec-4242" not in f.read_bytes(), f
