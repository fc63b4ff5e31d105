"""Drive a command on a pseudo-terminal with keys typed when given text appears (issue 15's
pause tests: ctrl+C then C/A, a prompt's answer), and the screen's lines without escapes."""

from __future__ import annotations

import os
import re
import select
import signal
import time
from collections.abc import Callable
from pathlib import Path

from ptycli import read_rest, spawn

_ESC = re.compile(rb"\x1b\[[0-9;]*[A-Za-z]?|\x1b\[?")


def drive(argv: list[str], cwd: Path, keys: list[tuple[bytes, bytes]], env: dict[str, str],
          timeout: float = 120, keys_of: Callable[[bytes], bytes] | None = None) -> tuple[int, bytes]:
    """Run ``argv`` on a pty; type each step's keys once its text has appeared (one more
    time than before), after a short wait: both tools flush keys typed before they read (a
    single key the screen did not answer within 5 s is typed again, twice at most).
    ``keys_of`` may look around before each step's keys are typed (it returns them)."""
    pid, fd = spawn(argv, cwd=cwd, env=env)
    out, step, end, status = b"", 0, time.monotonic() + timeout, None
    seen: dict[bytes, int] = {}
    sent: tuple[bytes, float, int] | None = None  # the last single key, when, the screen's length then
    resent = 0
    try:
        while time.monotonic() < end:
            if select.select([fd], [], [], 0.1)[0]:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:
                    chunk = b""
                if not chunk:
                    break
                out += chunk
            if step < len(keys):
                text, typed = keys[step]
                if out.count(text) > seen.get(text, 0):
                    time.sleep(0.3)
                    os.write(fd, keys_of(typed) if keys_of is not None else typed)
                    seen[text] = out.count(text)
                    step += 1
                    sent, resent = ((typed, time.monotonic(), len(out)) if len(typed) == 1 else None), 0
            if sent is not None and len(out) > sent[2]:
                sent = None  # the screen moved: the key was read
            elif sent is not None and time.monotonic() - sent[1] > 5 and resent < 2:
                # nothing for 5 s: the key came before the prompt flushed the terminal (a loaded machine)
                os.write(fd, sent[0])
                sent, resent = (sent[0], time.monotonic(), len(out)), resent + 1
            done, st = os.waitpid(pid, os.WNOHANG)
            if done:
                status = st
                break
        if status is None:
            os.kill(pid, signal.SIGKILL)
            _, status = os.waitpid(pid, 0)
        out += read_rest(fd)
    finally:
        os.close(fd)
    return os.waitstatus_to_exitcode(status), out


def screen_lines(screen: bytes, keep: re.Pattern[str]) -> list[str]:
    text = _ESC.sub(b"\n", screen).replace(b"^C", b"\n").decode(errors="replace").replace("\r", "\n")
    return [ln.rstrip() for ln in text.split("\n") if keep.match(ln.strip())]
