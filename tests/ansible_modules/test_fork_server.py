"""The per-user fork server: gates share one warm parent, each call still gets its own fresh child.

Real processes throughout: gates started by the executor (local connection) and servers
started by :class:`ForkClient` in a private cache directory, running a module of a fake
collection that reports who ran it (pid, parent, environment, umask, directory) and
whether an earlier call left anything behind in the interpreter.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import socket
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Iterator

import pytest

from amhelp import Ftl, fake_collection, ftl
from ftltui.ansible_modules import bundle
from ftltui.gate.fork_client import ForkClient, server_key

WHO = """#!/usr/bin/python
import os
from ansible.module_utils import basic
from ansible.module_utils.basic import AnsibleModule
m = AnsibleModule(argument_spec={'tag': {}})
left = getattr(basic, '_ftl_left_by_earlier_call', None)
basic._ftl_left_by_earlier_call = m.params['tag']
mask = os.umask(0)
m.exit_json(changed=False, pid=os.getpid(), ppid=os.getppid(), env=os.environ.get('FTL_FS_TEST'), left=left,
            umask=mask, cwd=os.getcwd(), sid=os.getsid(0))
"""


NAP = """#!/usr/bin/python
import os, time
from ansible.module_utils.basic import AnsibleModule
m = AnsibleModule(argument_spec={'tag': {}})
open(m.params['tag'], 'w').write(str(os.getpid()))
time.sleep(300)
m.exit_json(changed=False)
"""


@pytest.fixture(scope="module")
def colls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with fake_collection(tmp_path_factory.mktemp("fscolls"), "fs", {"who.py": WHO, "nap.py": NAP}) as mods:
        yield mods


@pytest.fixture
def short(tmp_path: Path) -> Iterator[Path]:
    """A short directory for a server's socket: under pytest's numbered, per-worker tmp_path the
    socket path passes sockaddr_un's 107 bytes once the run counter has four digits
    (pytest-1074/popen-gw0/...), and the client then rightly declines the fork server (None)."""
    top = Path(tempfile.mkdtemp(prefix="fs", dir="/tmp"))
    try:
        yield top
    finally:
        shutil.rmtree(top, ignore_errors=True)


def _gate_pid(f: Ftl) -> int:
    gates = list(f.executor._runners["local"]._become._gates.values())
    assert len(gates) == 1
    return gates[0].pid


def test_gates_of_one_user_share_a_server_and_each_call_is_a_fresh_child(colls: Path, tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    seen = []
    for tag in ("first", "second"):
        monkeypatch.setenv("FTL_FS_TEST", tag)  # the local gate inherits it: each gate has its own environment
        f = Ftl()
        try:
            for _ in range(2):
                status, res = ftl(f, "ftl.fs.who", {"tag": tag})
                assert status == "ok", res
                seen.append((tag, res, _gate_pid(f)))
        finally:
            f.close()
    servers = {res["ppid"] for _, res, _ in seen}
    gates = {gate for _, _, gate in seen}
    assert len(gates) == 2 and len(servers) == 1 and not servers & gates  # two gates, one server
    server = servers.pop()
    assert b"fork_server" in Path(f"/proc/{server}/cmdline").read_bytes()
    assert len({res["pid"] for _, res, _ in seen}) == 4  # a child per call
    assert all(res["left"] is None for _, res, _ in seen)  # nothing of an earlier call in the interpreter
    assert all(res["sid"] == res["pid"] for _, res, _ in seen)  # each in its own session
    assert [res["env"] for _, res, _ in seen] == ["first", "first", "second", "second"]  # the calling gate's
    assert all(res["umask"] == os.umask(os.umask(0o022)) and res["cwd"] == os.getcwd() for _, res, _ in seen)
    cache = Path(pwd.getpwuid(os.geteuid()).pw_dir) / ".cache" / "ftl-tui"
    socks = [p for p in cache.glob("fs-*.sock") if p.stat().st_mode & 0o777 != 0o600]
    assert not socks and cache.stat().st_mode & 0o077 == 0


# -- the server on its own, in a private cache directory ----------------------------------------------
class Private:
    """A ForkClient over a cache directory of the test's, with the bundles of ftl.fs.who in it."""

    def __init__(self, root: Path, mods: Path, idle: float = 60.0, key: str = "", module: str = "ftl.fs.who",
                 tag: str = "t") -> None:
        from ftltui.ansible_modules.run import ansible_spec, module_args

        root.mkdir(mode=0o700, exist_ok=True)
        self.root = root
        self.spec = ansible_spec(module)
        assert self.spec is not None
        self.b = bundle.build(self.spec.name, self.spec.path)
        self.base = root / f"ab-{self.b.base.digest}.zip"
        self.mdir = root / f"ab-{self.b.module.digest}.zip"
        for path, data in ((self.base, self.b.base.data), (self.mdir, self.b.module.data)):
            if not path.exists():
                path.write_bytes(data)
        self.key = key or server_key(self.b.base.digest, "test")
        self.client = ForkClient(str(root), self.key, str(self.base), list(bundle.BASE_ROOTS), idle)
        self.args = module_args(self.spec, {"tag": tag}, check=False)
        self.work = root / "work"
        self.work.mkdir(exist_ok=True)

    def job(self) -> dict[str, Any]:
        self.args["_ansible_tmpdir"] = str(self.work)
        return {"mdir": str(self.mdir), "bdir": str(self.base), "fqn": self.b.fqn, "loader": bundle.BASE_ROOTS[1],
                "params": json.dumps({"ANSIBLE_MODULE_ARGS": self.args}), "profile": bundle.PROFILE,
                "out": str(self.work / "out"), "err": str(self.work / "err"), "env": dict(os.environ),
                "cwd": str(self.root), "umask": 0o027}

    def run(self) -> dict[str, Any] | None:
        done = self.client.run(self.job(), threading.Event())
        if done is None:
            return None
        assert done["status"] == 0, (self.work / "err").read_text()
        return json.loads((self.work / "out").read_text())


