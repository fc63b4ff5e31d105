"""``ftl-tui run --ansible-module NAME`` runs Ansible's implementation instead of the native one.

Which one ran is visible in the result's shape: Ansible's lineinfile returns ``diff`` as a
list of two entries (content, file attributes), the native one a single mapping. Both must
leave the file ``ansible -m lineinfile`` leaves, and report no change on a second run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ftltui.ansible_modules.finder import find_module

pytestmark = [pytest.mark.ansible,
              pytest.mark.skipif(shutil.which("ansible") is None, reason="ansible-core not installed")]


def _inventory(tmp_path: Path) -> Path:
    inv = tmp_path / "inv.yml"
    inv.write_text(f"all:\n  hosts:\n    localhost:\n      ansible_connection: local\n"
                   f"      ansible_python_interpreter: {sys.executable}\n")
    return inv


def _ftl(tmp_path: Path, *argv: str) -> dict:
    proc = subprocess.run([sys.executable, "-m", "ftltui", "run", "localhost", *argv, "--json", "-i",
                           str(_inventory(tmp_path))], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    finished = [json.loads(line) for line in proc.stdout.splitlines() if '"host.finished"' in line]
    assert len(finished) == 1, proc.stdout + proc.stderr
    return finished[0]["result"]["result"]


def _ansible(tmp_path: Path, args: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update(ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-tmp"), ANSIBLE_NOCOLOR="1")
    proc = subprocess.run(["ansible", "localhost", "-i", str(_inventory(tmp_path)), "-m", "lineinfile", "-a", args,
                           "-o"], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    out = proc.stdout
    return json.loads(out[out.index("{"):out.rindex("}") + 1])


def test_ansible_module_flag_forces_ansibles_lineinfile(tmp_path: Path) -> None:
    files = {k: tmp_path / f"{k}.txt" for k in ("native", "forced", "oracle")}
    for f in files.values():
        f.write_text("first\n")
    line = "path={} line='10.0.0.5 db' insertbefore=BOF"
    oracle = _ansible(tmp_path, line.format(files["oracle"]))
    forced = _ftl(tmp_path, "-m", "lineinfile", "-a", line.format(files["forced"]), "--ansible-module", "lineinfile")
    native = _ftl(tmp_path, "-m", "ansible.builtin.lineinfile", "-a", line.format(files["native"]))
    assert isinstance(forced["diff"], list) and isinstance(native["diff"], dict)  # which implementation ran
    for result in (forced, native):
        assert (result["changed"], result["msg"]) == (oracle["changed"], oracle["msg"]) == (True, "line added")
    assert files["forced"].read_text() == files["native"].read_text() == files["oracle"].read_text()
    again = _ftl(tmp_path, "-m", "lineinfile", "-a", line.format(files["forced"]), "--ansible-module",
                 "ansible.builtin.lineinfile")
    assert again["changed"] is False and isinstance(again["diff"], list)


def test_ansible_module_flag_parses_args_against_ansibles_options(tmp_path: Path) -> None:
    """Ansible's lineinfile has ``unsafe_writes`` (from the files fragment); -a k=v is read with its option names."""
    target = tmp_path / "t.txt"
    target.write_text("")
    result = _ftl(tmp_path, "-m", "lineinfile", "-a", f"path={target} line=x unsafe_writes=true",
                  "--ansible-module", "lineinfile")
    assert result["changed"] is True and target.read_text() == "x\n"


def test_names_never_leave_the_module_directories() -> None:
    for name in ("../../etc/passwd", "x/../../y", "community.general.x/../../ini_file", "a..b", "", "."):
        assert find_module(name) is None


def test_inventory_variable_forces_ansibles_implementation_per_host(tmp_path: Path) -> None:
    inv = tmp_path / "forced.yml"
    inv.write_text(f"all:\n  hosts:\n    localhost:\n      ansible_connection: local\n"
                   f"      ansible_python_interpreter: {sys.executable}\n"
                   f"      ftl_ansible_modules: [ansible.builtin.lineinfile]\n")
    target = tmp_path / "t.txt"
    target.write_text("a\n")
    proc = subprocess.run([sys.executable, "-m", "ftltui", "run", "localhost", "-m", "lineinfile", "-a",
                           f"path={target} line=b", "--json", "-i", str(inv)], capture_output=True, text=True,
                          cwd=tmp_path, timeout=120)
    finished = [json.loads(line) for line in proc.stdout.splitlines() if '"host.finished"' in line]
    result = finished[0]["result"]["result"]
    assert result["changed"] is True and isinstance(result["diff"], list) and target.read_text() == "a\nb\n"
