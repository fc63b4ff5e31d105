"""``ftl-tui play`` options checked one by one against ansible-playbook on the same files
(session 11's audit of issue 15): ``-e`` in every form, vault password scripts named by a
relative path, and ``--start-at-task`` naming no task.

Local hosts only; each test runs ansible-playbook and ftl-tui with the same arguments in
the same directory and compares what both print and their exit status.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_play_cli import FTL, recap, run

pytestmark = [pytest.mark.skipif(shutil.which("ansible-playbook") is None, reason="ansible-core not installed"),
              pytest.mark.timeout(900)]

SHOW = """\
- hosts: web
  gather_facts: false
  tasks:
    - name: show
      debug:
        msg: "a={{ a | default('U') }} b={{ b | default('U') }} c={{ c | default('U') | to_json }} d={{ d | default('U') }}"
"""


@pytest.fixture
def work(tmp_path: Path) -> Path:
    py = sys.executable
    (tmp_path / "inv.ini").write_text(f"[web]\nh1 ansible_connection=local ansible_python_interpreter={py}\n")
    (tmp_path / "show.yml").write_text(SHOW)
    (tmp_path / "vars.yml").write_text("a: fromyaml\nc: {x: 1}\n")
    (tmp_path / "vars.json").write_text('{"b": "fromjson", "d": [1, 2]}')
    (tmp_path / "home").mkdir()
    return tmp_path


def _msgs(stdout: str) -> list[str]:
    return [line.strip() for line in stdout.splitlines() if '"msg"' in line]


@pytest.mark.parametrize("extra", [
    ("-e", "a=1", "-e", 'b="x y"', "-e", "c=[1,2] d=four"),  # k=v, quoted, several in one
    ("-e", '{"c": {"k": [1]}, "a": 2}'),  # JSON
    ("-e", "{d: yamlflow, a: [x]}"),  # YAML flow mapping
    ("-e", "@vars.yml", "-e", "@vars.json"),  # files, YAML and JSON
    ("-e", "@vars.yml", "-e", '{"c": {"y": 2}}', "-e", "a=last"),  # later wins, whole values (no merge)
    ("--extra-vars", "a=long", "-e", ""),  # the long name; an empty -e adds nothing
], ids=["kv", "json", "yaml", "files", "later-wins", "long-empty"])
def test_extra_vars_in_every_form_equal_ansible_playbook(work: Path, extra: tuple[str, ...]) -> None:
    args = ("show.yml", "-i", "inv.ini", *extra)
    theirs = run(work, ["ansible-playbook"], *args)
    ours = run(work, FTL, *args)
    assert theirs.returncode == 0, theirs.stdout + theirs.stderr
    assert _msgs(ours.stdout) == _msgs(theirs.stdout), ours.stdout + ours.stderr
    assert ours.returncode == theirs.returncode


def test_vault_password_scripts_named_by_a_relative_path_run_as_in_ansible_playbook(work: Path) -> None:
    """``--vault-password-file ./pass.sh`` and ``--vault-id dev@./dev.sh`` are paths from the
    current directory: ftl-tui looked ``pass.sh`` up on PATH (Path() drops the ``./``) and
    stopped with 'vault password script could not run'."""
    for name, label, password, var in (("pass.sh", None, "s3cret", "a"), ("dev.sh", "dev", "devpw", "b")):
        script = work / name
        script.write_text(f"#!/bin/sh\necho {password}\n")
        script.chmod(0o755)
        (work / f"{var}.yml").write_text(f"{var}: vaulted-{var}\n")
        env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
        ident = [f"--vault-id={label}@{name}"] if label else [f"--vault-password-file={name}"]
        subprocess.run(["ansible-vault", "encrypt", *ident, f"{var}.yml"], cwd=work, env=env, check=True,
                       capture_output=True, timeout=120)
    args = ("show.yml", "-i", "inv.ini", "-e", "@a.yml", "-e", "@b.yml",
            "--vault-password-file", "./pass.sh", "--vault-id", "dev@./dev.sh")
    theirs = run(work, ["ansible-playbook"], *args)
    ours = run(work, FTL, *args)
    assert theirs.returncode == 0, theirs.stdout + theirs.stderr
    assert ours.returncode == 0, ours.stdout + ours.stderr
    assert recap(ours.stdout) == recap(theirs.stdout)
    assert "vaulted-a" in theirs.stdout and "could not run" not in ours.stderr
    assert _msgs(ours.stdout) == ['"msg": "a=******** b=******** c=\\"U\\" d=U"']  # vault values masked: ftl-tui's rule


def test_start_at_task_naming_no_task_says_so_as_ansible_playbook(work: Path) -> None:
    """ansible-playbook runs nothing and prints ``[ERROR]: No matching task "NAME" found ...``
    with exit status 0; ftl-tui ran nothing without a word."""
    args = ("show.yml", "-i", "inv.ini", "--start-at-task", "no such task")
    theirs = run(work, ["ansible-playbook"], *args)
    ours = run(work, FTL, *args)
    line = ('[ERROR]: No matching task "no such task" found. Note: --start-at-task can only follow static '
            'includes.')
    assert line in theirs.stderr.splitlines(), theirs.stderr
    assert line in ours.stderr.splitlines(), ours.stderr
    assert ours.stdout == theirs.stdout
    assert ours.returncode == theirs.returncode == 0


@pytest.mark.parametrize("extra", [
    ("-e", "@nofile.yml"),  # an extra-vars file that is not there
    ("-e", "@secret.yml"),  # a vaulted one and no password
    ("-e", "@secret.yml", "--vault-password-file", "wrong.pw"),  # the wrong password
    ("--vault-password-file", "nope.pw"),  # a password file that is not there
    ("-e", "@secret.yml", "--syntax-check"),  # read in every mode
    ("-e", "@nofile.yml", "--list-tasks"),
], ids=["missing", "no-password", "wrong-password", "no-password-file", "syntax-check", "list-tasks"])
def test_extra_vars_and_vault_files_that_cannot_be_read_exit_1_as_ansible_playbook(work: Path,
                                                                                    extra: tuple[str, ...]) -> None:
    """ansible-playbook stops with exit 1 (an error, not a parser error): ftl-tui exited 4,
    or 0 under ``--syntax-check``, which did not read ``-e`` at all."""
    (work / "right.pw").write_text("s3cret\n")
    (work / "wrong.pw").write_text("other\n")
    (work / "secret.yml").write_text("a: vaulted\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    subprocess.run(["ansible-vault", "encrypt", "--vault-password-file", "right.pw", "secret.yml"], cwd=work,
                   env=env, check=True, capture_output=True, timeout=120)
    args = ("show.yml", "-i", "inv.ini", *extra)
    theirs = run(work, ["ansible-playbook"], *args)
    ours = run(work, FTL, *args)
    assert theirs.returncode == 1, theirs.stdout + theirs.stderr
    assert ours.returncode == 1, ours.stdout + ours.stderr
    assert ours.stderr.startswith("[ERROR]: ") and "Traceback" not in ours.stderr, ours.stderr
    assert ours.stdout == "", ours.stdout  # nothing ran, nothing listed


def test_ask_vault_pass_of_a_playbook_on_a_terminal(work: Path) -> None:
    """``play --ask-vault-pass``: asked once on the terminal with ansible-playbook's words
    (``Vault password:``), not echoed, and the vaulted ``-e @FILE`` opens."""
    from ptycli import cli_in_pty

    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    (work / "pw").write_text("s3cret\n")
    (work / "a.yml").write_text("a: vaulted-a\n")
    subprocess.run(["ansible-vault", "encrypt", "--vault-password-file", "pw", "a.yml"], cwd=work, env=env,
                   check=True, capture_output=True, timeout=120)
    argv = [*FTL, "show.yml", "-i", "inv.ini", "-e", "@a.yml", "--ask-vault-pass"]
    rc, screen = cli_in_pty(argv, b"Vault password:", "s3cret", cwd=work,
                            env=dict(env, NO_COLOR="1", HOME=str(work / "home")))
    assert rc == 0, screen
    assert screen.count("Vault password:") == 1 and "s3cret" not in screen, screen
    assert "a=******** b=U" in screen, screen  # opened (and masked: ftl-tui's rule for vault values)