def _gone(pid: int, seconds: float = 30.0) -> bool:
    """Whether ``pid`` exits within ``seconds`` (a bound for a hung server, not a speed check)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return True
        if state == "Z":
            return True
        time.sleep(0.05)
    return False


def test_private_server_runs_with_the_callers_umask_and_directory(colls: Path, tmp_path: Path, short: Path) -> None:
    p = Private(short / "cache", colls)
    first, second = p.run(), p.run()
    assert first and second and first["ppid"] == second["ppid"] and first["pid"] != second["pid"]
    assert (first["umask"], first["cwd"], first["left"], second["left"]) == (0o027, str(p.root), None, None)
    assert (p.root / f"fs-{p.key}.sock").stat().st_mode & 0o777 == 0o600
    os.unlink(p.root / f"fs-{p.key}.sock")  # removing its socket stops a server
    assert _gone(first["ppid"])


def test_stale_socket_and_replaced_base_start_a_fresh_server(colls: Path, tmp_path: Path, short: Path) -> None:
    p = Private(short / "cache", colls)
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dead.bind(str(p.root / f"fs-{p.key}.sock"))  # a socket file nobody listens on (a crashed server's)
    dead.close()
    first = p.run()
    assert first is not None
    data = p.base.read_bytes()  # the base bundle uploaded again (a new file under the same name)
    p.base.unlink()
    p.base.write_bytes(data)
    second = p.run()
    assert second is not None and second["ppid"] != first["ppid"]
    assert _gone(first["ppid"])  # the old server left on its own
    os.unlink(p.root / f"fs-{p.key}.sock")
    assert _gone(second["ppid"])


def test_idle_server_exits_and_a_new_one_starts_on_demand(colls: Path, tmp_path: Path, short: Path) -> None:
    p = Private(short / "cache", colls, idle=0.2)
    first = p.run()
    assert first is not None and _gone(first["ppid"])
    assert not (p.root / f"fs-{p.key}.sock").exists()
    second = p.run()
    assert second is not None and second["ppid"] != first["ppid"]
    assert _gone(second["ppid"])


def test_a_server_that_cannot_warm_up_hands_the_call_back(colls: Path, tmp_path: Path, short: Path) -> None:
    p = Private(short / "cache", colls, key="broken")
    p.client.warm = ["ansible.module_utils.ftl_not_in_the_bundle"]  # the warm-up import fails
    assert p.run() is None  # the gate then warms itself and reports the import error, as before
    assert not (p.root / "fs-broken.sock").exists()


def test_a_peer_of_another_uid_is_refused(colls: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to connect as another user")
    top = Path(tempfile.mkdtemp(prefix="ftl-fs-peer-"))  # /tmp itself: nobody can reach it
    try:
        _refused(colls, top)
    finally:
        shutil.rmtree(top, ignore_errors=True)


def _refused(colls: Path, top: Path) -> None:
    p = Private(top / "cache", colls)
    first = p.run()
    assert first is not None
    sock = p.root / f"fs-{p.key}.sock"
    # a mistake that opened the directory and the socket: the uid check still refuses
    os.chmod(top, 0o711)
    os.chmod(p.root, 0o711)
    os.chmod(sock, 0o666)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # as nobody: connect, send a job, report what came back
        try:
            os.close(r)
            os.setgid(65534)
            os.setuid(65534)
            c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            c.connect(str(sock))
            os.write(w, b"connected ")
            c.settimeout(30)
            c.sendall((json.dumps(p.job()) + "\n").encode())
            os.write(w, b"answer:" + c.recv(100))
        except BaseException as exc:
            os.write(w, f"error:{exc}".encode())
        os._exit(0)
    os.close(w)
    got = b""
    while True:
        chunk = os.read(r, 4096)
        if not chunk:
            break
        got += chunk
    os.waitpid(pid, 0)
    # it could connect (the socket was open to it), and was closed on: no pid, nothing ran
    assert got.startswith(b"connected ") and b"pid" not in got, got
    assert not (p.work / "out").exists() or json.loads((p.work / "out").read_text())["pid"] == first["pid"]
    os.unlink(sock)
    assert _gone(first["ppid"])


def test_cancel_while_the_server_warms_up(colls: Path, tmp_path: Path, short: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A task cancelled (timeout, Ctrl-C) before its server is ready returns at once; nothing ran."""
    slow = tmp_path / "slowpath"
    slow.mkdir()
    release = tmp_path / "release"
    (slow / "ftl_slow_warm.py").write_text(
        f"import os, time\nwhile not os.path.exists({str(release)!r}):\n    time.sleep(0.05)\n")
    monkeypatch.setenv("PYTHONPATH", str(slow))  # the server's environment is its starter's
    p = Private(short / "cache", colls, key="slowwarm")
    p.client.warm = [*p.client.warm, "ftl_slow_warm"]
    cancel = threading.Event()
    out: list[Any] = []
    t = threading.Thread(target=lambda: out.append(p.client.run(p.job(), cancel)))
    t.start()
    time.sleep(0.5)
    cancel.set()
    t.join(60)  # a bound for a hung call, not a speed check
    assert not t.is_alive() and out and out[0]["cancelled"] is True
    assert not (p.work / "out").exists()  # no module child ever started
    release.write_text("")
    os.unlink(p.root / "fs-slowwarm.sock")


