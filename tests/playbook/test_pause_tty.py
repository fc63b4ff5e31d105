"""issue 15: ``ftl-tui play`` answers ``pause`` on its terminal as ansible-playbook does, and
without a terminal behaves as ansible-playbook with stdin not a tty. Both tools run the same
playbook, on a pty driven by the same keys (ctrl+C then C, a private answer, ctrl+C then A)
or with stdin /dev/null; their output lines, exit status and files are compared."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pause_pty import drive, screen_lines

pytestmark = pytest.mark.skipif(shutil.which("ansible-playbook") is None,
                                reason="ansible-playbook (the oracle) is not installed")

REPO = Path(__file__).resolve().parents[2]
SECRET = "s3cr-pause-answer"
PLAYBOOK = """\
- hosts: all
  gather_facts: false
  tasks:
    - name: wait
      pause: {seconds: 60}
      register: waited
    - name: secret
      pause: {prompt: "Secret please", echo: false}
      register: secret
    - name: name
      pause:
        prompt: "Name?"
      register: named
    - copy: {dest: "{{ out }}/answers", content: "{{ secret.user_input }}|{{ named.user_input }}\\n"}
    - name: last
      pause:
        prompt: "Go on?"
    - copy: {dest: "{{ out }}/after", content: "not aborted\\n"}
"""
# (what appears on the screen, the keys typed then)
KEYS = [(b"abort)", b"\x03"), (b"or 'A' to abort", b"c"), (b"(output is hidden):", SECRET.encode() + b"\r"),
        (b"Name?:", b"bob\x7fb\r"), (b"Go on?:", b"\x03"), (b"or 'A' to abort", b"a")]
_KEEP = re.compile(r"^(TASK \[|Pausing|\(ctrl\+C|Press 'C'|\[(wait|secret|name|last)\]$|Secret please|Name\?|Go on\?|"
                   r"ok: \[|fatal: \[|changed: \[|a\s+: ok=)")


def _env() -> dict[str, str]:
    return dict(os.environ, ANSIBLE_NOCOLOR="1", NO_COLOR="1", ANSIBLE_LOCALHOST_WARNING="0",
                ANSIBLE_RETRY_FILES_ENABLED="0", PYTHONPATH=str(REPO), TERM="xterm")


@pytest.fixture(scope="module")
def bed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("pause-tty")
    (tmp / "p.yml").write_text(PLAYBOOK)
    (tmp / "hosts").write_text(f"a ansible_connection=local ansible_python_interpreter={sys.executable}\n")
    return tmp


def _lines(screen: bytes) -> list[str]:
    return screen_lines(screen, _KEEP)


def _tools(bed: Path, name: str) -> list[tuple[list[str], Path]]:
    runs = []
    for tool, cmd in (("ansible", ["ansible-playbook"]), ("ftl", [sys.executable, "-m", "ftltui", "play"])):
        out = bed / f"{name}-{tool}"
        out.mkdir()
        runs.append(([*cmd, "-i", "hosts", "-e", f"out={out}", "p.yml"], out))
    return runs


def test_pause_on_a_terminal_continues_answers_and_aborts_as_ansible(bed: Path) -> None:
    results = []
    for argv, out in _tools(bed, "tty"):
        code, screen = drive(argv, bed, KEYS, _env())
        results.append((code, _lines(screen), (out / "answers").read_text() if (out / "answers").exists() else None,
                        (out / "after").exists(), screen))
    (a_code, a_lines, a_answers, a_after, _), (f_code, f_lines, f_answers, f_after, f_screen) = results
    assert f_lines == a_lines, "\n".join(f_lines) + "\n---\n" + "\n".join(a_lines)
    assert (f_code, f_answers, f_after) == (a_code, a_answers, a_after) == (2, f"{SECRET}|bob\n", False)
    assert "Pausing for 60 seconds" in a_lines and "Press 'C' to continue the play or 'A' to abort" in a_lines
    assert SECRET.encode() not in f_screen  # echo: no: the answer never shows


def test_pause_without_a_terminal_as_ansible(bed: Path) -> None:
    """stdin not a tty: the timed pause runs its time (60 s here would be slow: the oracle
    playbook with 1 s), the prompts are not waited for (an empty answer), and stderr says so."""
    quick = bed / "quick.yml"
    quick.write_text(PLAYBOOK.replace("seconds: 60", "seconds: 1"))
    outs = []
    for argv, out in _tools(bed, "notty"):
        argv[-1] = "quick.yml"
        proc = subprocess.run(argv, cwd=bed, env=_env(), capture_output=True, text=True, timeout=120,
                              stdin=subprocess.DEVNULL, check=False)
        outs.append((proc.returncode, _lines(proc.stdout.encode()), proc.stderr.count(
            "[WARNING]: Not waiting for response to prompt as stdin is not interactive"),
            (out / "answers").read_text(), (out / "after").read_text()))
    assert outs[1] == outs[0]
    # one warning for three prompts: Ansible shows an identical warning once
    assert outs[0][0] == 0 and outs[0][2] == 1 and outs[0][3] == "|\n" and "Pausing for 1 seconds" in outs[0][1]
