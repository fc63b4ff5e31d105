"""ansible.cfg and the command line reach the engine as variables, in Ansible's order.

Layers, lowest first: ansible.cfg / ANSIBLE_*, then the command line's options, then the
inventory's variables, then ``-e``. Read back through a template on a local host, so the
test sees exactly the variables the engine sees.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from ptycli import cli_in_pty

from ftltui.cli import main


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A directory with an ansible.cfg naming its inventory; the test runs there with a clean env."""
    for key in list(os.environ):
        if key.startswith("ANSIBLE_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    proj = tmp_path / "proj"
    proj.mkdir(mode=0o755)
    os.chmod(proj, 0o755)
    (proj / "hosts.ini").write_text(
        f"[web]\nmine ansible_connection=local ansible_python_interpreter={sys.executable} ansible_user=invuser\n"
        f"plain ansible_connection=local ansible_python_interpreter={sys.executable}\n")
    (proj / "ansible.cfg").write_text("[defaults]\ninventory = hosts.ini\nremote_user = cfguser\nforks = 2\n"
                                      "[privilege_escalation]\nbecome_user = cfgbecome\n")
    monkeypatch.chdir(proj)
    return proj


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def echo(capsys, host: str, expr: str, *extra: str) -> str:
    code, out, err = run(capsys, "run", host, "-a", f"echo {expr}", "-o", *extra)
    assert code == 0, err
    return out.split("(stdout) ", 1)[1].strip()


def test_config_names_the_inventory_and_sets_the_lowest_layer(capsys, project):
    assert echo(capsys, "plain", "{{ ansible_user }}") == "cfguser"        # ansible.cfg
    assert echo(capsys, "plain", "{{ ansible_user }}", "-u", "cli") == "cli"  # options over the config
    assert echo(capsys, "mine", "{{ ansible_user }}", "-u", "cli") == "invuser"  # inventory over options
    assert echo(capsys, "mine", "{{ ansible_user }}", "-e", "ansible_user=extra") == "extra"  # -e over all
    assert echo(capsys, "plain", "{{ ansible_become_user }}") == "cfgbecome"
    assert echo(capsys, "plain", "{{ ansible_become_user }}/{{ ansible_become_method }}",
                "--become-user", "app", "--become-method", "su") == "app/su"


def test_env_over_file(capsys, project, monkeypatch):
    monkeypatch.setenv("ANSIBLE_REMOTE_USER", "envuser")
    assert echo(capsys, "plain", "{{ ansible_user }}") == "envuser"


def test_become_password_file_is_a_secret(capsys, project, tmp_path):
    secret = tmp_path / "become.txt"
    secret.write_text("s3cr3t-become\n")
    code, out, err = run(capsys, "run", "plain", "-a", "echo {{ ansible_become_password }}",
                         "--become-password-file", str(secret), "--json")
    assert code == 0, err
    assert "s3cr3t-become" not in out + err and "********" in out


def test_ask_become_pass_without_a_terminal_is_a_clear_error(capsys, project, monkeypatch):
    monkeypatch.setattr(sys, "stdin", open(os.devnull))
    code, out, err = run(capsys, "run", "plain", "-m", "ping", "-K")
    assert code == 5 and "needs a terminal" in err and out == ""


def test_ftl_tui_config_prints_origins(capsys, project, monkeypatch):
    monkeypatch.setenv("ANSIBLE_TIMEOUT", "7")
    code, out, _ = run(capsys, "config")
    assert code == 0
    lines = out.splitlines()
    assert f"CONFIG_FILE() = {project / 'ansible.cfg'}" in lines
    assert f"DEFAULT_REMOTE_USER({project / 'ansible.cfg'}:3) = cfguser" in lines
    assert "DEFAULT_TIMEOUT(env: ANSIBLE_TIMEOUT) = 7" in lines
    assert not any(line.startswith("DEFAULT_BECOME_METHOD") for line in lines)  # unchanged: only with --all
    code, out, _ = run(capsys, "config", "--all")
    assert "DEFAULT_BECOME_METHOD(default) = sudo" in out.splitlines()
    code, out, _ = run(capsys, "config", "--json")
    assert json.loads(out)["DEFAULT_TIMEOUT"] == {"origin": "env: ANSIBLE_TIMEOUT", "value": 7}
    code, out, _ = run(capsys, "config", "--json", "--all")
    assert json.loads(out)["DEFAULT_BECOME_METHOD"] == {"origin": "default", "value": "sudo"}


def test_malformed_config_exits_5_naming_file_and_line(capsys, project):
    (project / "ansible.cfg").write_text("[defaults]\nforks = many\n")
    code, out, err = run(capsys, "run", "plain", "-m", "ping")
    assert code == 5 and f"{project / 'ansible.cfg'}:2" in err and "whole number" in err
    assert len(err.strip().splitlines()) == 1


def test_demo_inventory_when_nothing_is_configured(capsys, project):
    (project / "ansible.cfg").unlink()
    code, out, err = run(capsys, "run", "localhost", "-m", "ping")
    assert code == 0 and "bundled demo inventory" in err
    code, out, err = run(capsys, "run", "localhost", "-m", "ping", "-i", "localhost,")
    assert "demo" not in err


def test_world_writable_project_config_is_ignored_with_a_warning(capsys, project):
    os.chmod(project, 0o777)
    code, out, err = run(capsys, "config")
    assert "world writable" in err and "CONFIG_FILE() = None" in out


@pytest.mark.parametrize("how", ["-K", "become_ask_pass"])
def test_become_password_asked_once_on_the_terminal_and_never_shown(project, how):
    if how == "become_ask_pass":
        with open(project / "ansible.cfg", "a") as f:
            f.write("become_ask_pass = true\n")
    argv = [sys.executable, "-m", "ftltui", "run", "web", "-a", "echo [{{ ansible_become_password }}]"]
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    rc, screen = cli_in_pty(argv + (["-K"] if how == "-K" else []), b"BECOME password: ", "pty-s3cret",
                            cwd=project, env=env)
    assert rc == 0, screen
    assert screen.count("BECOME password: ") == 1
    assert "pty-s3cret" not in screen and screen.count("[********]") == 2, screen


def test_play_takes_the_same_options_and_extra_vars_win(capsys, project, tmp_path):
    out_file = tmp_path / "play-out.txt"
    wf = project / "wf.yml"
    wf.write_text(f"""name: layers
hosts: plain
vars:
  who: workflow
steps:
  - name: write
    module: copy
    args:
      dest: {out_file}
      content: "{{{{ who }}}} {{{{ ansible_user }}}} {{{{ ansible_become_user }}}}"
""")
    code, out, err = run(capsys, "play", str(wf), "--state-dir", str(tmp_path / "st"), "-u", "cliuser",
                         "--become-user", "clibecome", "-e", '{"who": "extra"}')
    assert code == 0, out + err
    assert out_file.read_text() == "extra cliuser clibecome"
