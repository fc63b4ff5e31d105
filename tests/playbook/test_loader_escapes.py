"""Backslash escapes in ``k=v`` task arguments, decided by ansible-playbook.

corpus/loader/escapes/escapes.yml writes one file per case (double, single and no quotes,
Windows-like paths, ``\\x``/``\\u``/``\\U``/``\\N{}`` escapes and near misses, escaped
quotes and ``=``, templates, free-form text); one ansible-playbook run and one
``ftl-tui play`` run on localhost must leave the same bytes in every file. Text that
Ansible refuses is refused by both, and ftl-tui names the file and line.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(shutil.which("ansible-playbook") is None, reason="ansible-core not installed")

ESCAPES = Path(__file__).parent / "corpus" / "loader" / "escapes" / "escapes.yml"


def _files(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(root.iterdir()) if p.is_file()}


def _ansible(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_DEPRECATION_WARNINGS="0", ANSIBLE_LOCALHOST_WARNING="0",
               ANSIBLE_RETRY_FILES_ENABLED="0")
    return subprocess.run(["ansible-playbook", "-i", "localhost,", "-c", "local", "-e",
                           f"ansible_python_interpreter={sys.executable}", *args],
                          capture_output=True, text=True, env=env, cwd=cwd, timeout=300)


def _ftl(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ftltui", "play", "-i", "localhost,", "-c", "local", *args],
                          capture_output=True, text=True, env=dict(os.environ, NO_COLOR="1"), cwd=cwd, timeout=300)


def test_escaped_kv_values_leave_the_same_bytes_as_ansible(tmp_path: Path) -> None:
    theirs, ours = tmp_path / "ansible", tmp_path / "ftl"
    theirs.mkdir()
    ours.mkdir()
    a = _ansible(["-e", f"out={theirs}", str(ESCAPES)], ESCAPES.parent)
    assert a.returncode == 0, a.stdout + a.stderr
    f = _ftl(["-e", f"out={ours}", str(ESCAPES)], ESCAPES.parent)
    assert f.returncode == 0, f.stdout + f.stderr
    expected = _files(theirs)
    assert expected["double"] == b"line one\nline two\n"  # the oracle decoded what this test is about
    assert _files(ours) == expected


BAD = {  # k=v text Ansible will not run: a quote after a backslash closes nothing; no such character
    "quote_after_backslash": 'copy: content="C:\\\\" dest=/tmp/never',
    "single_quote_after_backslash": "copy: content='a\\\\'x dest=/tmp/never",
    "unknown_character_name": 'copy: content="\\N{NO SUCH THING}" dest=/tmp/never',
    "beyond_unicode": 'copy: content="\\UFFFFFFFF" dest=/tmp/never',
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_text_ansible_refuses_is_a_clear_error(tmp_path: Path, name: str) -> None:
    play = tmp_path / f"{name}.yml"
    play.write_text(f"- hosts: all\n  gather_facts: false\n  tasks:\n    - {BAD[name]}\n")
    a = _ansible(["--syntax-check", str(play)], tmp_path)
    assert a.returncode != 0, a.stdout  # 4 (parser error), or 250 where ansible-playbook crashes on it
    f = _ftl(["--syntax-check", str(play)], tmp_path)
    assert f.returncode == 4, f.stdout + f.stderr
    assert f"{play.name}:4:" in f.stderr and "Traceback" not in f.stderr, f.stderr


AD_HOC = {  # -a of `ansible` and of `ftl-tui run` is the same k=v text
    "double": 'content="hello\\n\\tworld" dest={out}/double',
    "single": "content='C:\\temp C:\\data \\x41' dest={out}/single",
    "bare": "content=a\\\\nb\\u00e9 dest={out}/bare",
}


def test_ad_hoc_args_decode_escapes_like_ansible(tmp_path: Path) -> None:
    """``ftl-tui run -m copy -a 'content="...\\n"'`` writes what ``ansible -m copy`` writes."""
    theirs, ours = tmp_path / "ansible", tmp_path / "ftl"
    theirs.mkdir()
    ours.mkdir()
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_LOCALHOST_WARNING="0", NO_COLOR="1")
    for args in AD_HOC.values():
        a = subprocess.run(["ansible", "localhost", "-i", "localhost,", "-c", "local", "-e",
                            f"ansible_python_interpreter={sys.executable}", "-m", "copy", "-a",
                            args.format(out=theirs)], capture_output=True, text=True, env=env, timeout=300)
        assert a.returncode == 0, a.stdout + a.stderr
        f = subprocess.run([sys.executable, "-m", "ftltui", "run", "localhost", "-i", "localhost,", "-c", "local",
                            "-m", "copy", "-a", args.format(out=ours)], capture_output=True, text=True, env=env,
                           timeout=300)
        assert f.returncode == 0, f.stdout + f.stderr
    expected = _files(theirs)
    assert expected["double"] == b"hello\n\tworld"
    assert _files(ours) == expected
