"""Run Ansible modules inside the gate: bundles in a host cache, each run in a forked child.

Stdlib only, Python >= 3.8 (this file travels in the gate zip). Ansible's own files
arrive as content-addressed zips (``ftltui/ansible_modules/bundle.py`` on the
controller) and are unpacked once per host into ``~/.cache/ftl-tui/ab-<hash>/``, beside
the gate's own cache. Nothing of Ansible is part of the gate: the names to import come
with the request.

Why fork: an Ansible module is a script that ends the process (``exit_json`` calls
``sys.exit``), prints to stdout, may crash, hang or kill itself. Running it in a child
forked from the gate after ``ansible.module_utils.basic`` was imported once keeps the
warm cost small (the fork, not an interpreter start and 50 imports) while nothing the
module does can reach the gate: the child gets its own session (its process group is
killed on cancel, timeout and when it leaves processes behind), fds 0/1/2 point at
/dev/null and two files, and every other fd, the frame stream included, is closed.
"""

from __future__ import annotations

import json
import os
import threading

from ftltui.gate.ansible_child import (_child, _exec_child, _python_child, _read_all, _read_path, _reap_group,
                                       _script_argv, SpareChild, _wait, _write_members,
                                       bundle_digest, importable_in_place, resource_limits)
from ftltui.gate.ansible_warm import warm_interpreter
from ftltui.gate.ansible_zip import read_members

# seconds a fork server waits for work before it exits (the request's ``server_idle`` wins;
# 0 there: no server, the gate imports basic itself)
DEFAULT_SERVER_IDLE = 600.0
TYPE_CHECKING = False  # typing costs ~6 ms at every gate start: annotations only
if TYPE_CHECKING:
    from typing import Any, Callable, Dict, List, Optional, Tuple



def cache_root(fallback: str) -> str:
    """The effective user's ``~/.cache/ftl-tui`` (as the bootstrap computes it), else ``fallback``."""
    try:
        import pwd

        home = pwd.getpwuid(os.geteuid()).pw_dir
    except (ImportError, KeyError):
        home = os.path.expanduser("~")
    root = os.path.join(home, ".cache", "ftl-tui")
    try:
        os.makedirs(root, 0o700, exist_ok=True)
        st = os.stat(root)
        if st.st_uid == os.geteuid() and st.st_mode & 0o077:
            os.chmod(root, 0o700)  # made 0755 by an older controller's mkdir(parents=True): the sockets live here
        if os.access(root, os.W_OK):
            return root
    except OSError:
        pass
    return fallback


