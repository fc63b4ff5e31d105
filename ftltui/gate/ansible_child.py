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
    from typing import Any, Callable, Dict, List, Optional, Tuple

from ftltui.gate.ansible_preload import BUNDLE_PACKAGES, PRELOADED
from ftltui.gate.ansible_warm import WARM_PACKAGES, ansible_packages

TERM_GRACE = 2.0  # seconds between SIGTERM and SIGKILL for a cancelled module


PYC_TAG = "ftl-pyc-tag"  # bundle member naming the cache tag its .pyc members were compiled for


def is_derived(name: str) -> bool:
    """A bundle member made from another one (a .pyc, its tag): not part of the bundle's name."""
    return name.endswith(".pyc") or name == PYC_TAG


def importable_in_place(members: Dict[str, bytes]) -> bool:
    """Whether this interpreter can import the bundle straight from its zip (zipimport, as
    AnsiballZ does): its .pyc members are for our cache tag, so nothing needs compiling,
    and the host writes one file per bundle instead of one per member."""
    tag = members.get(PYC_TAG)
    return tag is not None and tag.decode("ascii", "replace") == str(sys.implementation.cache_tag)


def bundle_digest(members: Dict[str, bytes]) -> str:
    """A bundle's name: SHA-256 (32 hex) of its sorted source members' names and hashes.

    Both ends compute it (the controller when it builds a bundle, the gate when it installs
    one). Compiled ``.pyc`` members ride along but are left out: ``marshal`` output differs
    between processes (reference flags, set order under hash randomization), so two
    controllers that ship the same sources must still name the bundle alike.
    """
    import hashlib

    lines = []
    for name in sorted(members):
        if not is_derived(name):
            lines.append("%s\0%s\n" % (name, hashlib.sha256(members[name]).hexdigest()))
    return hashlib.sha256("".join(lines).encode("utf-8")).hexdigest()[:32]


def _write_members(root: str, members: Dict[str, bytes]) -> None:
    """Unpack checked bundle members under ``root`` (names already checked to stay inside)."""
    for name, data in members.items():
        if name.endswith("/") or is_derived(name):  # another Python's .pyc: ours is written on import
            continue
        path = os.path.join(root, *name.split("/"))
        os.makedirs(os.path.dirname(path), 0o755, exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)


def _read_path(path: str) -> str:
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


def _reset_signals() -> None:
    """Default dispositions for a module process (the fork server catches SIGCHLD for itself)."""
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGPIPE, signal.SIGCHLD):
        signal.signal(sig, signal.SIG_DFL)
    try:
        signal.set_wakeup_fd(-1)
    except ValueError:  # not the main thread: the gate never set one
        pass


def resource_limits() -> Dict[str, List[int]]:
    """This process's resource limits, ``RLIMIT_*`` name -> [soft, hard] (empty without
    the ``resource`` module)."""
    try:
        import resource
    except ImportError:
        return {}
    out = {}
    for name in dir(resource):
        if name.startswith("RLIMIT_"):
            try:
                out[name] = list(resource.getrlimit(getattr(resource, name)))
            except (ValueError, OSError):
                pass
    return out


def _apply_limits(limits: Dict[str, Any]) -> None:
    """Set the calling gate's resource limits (a become'd gate, or one whose caller set
    ``ulimit``). Servers are shared only by gates with the same hard limits
    (:func:`fork_client.server_key`), so lowering or raising a soft limit always works."""
    try:
        import resource
    except ImportError:
        return
    for name, pair in limits.items():
        which = getattr(resource, str(name), None)
        if which is None or not str(name).startswith("RLIMIT_"):
            continue
        try:
            wanted = (int(pair[0]), int(pair[1]))
            if resource.getrlimit(which) != wanted:
                resource.setrlimit(which, wanted)
        except (ValueError, OSError, TypeError, IndexError):
            pass  # a limit this process may not take: it keeps the server's


def _apply_caller(job: Dict[str, Any]) -> None:
    """Take on the calling gate's environment, directory, umask and resource limits (a
    fork server's child would otherwise run with those of whichever gate started the server)."""
    if isinstance(job.get("rlimits"), dict):
        _apply_limits(job["rlimits"])
    env = job.get("env")
    if isinstance(env, dict):
        _replace_environ(env)
    if job.get("umask") is not None:
        os.umask(int(job["umask"]))
    if job.get("cwd"):
        try:
            os.chdir(job["cwd"])
        except OSError:
            pass


def _replace_environ(env: Dict[str, str]) -> None:
    """Make ``os.environ`` equal ``env``, touching only the variables that differ.

    Not ``clear()`` + ``update()``: ``os.environ.clear()`` is MutableMapping's ``popitem``
    loop, which lists the keys again for every one it removes, and each removal and
    setting is a C call (~0.1 ms of every module child for 35 variables), while a
    server's children differ from it in a variable or two (an SSH client's port)."""
    environ = os.environ
    for key in [k for k in environ if k not in env]:
        del environ[key]
    for key, value in env.items():
        if environ.get(key) != value:
            environ[key] = value


