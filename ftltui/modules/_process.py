"""Run a subprocess for a module: stream its lines as they come, stop it on cancel.

Shared by command, shell, raw, package and service so that every module that starts a
process streams output the same way and honours cancellation the same way. Stdlib
only, Python 3.8 compatible (runs inside the remote gate).

Why reader threads: ``ctx.emit`` must see a line while the process is still running
(``tail -f`` style output in the TUI), and reading stdout and stderr from one thread
can deadlock when the other pipe fills up.
"""

from __future__ import annotations

import codecs
import os
import signal
import subprocess
import threading
import time
TYPE_CHECKING = False  # typing costs ~6 ms at every gate start: annotations only
if TYPE_CHECKING:
    from typing import IO, Dict, Optional, Sequence, Union

from ftltui.modules._outcap import HeadTail, LineCapper, limits_of, truncation_note
from ftltui.modules.base import ModuleContext

POLL_SECONDS = 0.05
KILL_GRACE_SECONDS = 2.0
READ_SIZE = 64 * 1024


class ProcessResult:
    """What a finished (or cancelled) process left: Ansible's command result pieces.

    A plain class, not a dataclass: ``dataclasses`` costs ~6 ms of imports per gate start.
    """

    __slots__ = ("rc", "stdout", "stderr", "start", "end", "delta", "cancelled", "dropped")

    def __init__(self, rc: int, stdout: str, stderr: str, start: str, end: str, delta: str,
                 cancelled: bool = False, dropped: Optional[Dict[str, int]] = None) -> None:
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr
        self.start = start
        self.end = end
        self.delta = delta
        self.cancelled = cancelled
        self.dropped = dropped  # characters cut from the middle of stdout/stderr

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return all(getattr(self, f) == getattr(other, f) for f in self.__slots__)

    def __repr__(self) -> str:
        return "ProcessResult(%s)" % ", ".join("%s=%r" % (f, getattr(self, f)) for f in self.__slots__)


def _stamp(us: int) -> str:
    """``str(datetime.now())`` for a time in microseconds (without importing datetime)."""
    sec, frac = divmod(us, 1000000)
    text = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(sec))
    return text + (".%06d" % frac if frac else "")


def _delta(us: int) -> str:
    """``str(timedelta)`` for a non-negative duration in microseconds."""
    sec, frac = divmod(max(0, us), 1000000)
    days, sec = divmod(sec, 86400)
    text = "%d:%02d:%02d" % (sec // 3600, sec // 60 % 60, sec % 60)
    if frac:
        text += ".%06d" % frac
    if days:
        text = "%d day%s, %s" % (days, "" if days == 1 else "s", text)
    return text


def _pump(pipe: IO[bytes], stream: str, sink: HeadTail, ctx: ModuleContext) -> None:
    """Read one pipe in chunks, emit each (capped) line, keep head and tail for the result.

    Chunks, not ``readline``: a 100 MB line without a newline must not be held whole.
    """
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    lines = LineCapper(lambda line: ctx.emit(stream, line), limits_of(ctx).max_line)
    fd = pipe.fileno()
    try:
        while True:
            raw = os.read(fd, READ_SIZE)
            text = decoder.decode(raw, final=not raw)
            if text:
                sink.add(text)
                lines.feed(text)
            if not raw:
                break
        lines.close()
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
    started = time.time_ns() // 1000
    proc = subprocess.Popen(
        argv,
        cwd=cwd,
        env=full_env,
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    cap = limits_of(ctx).max_output
    out, err = HeadTail(cap), HeadTail(cap)
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
    ended = time.time_ns() // 1000
    return ProcessResult(
        rc=proc.returncode,
        stdout=out.text(),
        stderr=err.text(),
        start=_stamp(started),
        end=_stamp(ended),
        delta=_delta(ended - started),
        cancelled=cancelled,
        dropped=truncation_note({"stdout": out.dropped, "stderr": err.dropped}),
    )


def which(name: str) -> Optional[str]:
    """``shutil.which`` with the usual sbin directories added (package managers live there)."""
    import shutil

    path = os.environ.get("PATH", "") + ":/usr/local/sbin:/usr/sbin:/sbin:/usr/bin:/bin"
    return shutil.which(name, path=path)