class AnsibleRunner:
    """The gate's Ansible half: which bundles are here, installing one, running a module."""

    def __init__(self, tmpdir: str, gate_hash: str = "dev") -> None:
        self.tmpdir = tmpdir
        self.gate_hash = gate_hash
        self.root = cache_root(tmpdir)
        self.umask = _current_umask()
        self.rlimits = resource_limits()  # the gate's; its module children run with them
        self.servers = {}  # type: Dict[str, Any]  # base digest -> ForkClient
        self.warm_lock = threading.Lock()
        self.warm_base = None  # type: Optional[str]
        self.fork_lock = threading.Lock()
        self.spare = SpareChild(self.fork_lock)  # forked ahead from the warm state

    def bundle_dir(self, digest: str) -> str:
        """Where an installed bundle is: its zip (imported in place) or its unpacked directory."""
        base = os.path.join(self.root, "ab-" + os.path.basename(digest))
        return base + ".zip" if os.path.isfile(base + ".zip") else base

    def has(self, digest: str) -> bool:
        return os.path.exists(self.bundle_dir(digest))

    def missing(self, digests: List[str]) -> List[str]:
        return [d for d in digests if d and not self.has(d)]

    def install(self, digest: str, zip_path: str) -> str:
        """Unpack an uploaded zip (already size/sha256-checked by ``put``) into the cache."""
        if self.has(digest):
            return self.bundle_dir(digest)
        target = self.bundle_dir(digest)
        tmp = "%s.%d.%d" % (target, os.getpid(), threading.get_ident())
        # without zipfile (~18 ms to import); compiled members are neither part of the name
        # nor unpacked (ansible_child.is_derived): left compressed
        names, members = read_members(zip_path, skip=".pyc")
        for name in names:  # names are ours, but never write outside the bundle
            if name.startswith("/") or ".." in name.split("/"):
                raise ValueError("bundle %s: unsafe member %r" % (digest, name))
        if bundle_digest(members) != digest:
            raise ValueError("bundle %s: content does not match its name" % digest)
        if importable_in_place(members):  # one file, imported as is (zipimport)
            _place(zip_path, target + ".zip", tmp)
            return target + ".zip"
        _write_members(tmp, members)
        try:
            os.rename(tmp, target)
        except OSError:  # another request installed it first
            from ftltui.gate.server import _remove_tree

            _remove_tree(tmp)
        try:
            os.unlink(zip_path)
        except OSError:
            pass
        return target

    def warm(self, base: str, names: List[str]) -> None:
        """Import ``names`` (basic, the loader, the profile) from the base bundle, once."""
        with self.warm_lock:
            if self.warm_base is not None:
                return
            warm_interpreter(self.bundle_dir(base), names)
            self.warm_base = base

    # -- running ----------------------------------------------------------------------
    def run(self, msg: Dict[str, Any], cancel: threading.Event) -> Dict[str, Any]:
        """Run one module; returns ``{rc, stdout, stderr, signal, lingering}`` (raw, parsed by the caller)."""
        style = str(msg.get("style"))
        bundle = str(msg["bundle"])
        mdir = self.bundle_dir(bundle)
        if not os.path.exists(mdir):
            raise ValueError("bundle %s is not on this host" % bundle)
        rid = msg.get("id")
        work = os.path.join(self.tmpdir, "ansible-tmp-%s" % rid)
        os.mkdir(work, 0o700)
        args = dict(msg.get("args") or {})
        args["_ansible_tmpdir"] = work + "/"  # ansible-core's value ends with a slash; modules may append to it
        # the task's environment keyword: set in the module's forked child only (never the gate)
        environment = msg.get("environment")
        target: Tuple[Callable[..., Any], Tuple[Any, ...]]  # what the forked child calls: (function, args)
        try:
            if style == "python":
                base = str(msg["base"])
                if not self.has(base):
                    raise ValueError("bundle %s is not on this host" % base)
                params = json.dumps({"ANSIBLE_MODULE_ARGS": args}).encode("utf-8")
                idle = float(msg.get("server_idle", DEFAULT_SERVER_IDLE) or 0)
                if idle > 0 and self.warm_base is None and self.root != self.tmpdir:
                    done = self._run_in_server(base, list(msg.get("warm") or []), idle, {
                        "mdir": mdir, "bdir": self.bundle_dir(base), "fqn": str(msg["fqn"]),
                        "loader": str(msg.get("loader")), "params": params.decode("utf-8"),
                        "profile": str(msg.get("profile") or "legacy"), "environment": environment}, work, cancel)
                    if done is not None:
                        return done
                self.warm(base, list(msg.get("warm") or []))
                fresh = self.warm_base != base
                target = (_python_child, (mdir, self.bundle_dir(base), fresh, str(msg["fqn"]),
                                          str(msg.get("loader")), params, str(msg.get("profile") or "legacy")))
                if not fresh and not environment:
                    return self._run_in_spare(target[1], work, cancel)
            else:
                argv = _script_argv(style, mdir, work, args, msg.get("interpreter"))
                target = (_exec_child, (argv,))
            if environment:
                target = (_with_environment, (dict(environment), target))
            return self._fork_and_wait(target, work, cancel)
        finally:
            if not args.get("_ansible_keep_remote_files"):
                from ftltui.gate.server import _remove_tree

                _remove_tree(work)

    def _run_in_server(self, base: str, warm: List[str], idle: float, job: Dict[str, Any], work: str,
                       cancel: threading.Event) -> Optional[Dict[str, Any]]:
        """Run through this user's fork server (basic already imported there); None: run it here."""
        client = self.servers.get(base)
        if client is None:
            from ftltui.gate.fork_client import ForkClient, server_key

            client = self.servers[base] = ForkClient(self.root, server_key(base, self.gate_hash),
                                                     self.bundle_dir(base), warm, idle)
        out_path, err_path = os.path.join(work, ".stdout"), os.path.join(work, ".stderr")
        env = dict(os.environ)
        env.update(job.pop("environment", None) or {})  # the task's environment keyword, for this child only
        job.update(out=out_path, err=err_path, env=env, cwd=_cwd(), umask=self.umask, rlimits=self.rlimits)
        done = client.run(job, cancel)
        if done is None:
            return None
        status = done["status"]
        sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0
        return {"rc": -sig if sig else os.WEXITSTATUS(status), "signal": sig, "stdout": _read_path(out_path),
                "stderr": _read_path(err_path), "lingering": done["lingering"], "cancelled": done["cancelled"]}

    def replenish(self) -> None:
        """Fork the next spare child (after a task's result went out: not on anyone's clock)."""
        if self.warm_base is None:  # not warm here (or the fork server runs our modules)
            return
        self.spare.replenish()

    def _run_in_spare(self, args: Tuple[Any, ...], work: str, cancel: threading.Event) -> Dict[str, Any]:
        out_path, err_path = os.path.join(work, ".stdout"), os.path.join(work, ".stderr")
        mdir, bdir, fresh, fqn, loader, params, profile = args
        job = json.dumps({"out": out_path, "err": err_path, "mdir": mdir, "bdir": bdir, "fqn": fqn,
                          "loader": loader, "params": params.decode("utf-8"), "profile": profile}).encode("utf-8")
        pid, w = self.spare.take()
        try:
            view = memoryview(job)
            while view:
                view = view[os.write(w, view):]
        except OSError:
            pass  # the spare died: its status below says how
        finally:
            os.close(w)
        status, killed = _wait(pid, cancel)
        lingering = _reap_group(pid)
        stdout, stderr = _read_path(out_path), _read_path(err_path)
        sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0
        rc = -sig if sig else os.WEXITSTATUS(status)
        return {"rc": rc, "signal": sig, "stdout": stdout, "stderr": stderr, "lingering": lingering,
                "cancelled": killed}

    def _fork_and_wait(self, target: Tuple[Any, Tuple[Any, ...]], work: str,
                       cancel: threading.Event) -> Dict[str, Any]:
        out_path, err_path = os.path.join(work, ".stdout"), os.path.join(work, ".stderr")
        out_fd = os.open(out_path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
        err_fd = os.open(err_path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with self.fork_lock:  # one fork at a time: no other request thread is mid-fork
                pid = os.fork()
            if pid == 0:  # the child: never returns
                _child(target, out_fd, err_fd)
            status, killed = _wait(pid, cancel)
            lingering = _reap_group(pid)
            stdout = _read_all(out_fd)
            stderr = _read_all(err_fd)
        finally:
            os.close(out_fd)
            os.close(err_fd)
        sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0
        rc = -sig if sig else os.WEXITSTATUS(status)
        return {"rc": rc, "signal": sig, "stdout": stdout, "stderr": stderr, "lingering": lingering,
                "cancelled": killed}


def _with_environment(environment: Dict[str, str], target: Tuple[Any, Tuple[Any, ...]]) -> Any:
    """In the forked child: the task's variables over the gate's, then the module (an exec'd
    script inherits them). The gate's own environment is never touched."""
    os.environ.update({str(k): str(v) for k, v in environment.items()})
    func, args = target
    return func(*args)


def _current_umask() -> int:
    """The gate's umask, for module children of the fork server (read, not set: threads run)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _cwd() -> Optional[str]:
    try:
        return os.getcwd()
    except OSError:
        return None


def _place(zip_path: str, target: str, tmp: str) -> None:
    """Move an uploaded zip into the cache atomically (copied first when /tmp is another filesystem)."""
    try:
        os.rename(zip_path, target)
        return
    except OSError:
        pass
    with open(zip_path, "rb") as src, open(tmp, "wb") as dst:
        dst.write(src.read())
    os.rename(tmp, target)


# -- the gate's side of the protocol (``bundles`` and ``arun``, docs/gate-protocol.md) ------------
def dispatch(gate: Any, msg: Dict[str, Any]) -> None:
    """Serve an Ansible message for ``gate`` (:class:`ftltui.gate.server.Gate`)."""
    runner = getattr(gate, "ansible", None)
    if runner is None:
        runner = gate.ansible = AnsibleRunner(gate.tmpdir, getattr(gate, "gate_hash", "dev"))
    rid = msg.get("id")
    if msg.get("t") == "bundles":
        try:
            for digest, path in (msg.get("install") or {}).items():
                runner.install(str(digest), str(path))
        except (OSError, ValueError) as exc:
            gate.send({"t": "error", "id": rid, "msg": "gate: cannot install bundle: %s" % exc})
            return
        gate.send({"t": "result", "id": rid, "result": {"missing": runner.missing(list(msg.get("digests") or []))}})
        return
    ev = threading.Event()
    gate.cancels[rid] = ev
    worker = threading.Thread(target=_serve_run, args=(gate, runner, msg, ev), daemon=True)
    gate.workers = [w for w in gate.workers if w.is_alive()]
    gate.workers.append(worker)
    worker.start()


def _serve_run(gate: Any, runner: AnsibleRunner, msg: Dict[str, Any], cancel: threading.Event) -> None:
    from ftltui.gate.server import redact

    rid = msg.get("id")
    secrets = sorted((str(s) for s in msg.get("secrets") or [] if s not in (None, "")), key=len, reverse=True)
    try:
        result = runner.run(msg, cancel)
        gate.send({"t": "result", "id": rid, "result": redact(result, secrets)})
        runner.replenish()
    except BaseException as exc:  # the gate must answer every request
        import traceback

        text = "gate: %s while running %s: %s" % (type(exc).__name__, msg.get("name"), exc)
        gate.send({"t": "error", "id": rid, "msg": redact(text, secrets),
                   "traceback": redact(traceback.format_exc(limit=6), secrets)})
    finally:
        gate.cancels.pop(rid, None)
