"""Run the CLI on a pseudo-terminal, as a user at a keyboard would: getpass reads /dev/tty."""

from __future__ import annotations

import os
import pty
import select
import signal
import time
from pathlib import Path


def spawn(argv: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None) -> tuple[int, int]:
    """Fork ``argv`` with a new pty as its controlling terminal; return (pid, the master's fd)."""
    pid, fd = pty.fork()
    if pid == 0:  # child: the pty is its controlling terminal
        try:
            if cwd is not None:
                os.chdir(cwd)
            os.execvpe(argv[0], argv, os.environ if env is None else env)
        finally:
            os._exit(127)
    return pid, fd


def read_rest(fd: int) -> bytes:
    """What is still readable on the master ``fd`` now, without waiting (after the child exited)."""
    out = b""
    while select.select([fd], [], [], 0)[0]:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    return out


def cli_in_pty(argv: list[str], prompt: bytes, answer: str, *, cwd: Path | None = None,
               env: dict[str, str] | None = None, timeout: float = 180) -> tuple[int, str]:
    """Run ``argv`` on a pty, type ``answer`` each time ``prompt`` appears; return (exit code, screen).

    The master side stays open until the child has exited by itself: closing it first would
    hang the child up (SIGHUP, exit code -1) and hide why it was slow. A child still running
    at ``timeout`` is killed and the screen says so, so a slow machine fails with a reason.
    """
    pid, fd = spawn(argv, cwd=cwd, env=env)
    out, answered, end = b"", 0, time.monotonic() + timeout
    status: int | None = None
    try:
        while time.monotonic() < end:
            ready, _, _ = select.select([fd], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:  # EIO: every slave side is closed, the child is ending
                    chunk = b""
                if not chunk:
                    break
                out += chunk
            if out.count(prompt) > answered:
                os.write(fd, answer.encode() + b"\n")
                answered += 1
            done, st = os.waitpid(pid, os.WNOHANG)
            if done:
                status = st
                break
        while status is None and time.monotonic() < end:  # output closed: let the child finish
            done, st = os.waitpid(pid, os.WNOHANG)
            if done:
                status = st
            else:
                time.sleep(0.05)
        if status is None:
            os.kill(pid, signal.SIGKILL)
            _, status = os.waitpid(pid, 0)
            out += f"\n[cli_in_pty: killed after {timeout:.0f}s without exiting]".encode()
        else:  # drain what the child wrote before exiting
            out += read_rest(fd)
    finally:
        os.close(fd)
    return os.waitstatus_to_exitcode(status), out.decode(errors="replace")
