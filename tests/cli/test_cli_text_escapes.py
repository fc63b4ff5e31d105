"""The CLI's text output never writes an escape sequence or a control character it was given
(hD finding 5): host and group names, variable values, playbook file and task names, a host's
scan failure. They go through ``safe_text`` as ``run`` and ``jobs logs`` do (ESC sequences
removed, other controls shown as ``\\xNN``); ``--json`` stays exact (JSON escapes them itself).
Real ``ftl-tui`` processes on localhost and a refused SSH port."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import yaml
from netutil import closed_port

from ftltui.paths import REPO_DIR

TITLE = "\x1b]0;pwned\x07"  # OSC: retitles the window
RED = "\x1b[31m"
HOST = f"w{TITLE}1"
GROUP = f"we{RED}b"
VALUE = f"hello {RED}red {TITLE}x"
RAW = ("\x1b", "\x07")


def ftl(*args: str, state: Path, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO_DIR), "FTL_TUI_HOME": str(state)}
    return subprocess.run([sys.executable, "-m", "ftltui", *args], check=False,
                          capture_output=True, text=True, env=env, timeout=180, stdin=subprocess.DEVNULL, cwd=cwd)


def _clean(out: subprocess.CompletedProcess, *what: str) -> None:
    shown = out.stdout + out.stderr
    assert not [c for c in RAW if c in shown], (what, shown)


def _inventory(tmp_path: Path) -> Path:
    inv = {"all": {"children": {GROUP: {"hosts": {HOST: {
        "ansible_connection": "local", "ansible_python_interpreter": sys.executable,
        "greeting": VALUE, "nested": {"k": RED}, "ftl_drift_sections": ["groups"]}}}}}}
    path = tmp_path / "inv.yml"
    path.write_text(yaml.safe_dump(inv))
    return path


def test_inventory_text_forms_never_print_escapes_and_json_stays_exact(tmp_path: Path) -> None:
    inv, state = _inventory(tmp_path), tmp_path / "st"
    for mode in ((), ("--graph",), ("--list-hosts", "all"), ("--host", HOST)):
        out = ftl("inventory", "-i", str(inv), *mode, state=state, cwd=tmp_path)
        assert out.returncode == 0, out.stderr
        _clean(out, mode)
    shown = ftl("inventory", "-i", str(inv), "--host", HOST, state=state, cwd=tmp_path).stdout
    assert shown.splitlines()[0] == "w1"
    assert re.search(r"^  greeting +hello red x$", shown, re.M)  # the value without its escapes
    assert "we" + "b" in ftl("inventory", "-i", str(inv), state=state, cwd=tmp_path).stdout

    as_json = ftl("inventory", "-i", str(inv), "--host", HOST, "--json", state=state, cwd=tmp_path)
    assert json.loads(as_json.stdout)["greeting"] == VALUE  # exact: JSON carries \u001b, never a raw ESC
    assert "\\u001b]0;pwned\\u0007" in as_json.stdout and "\x1b" not in as_json.stdout
    listed = ftl("inventory", "-i", str(inv), "--list-hosts", "all", "--json", state=state, cwd=tmp_path)
    assert json.loads(listed.stdout) == [HOST]


def test_playbook_file_and_task_names_are_shown_not_obeyed(tmp_path: Path) -> None:
    inv, state = _inventory(tmp_path), tmp_path / "st"
    book = tmp_path / f"e{RED}RED{TITLE}.yml"
    book.write_text(yaml.safe_dump([{"hosts": "all", "gather_facts": False,
                                     "tasks": [{"name": f"t{TITLE} x", "command": "echo hi"}]}]))
    for opt in ("--list-tasks", "--list-hosts", "--list-tags", "--syntax-check"):
        out = ftl("play", "-i", str(inv), str(book), opt, state=state, cwd=tmp_path)
        assert out.returncode == 0, out.stdout + out.stderr
        _clean(out, opt)
    played = ftl("play", "-i", str(inv), str(book), state=state, cwd=tmp_path)
    assert played.returncode == 0, played.stdout + played.stderr
    shown = ftl("jobs", "show", "1", state=state, cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    _clean(shown, "jobs show")
    assert f"of {tmp_path}/eRED.yml (ran the file, unchanged)" in shown.stdout
    spec = json.loads(ftl("jobs", "show", "1", "--json", state=state, cwd=tmp_path).stdout)["spec"]
    assert spec["playbook"] == str(book)  # the record keeps the real name


def test_drift_scan_output_and_snapshots_never_print_escapes(tmp_path: Path) -> None:
    inv, state = _inventory(tmp_path), tmp_path / "st"
    data = yaml.safe_load(inv.read_text())
    data["all"]["children"][GROUP]["hosts"][f"dead{TITLE}"] = {
        "ansible_host": "127.0.0.1", "ansible_port": closed_port(), "ansible_user": "nobody",
        "ansible_timeout": 2, "ansible_ssh_common_args": f"-o UserKnownHostsFile={tmp_path}/known_hosts"}
    inv.write_text(yaml.safe_dump(data))
    scan = ftl("drift", "scan", "all", "-i", str(inv), state=state, cwd=tmp_path)
    assert scan.returncode == 2, scan.stdout + scan.stderr  # one host could not be scanned
    _clean(scan, "drift scan")
    assert "dead: FAILED unreachable" in scan.stdout and "w1: snapshot " in scan.stdout
    for cmd in (("drift", "snapshots"), ("drift", "show", "-i", str(inv)),
                ("drift", "show", "-i", str(inv), "--format", "markdown")):
        out = ftl(*cmd, state=state, cwd=tmp_path)
        _clean(out, cmd)
    shown = json.loads(ftl("drift", "show", "-i", str(inv), "--format", "json", state=state, cwd=tmp_path).stdout)
    assert HOST in [c["host"] for c in shown["comparisons"]]  # JSON: the real name


def test_schedule_add_and_remove_echo_the_command_without_its_escapes(tmp_path: Path) -> None:
    inv, state = _inventory(tmp_path), tmp_path / "st"
    added = ftl("schedule", "add", "-i", str(inv), "@hourly", "run", "all", "-m", "shell", "-a", f"echo {TITLE}",
                state=state, cwd=tmp_path)
    assert added.returncode == 0, added.stdout + added.stderr
    _clean(added, "schedule add")
    removed = ftl("schedule", "rm", "1", state=state, cwd=tmp_path)
    assert removed.returncode == 0, removed.stdout + removed.stderr
    _clean(removed, "schedule rm")
