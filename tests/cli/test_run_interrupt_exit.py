"""Ctrl-C at the terminal during ``ftl-tui run`` exits 99, as ``ansible`` and ``play`` (hR finding 12).

On a pty, as a user at a keyboard: the terminal turns ``^C`` into SIGINT for the
foreground process group. Before, ``run`` said "interrupted" and exited 130.
"""

from __future__ import annotations

import os
import select
import signal
import sys
import time
from pathlib import Path

from ptycli import read_rest, spawn


def _descendant_running(pid: int, argv_part: bytes) -> bool:
    """A process below ``pid`` whose command line holds ``argv_part`` (read from /proc)."""
    def parent(p: str) -> int:
        try:
            return int(Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            return 0

    for proc in (d.name for d in Path("/proc").iterdir() if d.name.isdigit()):
        try:
            if argv_part not in Path(f"/proc/{proc}/cmdline").read_bytes():
                continue
        except OSError:
            continue
        up = parent(proc)
        while up > 1 and up != pid:
            up = parent(str(up))
        if up == pid:
            return True
    return False


def _any_running(argv_part: bytes) -> bool:
    for proc in (d for d in Path("/proc").iterdir() if d.name.isdigit()):
        try:
            if argv_part in (proc / "cmdline").read_bytes():
                return True
        except OSError:
            continue
    return False


def test_ctrl_c_on_the_terminal_exits_99(tmp_path: Path) -> None:
    (tmp_path / "hosts.ini").write_text(
        f"[web]\nh1 ansible_connection=local ansible_python_interpreter={sys.executable}\n")
    (tmp_path / "home").mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update(HOME=str(tmp_path / "home"), FTL_TUI_HOME=str(tmp_path / "state"), NO_COLOR="1")
    pid, fd = spawn([sys.executable, "-m", "ftltui", "run", "web", "-i", "hosts.ini", "-a", "sleep 57.25"],
                    cwd=tmp_path, env=env)
    out, status = b"", None
    try:
        end = time.monotonic() + 90
        while not _descendant_running(pid, b"57.25") and time.monotonic() < end:
            if select.select([fd], [], [], 0.1)[0]:
                try:
                    out += os.read(fd, 65536)
                except OSError:
                    break
        assert _descendant_running(pid, b"57.25"), out.decode(errors="replace")
        os.write(fd, b"\x03")  # ^C typed at the terminal
        end = time.monotonic() + 60
        while status is None and time.monotonic() < end:
            if select.select([fd], [], [], 0.1)[0]:
                try:
                    out += os.read(fd, 65536)
                except OSError:
                    pass
            done, st = os.waitpid(pid, os.WNOHANG)
            if done:
                status = st
        out += read_rest(fd)
    finally:
        if status is None:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        os.close(fd)
    screen = out.decode(errors="replace")
    assert status is not None, screen
    assert os.waitstatus_to_exitcode(status) == 99, screen
    assert "User interrupted execution" in screen
    assert not _any_running(b"57.25")  # the host's command was stopped too, not orphaned


def test_ctrl_c_stops_a_run_started_with_sigint_ignored(tmp_path: Path) -> None:
    """A background job of a shell without job control starts with SIGINT ignored; Python
    keeps it so, and ``run`` went on to the end and exited 0 (the suite's own ^C tests failed
    so when CI was started with ``cmd &``). ansible installs its handler and exits 99."""
    import subprocess

    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update(HOME=str(tmp_path), FTL_TUI_HOME=str(tmp_path / "state"), NO_COLOR="1")
    argv = [sys.executable, "-m", "ftltui", "run", "localhost", "-i", "localhost,", "-m", "shell",
            "-a", "echo go; exec sleep 58.5", "-v"]
    ignoring = "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_IGN); os.execv(sys.argv[1], sys.argv[1:])"
    proc = subprocess.Popen([sys.executable, "-c", ignoring, *argv], cwd=tmp_path, env=env,  # exec keeps SIG_IGN
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and "go" in proc.stdout.readline()
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=50)  # a guard: the sleep alone lasts 58.5 s
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 99 and "User interrupted execution" in err, (proc.returncode, err)