class SpareChild:
    """At most one child forked ahead of the next task from the warm parent, waiting on a
    pipe for its job (:func:`_spare_main`): the fork and the child's set-up are then off
    the next task's critical path. Used by the gate (request threads: ``fork_lock`` keeps
    its forks one at a time) and by the fork server (one thread)."""

    def __init__(self, fork_lock: Any = None) -> None:
        self._held: Optional[Tuple[int, int]] = None  # (pid, write end of its job pipe)
        self._lock = threading.Lock()
        self._fork_lock = fork_lock

    def fork(self) -> Tuple[int, int]:
        """A new spare child, now."""
        r, w = os.pipe()
        if self._fork_lock is not None:
            with self._fork_lock:
                pid = os.fork()
        else:
            pid = os.fork()
        if pid == 0:
            _spare_main(r)  # never returns
        os.close(r)
        return pid, w

    def take(self) -> Tuple[int, int]:
        """The waiting spare if it is alive, else a child forked now."""
        with self._lock:
            spare, self._held = self._held, None
        if spare is not None:
            try:
                got, _ = os.waitpid(spare[0], os.WNOHANG)
            except ChildProcessError:
                got = spare[0]
            if got == 0:
                return spare
            os.close(spare[1])  # it died waiting (killed from outside)
        return self.fork()

    def replenish(self) -> None:
        """Fork the next spare unless one waits (after a result went out: on nobody's clock)."""
        with self._lock:
            if self._held is not None:
                return
        spare: Optional[Tuple[int, int]] = self.fork()  # not under the lock: a fork takes a while
        with self._lock:
            if self._held is None:
                self._held, spare = spare, None
        if spare is not None:  # another thread put one there meanwhile: this one is not needed
            _dismiss(spare)

    def drop(self) -> None:
        """Let the waiting spare go (it was forked before something it needs was imported)."""
        with self._lock:
            spare, self._held = self._held, None
        if spare is not None:
            _dismiss(spare)

    def forget(self, pid: int) -> bool:
        """The caller reaped ``pid``: if it was the waiting spare, it is gone."""
        with self._lock:
            if self._held is None or self._held[0] != pid:
                return False
            os.close(self._held[1])
            self._held = None
            return True


def _dismiss(spare: Tuple[int, int]) -> None:
    os.close(spare[1])  # it reads EOF and exits
    try:
        os.waitpid(spare[0], 0)
    except ChildProcessError:
        pass


def _spare_main(r: int) -> None:
    """A spare child: own session, no gate fds, wait for one job on ``r``, run it, exit."""
    code = 1
    try:
        os.setsid()
        import gc

        gc.disable()
        _reset_signals()
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
        _apply_caller(job)
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
    """Wait for our own child (blocking waitpid: no polling latency), stopping it on cancel."""

    def block() -> int:
        while True:
            try:
                return os.waitpid(pid, 0)[1]
            except InterruptedError:
                continue

    return wait_cancellable(pid, cancel, block)


def wait_cancellable(pgid: int, cancel: threading.Event, block: Callable[[], int]) -> Tuple[int, bool]:
    """``block()`` (the module's waitpid status) while a watcher stops the module's process
    group (TERM, then KILL) if the request is cancelled first; (status, whether it was)."""
    done = threading.Event()
    killed = []  # type: List[bool]

    def watch() -> None:
        while not done.is_set():
            if cancel.wait(0.5) and not done.is_set():
                killed.append(True)
                _killpg(pgid, signal.SIGTERM)
                if not done.wait(TERM_GRACE):
                    _killpg(pgid, signal.SIGKILL)
                return

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        return block(), bool(killed)
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
            _reset_signals()
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
    # (a zip bundle: a missing "archive.zip/sub/dir" entry just finds nothing)
    known = None if fresh else BUNDLE_PACKAGES.get(mdir)
    if known is not None:  # the warm parent listed the packages this zip has files in
        for path, sub in known:
            try:
                path.insert(0, sub)
            except AttributeError:
                pass
    else:
        in_zip = mdir.endswith(".zip")
        for name, path in (ansible_packages() if fresh or not WARM_PACKAGES else WARM_PACKAGES):
            sub = os.path.join(mdir, *name.split("."))
            if in_zip or os.path.isdir(sub):
                try:
                    path.insert(0, sub)
                except AttributeError:
                    pass
    # no importlib.invalidate_caches(): it empties every directory listing the warm parent
    # holds (the stdlib's, site-packages') and the next imports list them again (~5 ms);
    # the module bundle's directories are new here and get fresh finders anyway
    pre = None if fresh else PRELOADED.get(mdir)
    if pre is not None and pre[0] == fqn:  # found and read once by the warm parent
        try:
            sys.meta_path.insert(0, PreloadedFinder(fqn, pre[1], pre[2]))
        except AttributeError:  # a loader that takes no attributes: the child reads it itself
            pass
    mod = importlib.import_module(loader)
    mod.run_module(json_params=params, profile=profile, module_fqn=fqn, modlib_path=mdir, extensions={})
    return 0


class PreloadedFinder:
    """In a module child: the first meta path finder, answering for the preloaded module only.

    Its spec's loader (the bundle's ``zipimporter``, this child's copy) hands out the code
    object read in the warm parent (:func:`ansible_preload.preload_module`) instead of reading
    the zip again; any other name it reads as usual. ``runpy`` then runs the module exactly
    as with a spec it found itself.
    """

    def __init__(self, fqn: str, spec: Any, code: Any) -> None:
        self.fqn = fqn
        self.spec = spec
        loader = spec.loader
        read = loader.get_code

        def get_code(fullname: str) -> Any:
            return code if fullname == fqn else read(fullname)

        loader.get_code = get_code  # this child's loader only (AttributeError: not preloaded)

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        return self.spec if fullname == self.fqn else None


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
