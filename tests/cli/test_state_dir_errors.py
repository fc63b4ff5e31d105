"""A state directory that cannot be one is refused in one line, by every command that opens it.

``--state-dir`` naming a regular file, a place under ``/proc``, a path below a file, a
dangling symbolic link, or a directory this user may not write or read: ``jobs``,
``drift``, ``schedule``, ``daemon`` and the console stopped with a traceback
(``FileExistsError``/``FileNotFoundError``/``PermissionError`` from ``Path.mkdir``, exit
1) and ``play`` with exit 250 ("Unexpected Exception"). Now each prints
``ftl-tui: error: PATH: ...; expected ...`` and exits as it does for other bad input: 4,
``drift`` 2 (its CI contract). ``run`` opens no state directory and is not affected.

The real CLI: in process through :func:`ftltui.cli.main` for the kinds of path root
cannot write either, in a subprocess without ``CAP_DAC_OVERRIDE`` (``setpriv``) for the
modes, which root ignores (``/root`` is closed to other users here, so the interpreter
cannot run as one; dropping the capability makes root's own modes apply to it).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ftltui.cli import main

REPO = Path(__file__).resolve().parents[2]
PLAY = "- hosts: localhost\n  gather_facts: false\n  tasks: []\n"

# (argv after --state-dir, exit status for bad input)
COMMANDS = {
    "jobs": (["jobs", "list"], 4),
    "play": (["play", "{book}", "-i", "localhost,"], 4),
    "drift": (["drift", "snapshots"], 2),
    "schedule": (["schedule", "list"], 4),
    "daemon": (["daemon", "-i", "localhost,"], 4),
    "console": (["-i", "localhost,"], 4),
}


def _bad_dirs(tmp: Path) -> dict[str, tuple[Path, str]]:
    """Paths that cannot be a state directory even for root, and what the error says."""
    (tmp / "afile").write_text("not a directory\n")
    (tmp / "dangling").symlink_to(tmp / "nowhere")
    return {
        "regular-file": (tmp / "afile", "the state directory is a regular file; expected a directory"),
        "under-proc": (Path("/proc/ftl-tui-state"), ("cannot create the state directory in /proc: "
                                                    "No such file or directory; expected a directory")),
        "proc-file": (Path("/proc/self/status"), "the state directory is a regular file; expected a directory"),
        "parent-is-a-file": (tmp / "afile" / "state", f"{tmp / 'afile'} is a regular file, not a directory"),
        "dangling-link": (tmp / "dangling", "is a symbolic link to a missing path; expected a directory"),
    }


@pytest.fixture
def book(tmp_path: Path) -> Path:
    path = tmp_path / "site.yml"
    path.write_text(PLAY)
    return path


def _argv(command: str, state: Path, book: Path) -> tuple[list[str], int]:
    words, code = COMMANDS[command]
    return ["--state-dir", str(state), *(w.format(book=book) for w in words)], code


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("kind", ["regular-file", "under-proc", "proc-file", "parent-is-a-file", "dangling-link"])
def test_a_path_that_cannot_be_a_directory_is_one_line_with_the_commands_bad_input_status(
        tmp_path: Path, book: Path, capsys: pytest.CaptureFixture[str], kind: str, command: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    state, says = _bad_dirs(tmp_path)[kind]
    argv, code = _argv(command, state, book)
    assert main(argv) == code
    err = capsys.readouterr().err
    assert err.startswith(f"ftl-tui: error: {state}: ") and err.count("\n") == 1, err
    assert says in err, err


def _drop_dac() -> list[str]:
    return ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--"] if os.geteuid() == 0 else []


def _ftl(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update(HOME=str(cwd), PYTHONPATH=str(REPO))
    return subprocess.run([*_drop_dac(), sys.executable, "-m", "ftltui", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def _errors(proc: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in proc.stderr.splitlines() if not line.startswith("ftl-tui: note:")]


@pytest.mark.skipif(os.geteuid() == 0 and shutil.which("setpriv") is None, reason="root ignores modes")
def test_a_directory_this_user_may_not_write_or_read(tmp_path: Path, book: Path) -> None:
    """Mode 0500: readers list it (exit 0); writers (play, daemon) and a state directory to be
    created inside it are refused in one line. Mode 000: readers are refused too."""
    closed = tmp_path / "closed"
    closed.mkdir()
    try:
        closed.chmod(0o500)
        listed = _ftl(tmp_path, "--state-dir", str(closed), "jobs", "list")
        assert listed.returncode == 0 and "Traceback" not in listed.stderr, listed.stderr
        for command in ("play", "daemon"):
            argv, code = _argv(command, closed, book)
            proc = _ftl(tmp_path, *argv)
            assert (proc.returncode, _errors(proc)) == (code, [
                (f"ftl-tui: error: {closed}: cannot create files in the state directory (Permission denied); "
                "expected a directory this user can write")]), proc.stderr
        for command in ("jobs", "play", "drift"):
            argv, code = _argv(command, closed / "state", book)
            proc = _ftl(tmp_path, *argv)
            assert (proc.returncode, _errors(proc)) == (code, [
                (f"ftl-tui: error: {closed / 'state'}: cannot create the state directory in {closed}: Permission denied; "
                "expected a directory, or a path where one can be created by this user")]), proc.stderr
        closed.chmod(0)
        for command in ("jobs", "drift"):
            argv, code = _argv(command, closed, book)
            proc = _ftl(tmp_path, *argv)
            assert (proc.returncode, _errors(proc)) == (code, [
                (f"ftl-tui: error: {closed}: cannot read the state directory (Permission denied); "
                "expected a directory this user can read")]), proc.stderr
    finally:
        closed.chmod(0o700)


def test_missing_parents_are_created_0700(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Not an error (guard: this passed before too): a fresh account has no
    ``~/.local/share``, and ``--state-dir`` is created as ``mkdir -p`` would, private."""
    state = tmp_path / "a" / "b" / "state"
    assert main(["--state-dir", str(state), "jobs", "list"]) == 0
    assert state.is_dir() and state.stat().st_mode & 0o777 == 0o700
    assert "error" not in capsys.readouterr().err