def test_no_server_when_turned_off(colls: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """FTL_TUI_FORK_SERVER_IDLE=0: the gate imports basic itself and forks the module."""
    monkeypatch.setenv("FTL_TUI_FORK_SERVER_IDLE", "0")
    f = Ftl()
    try:
        status, res = ftl(f, "ftl.fs.who", {"tag": "x"})
        assert status == "ok" and res["ppid"] == _gate_pid(f) and res["left"] is None
    finally:
        f.close()


def test_a_server_that_dies_mid_call_fails_that_call_and_takes_its_module_along(colls: Path, tmp_path: Path, short: Path) -> None:
    import signal

    marker = tmp_path / "nap.pid"
    p = Private(short / "cache", colls, module="ftl.fs.nap", tag=str(marker))
    out: list[Any] = []

    def call() -> None:
        try:
            out.append(p.client.run(p.job(), threading.Event()))
        except RuntimeError as exc:
            out.append(str(exc))

    t = threading.Thread(target=call)
    t.start()
    deadline = time.monotonic() + 60
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    child = int(marker.read_text())
    server = int(Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()[1])
    os.kill(server, signal.SIGKILL)
    t.join(60)
    assert not t.is_alive() and out and "fork server exited while the module ran" in str(out[0])
    assert _gone(child)  # the gate killed the module's session
