"""Run a subprocess for a module: stream its lines as they come, stop it on cancel.

Shared by command, shell, raw, package and service so that every module that starts a
process streams output the same way and honours cancellation the same way. Stdlib
only, Python 3.8 compatible (runs inside the remote gate).

Processes are started with ``os.posix_spawn`` and both pipes are read by one thread
with ``select.poll``: ``ctx.emit`` sees a line while the process still runs (``tail -f``
style output in the TUI), neither pipe can fill up and block the child, and the gate
does not pay for importing ``subprocess`` (``locale``, ``selectors``, ``signal``,
``contextlib``: ~4 ms of CPU on every host of every run, measured) or for two reader
threads per process. ``subprocess`` is still used, imported on demand, for the two
things ``posix_spawn`` cannot do portably: a working directory (``chdir``) and data on
stdin.
"""

from __future__ import annotations

import codecs
import os
import time
TYPE_CHECKING = False  # typing costs ~6 ms at every gate start: annotations only
if TYPE_CHECKING:
    from typing import IO, Any, Dict, List, Optional, Sequence, Tuple, Union

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


_SIGTERM, _SIGKILL, _SIGPIPE, _SIGXFSZ = 15, 9, 13, 25  # Linux numbers; ``signal`` costs an import
_CAN_SPAWN = hasattr(os, "posix_spawn") and hasattr(os, "POSIX_SPAWN_DUP2")

# Told of every process group started here (``add``) and of its reaping (``discard``),
# so that the groups can be stopped if this process dies without stopping them. The
# controller sets it (``ftltui.engine.procguard``: local modules run in the controller);
# the remote gate leaves it None and stops its processes itself when its stdin closes.
GUARD = None  # type: Optional[Any]


def set_guard(guard: Optional[Any]) -> None:
    global GUARD
    GUARD = guard


class _Stream:
    """One pipe's decoding: capped lines to ``ctx.emit``, head and tail for the result."""

    __slots__ = ("decoder", "lines", "sink")

    def __init__(self, stream: str, sink: HeadTail, ctx: ModuleContext) -> None:
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.lines = LineCapper(lambda line: ctx.emit(stream, line), limits_of(ctx).max_line)
        self.sink = sink

    def feed(self, raw: bytes) -> None:
        """Chunks, not ``readline``: a 100 MB line without a newline is never held whole."""
        text = self.decoder.decode(raw, final=not raw)
        if text:
            self.sink.add(text)
            self.lines.feed(text)
        if not raw:
            self.lines.close()


def _exit_code(status: int) -> int:
    """``os.waitstatus_to_exitcode`` (Python 3.9+), for the 3.8 gates too."""
    if os.WIFSIGNALED(status):
        return -os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


def _reap(pid: int, timeout: Optional[float]) -> Optional[int]:
    """The exit code of ``pid``, or None if it is still running after ``timeout`` s."""
    deadline = None if timeout is None else time.monotonic() + timeout
    delay = 0.0005
    while True:
        done, status = os.waitpid(pid, os.WNOHANG if deadline is not None else 0)
        if done:
            return _exit_code(status)
        if deadline is not None and time.monotonic() >= deadline:
            return None
        time.sleep(delay)
        delay = min(delay * 2, POLL_SECONDS)


def _kill_group(pid: int, sig: int) -> None:
    """Signal the whole process group: a shell's children must stop too."""
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


def _stop(pid: int) -> int:
    """SIGTERM, a grace period, then SIGKILL; returns the exit code."""
    _kill_group(pid, _SIGTERM)
    rc = _reap(pid, KILL_GRACE_SECONDS)
    if rc is None:
        _kill_group(pid, _SIGKILL)
        rc = _reap(pid, None)
    return rc  # type: ignore[return-value]


def _spawn(argv: List[str], env: Optional[Dict[str, str]]) -> Tuple[int, int, int]:
    """Start ``argv`` in a new session with stdin on /dev/null and stdout/stderr on
    pipes; returns (pid, stdout read fd, stderr read fd). Raises OSError as Popen does."""
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    null = os.open(os.devnull, os.O_RDONLY)
    try:
        actions = [(os.POSIX_SPAWN_DUP2, null, 0), (os.POSIX_SPAWN_DUP2, out_w, 1),
                   (os.POSIX_SPAWN_DUP2, err_w, 2)]
        spawn = os.posix_spawn if os.sep in argv[0] else os.posix_spawnp
        # Python ignores SIGPIPE; a child must get the default back (``yes | head`` ends).
        pid = spawn(argv[0], argv, os.environ if env is None else env, file_actions=actions,
                    setsid=True, setsigdef=(_SIGPIPE, _SIGXFSZ))
    except BaseException:
        os.close(out_r)
        os.close(err_r)
        raise
    finally:
        os.close(null)
        os.close(out_w)
        os.close(err_w)
    if GUARD is not None:
        GUARD.add(pid)  # setsid: the pid is the group's id
    return pid, out_r, err_r


