"""ansible.cfg discovery, precedence and types, compared with ``ansible-config dump --only-changed``.

Each case builds a HOME, a working directory and an environment, asks the real
``ansible-config`` what it sees there, and asks :func:`ftltui.config.load_config` the same.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from ftltui.config import ConfigError, load_config

pytestmark = pytest.mark.skipif(shutil.which("ansible-config") is None, reason="ansible-core not installed")


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env["HOME"] = str(home)
    env.update(extra)
    return env


def oracle(cwd: Path, env: dict[str, str]) -> dict[str, tuple[str, object]]:
    """name -> (origin, value) from ansible-config, for the settings ftl-tui knows."""
    out = subprocess.run(["ansible-config", "dump", "--only-changed", "--format", "json"], cwd=cwd, env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    rows = {}
    for item in json.loads(out.stdout):
        if "name" in item:
            rows[item["name"]] = (item["origin"], item["value"])
    return rows


def ours(cwd: Path, env: dict[str, str]) -> dict[str, tuple[str, object]]:
    cfg = load_config(cwd, env)
    rows = {}
    for name, origin, value in cfg.dump(only_changed=True):
        if name == "ssh_args" or name.startswith("ssh_") or name == "pipelining":
            continue  # plugin options: not in the base dump
        rows[name] = (origin.rsplit(":", 1)[0] if origin.startswith("/") else origin, value)
    return rows


def compare(cwd: Path, env: dict[str, str]) -> dict[str, tuple[str, object]]:
    want = oracle(cwd, env)
    got = ours(cwd, env)
    known = {row[0] for row in load_config(cwd, env).dump(only_changed=False)}
    assert got == {k: v for k, v in want.items() if k in known}
    return got


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def home(tmp_path: Path) -> Path:
    h = tmp_path / "home"
    h.mkdir()
    return h


@pytest.fixture
def project(tmp_path: Path) -> Path:
    p = tmp_path / "project"
    p.mkdir(mode=0o755)
    os.chmod(p, 0o755)
    return p


SAMPLE = """\
# a comment
[defaults]
inventory = ./hosts, ~/more
remote_user = "deploy" ; inline comment
forks = 12
timeout=30
private_key_file = keys/id_ed25519
host_key_checking = False
roles_path = ./roles:~/roles
vault_identity_list = dev@~/dev.txt, prod@prompt
unknown_key = ignored
[privilege_escalation]
become = yes
become_user = app
become_method = su
[ssh_connection]
ssh_args = -o ServerAliveInterval=5
[not_a_section_ftl_reads]
whatever = 1
"""


def test_cwd_file_types_and_paths(home: Path, project: Path) -> None:
    write(project / "ansible.cfg", SAMPLE)
    got = compare(project, clean_env(home))
    assert got["DEFAULT_FORKS"] == (str(project / "ansible.cfg"), 12)
    assert got["DEFAULT_HOST_LIST"][1] == [str(project / "hosts"), str(home / "more")]
    cfg = load_config(project, clean_env(home))
    assert cfg.ssh_args == "-o ServerAliveInterval=5"
    assert cfg.origin("forks") == f"{project / 'ansible.cfg'}:5"


def test_env_over_file(home: Path, project: Path) -> None:
    write(project / "ansible.cfg", SAMPLE)
    env = clean_env(home, ANSIBLE_FORKS="3", ANSIBLE_REMOTE_USER="envuser", ANSIBLE_BECOME="no",
                    ANSIBLE_INVENTORY="inv.yml")
    got = compare(project, env)
    assert got["DEFAULT_FORKS"] == ("env: ANSIBLE_FORKS", 3)
    assert got["DEFAULT_BECOME"] == ("env: ANSIBLE_BECOME", False)


def test_ansible_config_over_cwd(home: Path, project: Path, tmp_path: Path) -> None:
    write(project / "ansible.cfg", "[defaults]\nforks = 7\n")
    other = write(tmp_path / "elsewhere" / "custom.cfg", "[defaults]\nforks = 9\nremote_user = x\n")
    got = compare(project, clean_env(home, ANSIBLE_CONFIG=str(other)))
    assert got["DEFAULT_FORKS"] == (str(other), 9)
    # a directory works too, and a missing file falls through to the search
    compare(project, clean_env(home, ANSIBLE_CONFIG=str(other.parent)))
    got = compare(project, clean_env(home, ANSIBLE_CONFIG=str(tmp_path / "missing.cfg")))
    assert got["DEFAULT_FORKS"][1] == 7


def test_world_writable_cwd_ignored(home: Path, project: Path) -> None:
    write(project / "ansible.cfg", "[defaults]\nforks = 7\n")
    write(home / ".ansible.cfg", "[defaults]\nforks = 4\n")
    os.chmod(project, 0o777)
    got = compare(project, clean_env(home))
    assert got["DEFAULT_FORKS"] == (str(home / ".ansible.cfg"), 4)
    cfg = load_config(project, clean_env(home))
    assert any("world writable" in w for w in cfg.warnings)


def test_home_file_when_cwd_has_none(home: Path, project: Path) -> None:
    write(home / ".ansible.cfg", "[privilege_escalation]\nbecome_ask_pass = true\n")
    got = compare(project, clean_env(home))
    assert got["DEFAULT_BECOME_ASK_PASS"][1] is True


def test_no_config_at_all(home: Path, project: Path) -> None:
    cfg = load_config(project, clean_env(home))
    assert cfg.config_file is None and cfg.forks == 5 and cfg.timeout == 10 and cfg.become_user == "root"
    assert oracle(project, clean_env(home)) == {"CONFIG_FILE": ("", None)}


@pytest.mark.parametrize("text, where, words", [
    ("forks = 3\n[defaults]\n", ":1:", "[section]"),
    ("[defaults]\nforks = 3\nforks = 4\n", ":3:", "set twice"),
    ("[defaults]\nforks = lots\n", ":2:", "whole number"),
    ("[defaults]\nthis line has no equals\n", ":2:", "key = value"),
    ("[defaults]\ntimeout = 1.5\n", ":2:", "whole number"),
])
def test_malformed_file_is_one_line_error_and_ansible_refuses_too(home: Path, project: Path, text: str,
                                                                   where: str, words: str) -> None:
    write(project / "ansible.cfg", text)
    with pytest.raises(ConfigError) as err:
        load_config(project, clean_env(home))
    msg = str(err.value)
    assert str(project / "ansible.cfg") + where in msg and words in msg and "\n" not in msg
    out = subprocess.run(["ansible-config", "dump", "--only-changed"], cwd=project, env=clean_env(home),
                         capture_output=True, text=True, timeout=120)
    assert out.returncode != 0


def test_bad_env_value_names_the_variable(home: Path, project: Path) -> None:
    with pytest.raises(ConfigError, match="env: ANSIBLE_FORKS: DEFAULT_FORKS: expected a whole number"):
        load_config(project, clean_env(home, ANSIBLE_FORKS="many"))


def test_host_var_defaults_only_for_changed_settings(home: Path, project: Path) -> None:
    write(project / "ansible.cfg", SAMPLE)
    cfg = load_config(project, clean_env(home))
    assert cfg.host_var_defaults() == {
        "ansible_user": "deploy", "ansible_ssh_private_key_file": str(project / "keys/id_ed25519"),
        "ansible_host_key_checking": False, "ansible_timeout": 30, "ansible_become": True,
        "ansible_become_user": "app", "ansible_become_method": "su", "ansible_ssh_args": "-o ServerAliveInterval=5",
    }
    assert load_config(home, clean_env(home)).host_var_defaults() == {}
    env = clean_env(home, ANSIBLE_PYTHON_INTERPRETER="/opt/py/bin/python3")
    assert load_config(home, env).host_var_defaults() == {"ansible_python_interpreter": "/opt/py/bin/python3"}
    env["ANSIBLE_PYTHON_INTERPRETER"] = "auto_silent"
    assert load_config(home, env).host_var_defaults() == {}
