"""A ``no_log`` task whose template fails in a filter never shows or stores the value the
filter quotes (session 10 review, finding 1). ansible-playbook prints the filter's message
(``time data 'VALUE' does not match ...``) on screen; ftl-tui also writes job logs and the
console's Logs, and a secret reaches none of them: the message is replaced by one that says
why it is hidden. An undefined variable is still named (that message names, never quotes)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ftltui.engine.redact import NO_LOG_TEMPLATE_ERROR
from ftltui.paths import REPO_DIR

VALUE = "Sup3rSecretValue-0420"

PLAYBOOK = f"""\
- hosts: all
  gather_facts: false
  vars_files: [secret.yml]
  tasks:
    - name: the filter fails on the hidden value
      debug:
        msg: "{{{{ pw | to_datetime }}}}"
      no_log: true
"""


def _ftl(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO_DIR), "FTL_TUI_HOME": str(cwd / "home"), "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "ftltui", *args], capture_output=True, text=True, env=env,
                          cwd=cwd, check=False, timeout=180, stdin=subprocess.DEVNULL)


def _files_with(root: Path, text: str) -> list[Path]:
    """Files of the state dir holding ``text``, but the content store: it keeps the job's own
    input files (secret.yml as the operator wrote it, in plaintext) so a retry reads them."""
    return [p for p in root.rglob("*") if p.is_file() and "content" not in p.relative_to(root).parts
            and text.encode() in p.read_bytes()]


def test_a_no_log_filter_error_shows_and_stores_no_value(tmp_path: Path) -> None:
    (tmp_path / "inv.ini").write_text("a ansible_connection=local\n")
    (tmp_path / "pb.yml").write_text(PLAYBOOK)
    (tmp_path / "secret.yml").write_text(f"pw: {VALUE}\n")  # not in the playbook's lines the error quotes
    state = tmp_path / "state"
    out = _ftl("play", "pb.yml", "-i", "inv.ini", "--state-dir", str(state), cwd=tmp_path)
    text = out.stdout + out.stderr
    assert out.returncode == 2, text
    assert VALUE not in text, text
    assert NO_LOG_TEMPLATE_ERROR in text, text
    assert _files_with(state, VALUE) == []


def test_adhoc_no_log_filter_error_shows_no_value(tmp_path: Path) -> None:
    (tmp_path / "inv.ini").write_text("a ansible_connection=local\n")
    out = _ftl("run", "a", "-i", "inv.ini", "--no-log", "-m", "command", "-a", "echo {{ pw | to_datetime }}",
               "-e", f"pw={VALUE}", cwd=tmp_path)
    text = out.stdout + out.stderr
    assert out.returncode == 2, text
    assert VALUE not in text, text
    # an undefined variable is still named: that message cannot quote a value
    out = _ftl("run", "a", "-i", "inv.ini", "--no-log", "-m", "command", "-a", "echo {{ nope_here }}", cwd=tmp_path)
    assert "'nope_here' is undefined" in out.stdout + out.stderr
