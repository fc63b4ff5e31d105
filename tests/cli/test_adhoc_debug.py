"""``ftl-tui run PATTERN -m debug`` / ``-m set_fact`` do what ``ansible PATTERN -m debug``
does (hD finding 9): each host's message or variable, exit 0, nothing run on (or even
connected to) the host. Before, every host "failed" (FAILED!, exit 2) with "needs the
'debug' action plugin". Real ``ftl-tui`` processes; ``ansible`` itself as the oracle
when it is installed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from netutil import closed_port

from ftltui.paths import REPO_DIR

SECRET = "s3cret-pw-4711"


def ftl(*args: str, state: Path, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO_DIR), "FTL_TUI_HOME": str(state), "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "ftltui", *args], check=False, capture_output=True, text=True,
                          env=env, timeout=180, stdin=subprocess.DEVNULL, cwd=cwd)


@pytest.fixture
def inv(tmp_path: Path) -> Path:
    path = tmp_path / "inv.ini"
    path.write_text(f"l1 ansible_connection=local greeting=hi ansible_password={SECRET}\n"
                    "l2 ansible_connection=local\n"
                    f"dead ansible_host=127.0.0.1 ansible_port={closed_port()} ansible_user=nobody\n")
    return path


def _blocks(out: str) -> dict[str, str]:
    """``host | WORD => {...}`` blocks by host (hosts finish in any order)."""
    blocks: dict[str, str] = {}
    host = ""
    for line in out.splitlines():
        if " | " in line and not line.startswith(" "):
            host = line.split(" | ", 1)[0]
            blocks[host] = ""
        if host:
            blocks[host] += line + "\n"
    return blocks


def test_debug_msg_and_var_per_host_exit_0_without_contacting_a_host(tmp_path: Path, inv: Path) -> None:
    st = tmp_path / "st"
    said = ftl("run", "all", "-i", str(inv), "-m", "debug", "-a", 'msg="hello {{ inventory_hostname }}"',
               state=st, cwd=tmp_path)
    assert said.returncode == 0, said.stdout + said.stderr
    blocks = _blocks(said.stdout)
    assert blocks["l1"] == 'l1 | SUCCESS => {\n    "msg": "hello l1"\n}\n'
    assert blocks["dead"] == 'dead | SUCCESS => {\n    "msg": "hello dead"\n}\n'  # port closed: never connected

    var = _blocks(ftl("run", "all", "-i", str(inv), "-m", "debug", "-a", "var=greeting", state=st, cwd=tmp_path).stdout)
    assert var["l1"] == 'l1 | SUCCESS => {\n    "greeting": "hi"\n}\n'
    assert var["l2"] == 'l2 | SUCCESS => {\n    "greeting": "VARIABLE IS NOT DEFINED!"\n}\n'

    default = ftl("run", "l2", "-i", str(inv), "-m", "ansible.builtin.debug", state=st, cwd=tmp_path)
    assert default.returncode == 0 and '"msg": "Hello world!"' in default.stdout, default.stdout + default.stderr


def test_debug_verbosity_bad_args_and_secrets(tmp_path: Path, inv: Path) -> None:
    st = tmp_path / "st"
    quiet = ftl("run", "l1", "-i", str(inv), "-m", "debug", "-a", "msg=hi verbosity=1", state=st, cwd=tmp_path)
    assert quiet.returncode == 0 and quiet.stdout == "l1 | SKIPPED\n", quiet.stdout + quiet.stderr
    loud = ftl("run", "l1", "-i", str(inv), "-m", "debug", "-a", "msg=hi verbosity=1", "-v", state=st, cwd=tmp_path)
    assert loud.returncode == 0 and '"msg": "hi"' in loud.stdout, loud.stdout + loud.stderr

    both = ftl("run", "l1", "-i", str(inv), "-m", "debug", "-a", "msg=a var=b", state=st, cwd=tmp_path)
    assert both.returncode == 2 and "parameters are mutually exclusive: msg|var" in both.stdout
    bogus = ftl("run", "l1", "-i", str(inv), "-m", "debug", "-a", "bogus=1", state=st, cwd=tmp_path)
    assert bogus.returncode == 2
    assert "Unsupported parameters for (debug) module: bogus. Supported parameters include: msg, var, verbosity." \
        in bogus.stdout

    for args in ("var=ansible_password", "msg={{ ansible_password }}"):  # shown masked, as everywhere
        shown = ftl("run", "l1", "-i", str(inv), "-m", "debug", "-a", args, "--json", state=st, cwd=tmp_path)
        assert shown.returncode == 0, shown.stdout + shown.stderr
        assert SECRET not in shown.stdout + shown.stderr and "********" in shown.stdout


def test_set_fact_answers_as_ansible_does(tmp_path: Path, inv: Path) -> None:
    st = tmp_path / "st"
    out = ftl("run", "l1", "-i", str(inv), "-m", "set_fact", "-a", "x=1", state=st, cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout == 'l1 | SUCCESS => {\n    "ansible_facts": {\n        "x": "1"\n    },\n    "changed": false\n}\n'
    empty = ftl("run", "l1", "-i", str(inv), "-m", "set_fact", state=st, cwd=tmp_path)
    assert empty.returncode == 2 and "No key/value pairs provided" in empty.stdout


@pytest.mark.skipif(shutil.which("ansible") is None, reason="ansible is not installed")
@pytest.mark.parametrize("module,args", [("debug", "msg=hi"), ("debug", "var=greeting"), ("debug", ""),
                                         ("set_fact", "x=1")])
def test_same_output_as_ansible(tmp_path: Path, module: str, args: str) -> None:
    inv = tmp_path / "inv.ini"
    inv.write_text("l1 ansible_connection=local greeting=hi\nl3 ansible_connection=local greeting=ho\n")
    env = {**os.environ, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_LOCALHOST_WARNING": "0"}
    oracle = subprocess.run(["ansible", "all", "-i", str(inv), "-m", module, "-a", args], check=False,
                            capture_output=True, text=True, env=env, timeout=180, cwd=tmp_path)
    ours = ftl("run", "all", "-i", str(inv), "-m", module, "-a", args, state=tmp_path / "st", cwd=tmp_path)
    assert (ours.returncode, _blocks(ours.stdout)) == (oracle.returncode, _blocks(oracle.stdout)), oracle.stderr


def test_a_controller_plugin_ftl_tui_lacks_is_bad_input_before_any_host(tmp_path: Path, inv: Path) -> None:
    """``-m assert`` (``fail``, ``pause`` ...): refused as bad input (exit 4, README's exit
    table), one line on stderr, no host line: before, every host printed FAILED! and exit 2."""
    out = ftl("run", "all", "-i", str(inv), "-m", "assert", "-a", "that=1", state=tmp_path / "st", cwd=tmp_path)
    assert out.returncode == 4, out.stdout + out.stderr
    assert out.stdout == ""
    assert out.stderr == ("ftl-tui: error: ansible.builtin.assert needs the 'assert' action plugin on the "
                          "controller, which ftl-tui does not implement\n")
