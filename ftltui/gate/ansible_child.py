"""The child side of an Ansible module run: spare children, the module process, waiting for it.

Stdlib only, Python >= 3.8 (travels in the gate zip). Everything here runs either in a
forked child of the gate (``_spare_main``, ``_child``, ``_python_child``, ``_exec_child``:
they end with ``os._exit`` and never touch the gate's frame stream, which they close) or
in the gate thread that waits for that child (``wait``, ``reap_group``). See
:mod:`ftltui.gate.ansible_exec` for why modules run in forked children.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading

TYPE_CHECKING = False  # typing costs ~6 ms at every gate start: annotations only
if TYPE_CHECKING:
    from typing import Any, Dict, List, Tuple

TERM_GRACE = 2.0  # seconds between SIGTERM and SIGKILL for a cancelled module


def _read_path(path: str) -> str:
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


def _spare_main(r: int) -> None:
    """A spare child: own session, no gate fds, wait for one job on ``r``, run it, exit."""
    code = 1
    try:
        os.setsid()
        import gc

        gc.disable()
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGPIPE):
            signal.signal(sig, signal.SIG_DFL)
        os.closerange(3, r)  # the frame stream and every other gate fd
        os.closerange(r + 1, 65536)
        null = os.open(os.devnull, os.O_RDWR)  # nor the channel's stderr while it waits
        for fd in (0, 1, 2):
            if null != fd:
                os.dup2(null, fd)
        if null > 2:
            os.close(null)
        chunks = []
        while True:
            data = os.read(r, 1 << 16)
            if not data:
                break
            chunks.append(data)
        if not chunks:  # the gate exited or dropped us
            os._exit(0)
        job = json.loads(b"".join(chunks).decode("utf-8"))
        out_fd = os.open(job["out"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        err_fd = os.open(job["err"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        target = (_python_child, (job["mdir"], job["bdir"], False, job["fqn"], job["loader"],
                                  job["params"].encode("utf-8"), job["profile"]))
    except BaseException:
        os._exit(code)
    _child(target, out_fd, err_fd, prepared=True)


def _read_all(fd: int) -> str:
    os.lseek(fd, 0, 0)
    chunks = []
    while True:
        data = os.read(fd, 1 << 20)
        if not data:
            break
        chunks.append(data)
    return b"".join(chunks).decode("utf-8", "replace")


def _wait(pid: int, cancel: threading.Event) -> Tuple[int, bool]:
    """Wait for the child (blocking: no polling latency); a watcher stops its process
    group (TERM, then KILL) if the request is cancelled first."""
    done = threading.Event()
    killed = []  # type: List[bool]

    def watch() -> None:
        while not done.is_set():
            if cancel.wait(0.5) and not done.is_set():
                killed.append(True)
                _killpg(pid, signal.SIGTERM)
                if not done.wait(TERM_GRACE):
                    _killpg(pid, signal.SIGKILL)
                return

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        while True:
            try:
                _, status = os.waitpid(pid, 0)
                return status, bool(killed)
            except InterruptedError:
                continue
    finally:
        done.set()


def _killpg(pgid: int, sig: int) -> bool:
    try:
        os.killpg(pgid, sig)
        return True
    except (ProcessLookupError, PermissionError):
        return False


def _reap_group(pgid: int) -> int:
    """Kill what the module left running in its session; returns how many were there."""
    if not _killpg(pgid, 0):
        return 0
    n = 0
    try:  # count them for the warning (Linux /proc; elsewhere just "some")
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    if os.getpgid(int(entry)) == pgid:
                        n += 1
                except OSError:
                    pass
    except OSError:
        n = 1
    _killpg(pgid, signal.SIGKILL)
    return max(n, 1)


def _child(target: Tuple[Any, Tuple[Any, ...]], out_fd: int, err_fd: int, prepared: bool = False) -> None:
    """In the forked child: own session, fds 0/1/2 only, then run; always ``os._exit``."""
    code = 1
    try:
        if not prepared:  # a spare did this before it waited for its job
            os.setsid()
            import gc

            gc.disable()  # a short-lived process: collections only copy pages
            for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGPIPE):
                signal.signal(sig, signal.SIG_DFL)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(out_fd, 1)
        os.dup2(err_fd, 2)
        os.closerange(3, 65536)  # the frame stream and every other gate fd
        sys.stdin = open(0, "r", closefd=False)
        sys.stdout = open(1, "w", closefd=False)
        sys.stderr = open(2, "w", closefd=False)
        func, args = target
        code = func(*args)
    except SystemExit as exc:
        code = _exit_code(exc.code)
    except BaseException:
        try:
            import traceback

            traceback.print_exc()
        except BaseException:
            pass
        code = 1
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:
                pass
        os._exit(code)


def _exit_code(code: Any) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    try:
        sys.stderr.write("%s\n" % (code,))
    except BaseException:
        pass
    return 1


def _python_child(mdir: str, bdir: str, fresh: bool, fqn: str, loader: str, params: bytes, profile: str) -> int:
    """Run a new-style module as AnsiballZ would, from the warm interpreter state."""
    import importlib

    if fresh:  # the gate warmed a different ansible-core: forget it entirely
        for name in [n for n in sys.modules if n == "ansible" or n.startswith(("ansible.", "ansible_collections"))]:
            del sys.modules[name]
        sys.path.insert(0, bdir)
    sys.path.insert(0, mdir)
    # packages imported during the warm-up only search the base bundle: let them see this one
    for name, mod in list(sys.modules.items()):
        if name == "ansible" or name.startswith("ansible."):
            path = getattr(mod, "__path__", None)
            sub = os.path.join(mdir, *name.split("."))
            if path is not None and os.path.isdir(sub):
                try:
                    path.insert(0, sub)
                except AttributeError:
                    pass
    importlib.invalidate_caches()
    mod = importlib.import_module(loader)
    mod.run_module(json_params=params, profile=profile, module_fqn=fqn, modlib_path=mdir, extensions={})
    return 0


def _exec_child(argv: List[str]) -> int:
    os.execv(argv[0], argv)
    return 127  # not reached


def _script_argv(style: str, mdir: str, work: str, args: Dict[str, Any], interpreter: Any) -> List[str]:
    """A WANT_JSON / old-style / JSONARGS script and its arguments file, as Ansible passes them."""
    with open(os.path.join(mdir, "module"), "rb") as f:
        data = f.read()
    payload = json.dumps(args)
    if style == "jsonargs":
        data = data.replace(b"<<INCLUDE_ANSIBLE_MODULE_JSON_ARGS>>", payload.encode("utf-8"))
    script = os.path.join(work, "module")
    with open(script, "wb") as f:
        f.write(data)
    os.chmod(script, 0o700)
    argsfile = os.path.join(work, "args")
    with open(argsfile, "w") as f:
        if style == "old":
            import shlex

            f.write(" ".join("%s=%s" % (k, shlex.quote(str(v))) for k, v in args.items()))
        else:
            f.write(payload)
    if not interpreter:
        return [script, argsfile]
    parts = str(interpreter).split()
    if not os.path.isabs(parts[0]):
        raise ValueError("module interpreter %r is not an absolute path" % parts[0])
    return parts + [script, argsfile]
