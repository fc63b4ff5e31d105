"""Run a subprocess for a module: stream its lines as they come, stop it on cancel.

Shared by command, shell, raw, package and service so that every module that starts a
process streams output the same way and honours cancellation the same way. Stdlib
only, Python 3.8 compatible (runs inside the remote gate).

Why reader threads: ``ctx.emit`` must see a line while the process is still running
(``tail -f`` style output in the TUI), and reading stdout and stderr from one thread
can deadlock when the other pipe fills up.
"""

from __future__ import annotations

import datetime
import os
import signal
import subprocess
import threading
from dataclasses import dataclass
from typing import IO, Dict, List, Optional, Sequence, Union

from ftltui.modules.base import ModuleContext

POLL_SECONDS = 0.05
KILL_GRACE_SECONDS = 2.0


@dataclass
class ProcessResult:
    """What a finished (or cancelled) process left: Ansible's command result pieces."""

    rc: int
    stdout: str
    stderr: str
    start: str
    end: str
    delta: str
    cancelled: bool = False


def _pump(pipe: IO[bytes], stream: str, sink: List[str], ctx: ModuleContext) -> None:
    """Read one pipe line by line, emit each line, and keep the text for the result."""
    try:
        for raw in iter(pipe.readline, b""):
            text = raw.decode("utf-8", errors="replace")
            sink.append(text)
            ctx.emit(stream, text.rstrip("\r\n"))
    finally:
        pipe.close()


def _feed(pipe: IO[bytes], data: bytes) -> None:
    try:
        pipe.write(data)
    except (BrokenPipeError, OSError):
        pass
    finally:
        try:
            pipe.close()
        except OSError:
            pass


def _signal_group(proc: "subprocess.Popen[bytes]", sig: int) -> None:
    """Signal the whole process group: a shell's children must stop too."""
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        try:
            proc.send_signal(sig)
        except ProcessLookupError:
            pass


def _stop(proc: "subprocess.Popen[bytes]") -> None:
    """SIGTERM, a grace period, then SIGKILL."""
    _signal_group(proc, signal.SIGTERM)
    try:
        proc.wait(timeout=KILL_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        _signal_group(proc, signal.SIGKILL)
        proc.wait()


def run_process(
    args: Union[str, Sequence[str]],
    ctx: ModuleContext,
    *,
    shell: bool = False,
    executable: Optional[str] = None,
    cwd: Optional[str] = None,
    stdin: Optional[Union[str, bytes]] = None,
    env: Optional[Dict[str, str]] = None,
) -> ProcessResult:
    """Run ``args`` to completion (or cancellation), streaming lines through ``ctx.emit``.

    ``shell=True`` runs a string through ``executable`` (default ``/bin/sh``). Raises
    ``OSError`` when the program cannot be started; callers turn that into a result.
    """
    if shell:
        argv = [executable or "/bin/sh", "-c", args if isinstance(args, str) else " ".join(args)]
    else:
        argv = [args] if isinstance(args, str) else list(args)
    full_env = None
    if env:
        full_env = dict(os.environ)
        full_env.update(env)
    started = datetime.datetime.now()
    proc = subprocess.Popen(
        argv,
        cwd=cwd,
        env=full_env,
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    out: List[str] = []
    err: List[str] = []
    threads = [
        threading.Thread(target=_pump, args=(proc.stdout, "stdout", out, ctx), daemon=True),
        threading.Thread(target=_pump, args=(proc.stderr, "stderr", err, ctx), daemon=True),
    ]
    if stdin is not None:
        data = stdin.encode("utf-8") if isinstance(stdin, str) else stdin
        threads.append(threading.Thread(target=_feed, args=(proc.stdin, data), daemon=True))
    for t in threads:
        t.start()
    cancelled = False
    while True:
        try:
            proc.wait(timeout=POLL_SECONDS)
            break
        except subprocess.TimeoutExpired:
            if ctx.cancelled():
                cancelled = True
                _stop(proc)
                break
    for t in threads:
        # a grandchild that kept the pipe open must not hang us after a cancel
        t.join(timeout=KILL_GRACE_SECONDS if cancelled else None)
    ended = datetime.datetime.now()
    return ProcessResult(
        rc=proc.returncode,
        stdout="".join(out),
        stderr="".join(err),
        start=str(started),
        end=str(ended),
        delta=str(ended - started),
        cancelled=cancelled,
    )


def which(name: str) -> Optional[str]:
    """``shutil.which`` with the usual sbin directories added (package managers live there)."""
    import shutil

    path = os.environ.get("PATH", "") + ":/usr/local/sbin:/usr/sbin:/sbin:/usr/bin:/bin"
    return shutil.which(name, path=path)