def _run_spawned(argv: List[str], env: Optional[Dict[str, str]], ctx: ModuleContext, out: HeadTail,
                 err: HeadTail) -> Tuple[int, bool]:
    """Run to completion or cancellation, reading both pipes from this thread."""
    import select

    pid, out_fd, err_fd = _spawn(argv, env)
    streams = {out_fd: _Stream("stdout", out, ctx), err_fd: _Stream("stderr", err, ctx)}
    poller = select.poll()
    for fd in streams:
        poller.register(fd, select.POLLIN)
    cancelled = False
    rc = None
    cancel_deadline = 0.0
    try:
        while streams:
            for fd, _ev in poller.poll(POLL_SECONDS * 1000):
                raw = os.read(fd, READ_SIZE)
                streams[fd].feed(raw)
                if not raw:
                    poller.unregister(fd)
                    os.close(fd)
                    del streams[fd]
            if not cancelled and ctx.cancelled():
                cancelled = True
                rc = _stop(pid)
                cancel_deadline = time.monotonic() + KILL_GRACE_SECONDS
            elif cancelled and time.monotonic() > cancel_deadline:
                break  # a grandchild that kept a pipe open must not hang us after a cancel
    finally:
        for fd in streams:
            os.close(fd)
    while rc is None:  # both pipes closed; the process may still run (``exec >&-; sleep``)
        rc = _reap(pid, POLL_SECONDS)
        if rc is None and ctx.cancelled():
            cancelled = True
            rc = _stop(pid)
    if GUARD is not None:
        GUARD.discard(pid)
    return rc, cancelled


def _run_popen(argv: List[str], env: Optional[Dict[str, str]], ctx: ModuleContext, out: HeadTail,
               err: HeadTail, cwd: Optional[str], stdin: Optional[Union[str, bytes]]) -> Tuple[int, bool]:
    """The ``subprocess`` path, for a working directory or stdin data."""
    import subprocess
    import threading

    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    if GUARD is not None:
        GUARD.add(proc.pid)

    def pump(pipe: IO[bytes], stream: _Stream) -> None:
        fd = pipe.fileno()
        try:
            while True:
                raw = os.read(fd, READ_SIZE)
                stream.feed(raw)
                if not raw:
                    break
        finally:
            pipe.close()

    threads = [threading.Thread(target=pump, args=(proc.stdout, _Stream("stdout", out, ctx)), daemon=True),
               threading.Thread(target=pump, args=(proc.stderr, _Stream("stderr", err, ctx)), daemon=True)]
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
                # _stop reaps the child itself: tell Popen, whose own wait would then
                # see ECHILD and report exit code 0 for a killed process
                proc.returncode = _stop(proc.pid)
                break
    for t in threads:
        t.join(timeout=KILL_GRACE_SECONDS if cancelled else None)
    rc = proc.wait()
    if GUARD is not None:
        GUARD.discard(proc.pid)
    return rc, cancelled


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
    The process's environment: this process's, then the task's (``ctx.environment``),
    then the module's own ``env`` (a module's setting wins, as in Ansible's run_command).
    """
    if shell:
        argv = [executable or "/bin/sh", "-c", args if isinstance(args, str) else " ".join(args)]
    else:
        argv = [args] if isinstance(args, str) else list(args)
    full_env = None
    task_env = getattr(ctx, "environment", None)
    if env or task_env:
        full_env = dict(os.environ)
        full_env.update(task_env or {})
        full_env.update(env or {})
    started = time.time_ns() // 1000
    cap = limits_of(ctx).max_output
    out, err = HeadTail(cap), HeadTail(cap)
    if _CAN_SPAWN and cwd is None and stdin is None:
        rc, cancelled = _run_spawned(argv, full_env, ctx, out, err)
    else:
        rc, cancelled = _run_popen(argv, full_env, ctx, out, err, cwd, stdin)
    ended = time.time_ns() // 1000
    return ProcessResult(
        rc=rc,
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
