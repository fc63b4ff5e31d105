"""A throwaway SSH test bed: real OpenSSH ``sshd`` processes on loopback and in netns.

Used by the ssh test suite (through ``tests/testbed_fixtures.py``), by ``scripts/testbed``
and by the benchmarks / TUI demos. Root only (network namespaces, ``useradd``).

Topology of one bed (``port`` is the bed's own high port, so beds can coexist)::

    default netns: h01..hNN on 127.0.0.11.. (one sshd each)
    route "unreachable 198.18.0.0/15" (fail closed; added first, never removed)
    veth  <bed>a0 198.18.B.1/30  <->  <bed>a1 198.18.B.2   netns <bed>-bastion  (jump1)
    veth  <bed>b0 198.18.B+1.1/29 <-> <bed>b1 198.18.B+1.2/.3 netns <bed>-internal (internal-1/-2, jump2)
    veth  <bed>c0 198.18.B+2.1/30 <-> <bed>c1 198.18.B+2.2  netns <bed>-deep     (deep: 3 hops)

No netns forwards packets (ip_forward=0), and each sshd only lets its jump users open
tunnels to the next hop (``PermitOpen``), so internal/deep are reachable only by SSH jumps.
Everything started is recorded in ``<root>/state.json`` and stopped by PID at ``down``.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SSHD = "/usr/sbin/sshd"
GUARD_NET = "198.18.0.0/15"
USER = "ftltest"
USER_HOME = "/var/tmp/ftltest-home"
# privilege escalation: the login user may become BECOME_USER with its own password
# (sudo) or BECOME_USER's password (su), NOPASSWD_USER without one, and TTY_USER only
# from a terminal (requiretty). Root is not reachable: the "missing sudoers entry" case.
BECOME_USER = "ftlbecome"
NOPASSWD_USER = "ftlnopw"
TTY_USER = "ftltty"
BECOME_PASSWORD = "ftl-Bed-sudo-7731-pw"  # the login user's and BECOME_USER's (sshd stays key-only)
SUDOERS = Path("/etc/sudoers.d/ftl-testbed")
# Beds started at the same moment (two xdist workers, a bench beside the suite) must not
# pick the same port/slot: the slot names the bed's netns, veths and 198.18 subnet.
# Allocation runs under one flock; a claim file per slot names the bed's root.
CLAIMS = Path("/run/ftl-testbed")
SLOTS = 60


class TestBedError(RuntimeError):
    """The bed could not be started (missing sshd, port in use, ...)."""


@dataclass
class BedHost:
    name: str
    address: str
    port: int
    netns: str | None = None
    pid: int = 0
    extra_config: list[str] = field(default_factory=list)


def netns_available() -> str | None:
    """None if network namespaces can be used here, else the reason they cannot."""
    if os.geteuid() != 0:
        return "network namespaces need root"
    if shutil.which("ip") is None:
        return "the 'ip' command (iproute2) is not installed"
    probe = f"ftlprobe{os.getpid()}"
    r = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True)
    if r.returncode != 0:
        return f"'ip netns add' not permitted: {r.stderr.strip()}"
    subprocess.run(["ip", "netns", "del", probe], capture_output=True)
    return None


def _run(*argv: str) -> None:
    r = subprocess.run(list(argv), capture_output=True, text=True)
    if r.returncode != 0:
        raise TestBedError(f"{' '.join(argv)}: {r.stderr.strip() or r.returncode}")


def _port_is_free(port: int) -> bool:
    try:
        with socket.socket() as s:
            s.bind(("0.0.0.0", port))
    except OSError:
        return False
    return True


@contextlib.contextmanager
def _allocation_lock() -> Any:
    """Serialise bed start-ups across processes (held until the bed's sshds listen)."""
    CLAIMS.mkdir(mode=0o755, parents=True, exist_ok=True)
    fd = os.open(CLAIMS / "lock", os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the flock


def _claim_path(port: int) -> Path:
    return CLAIMS / f"slot-{port % SLOTS}"


def _claim_is_live(claim: Path) -> bool:
    """A claim is live while its bed's state lists a running sshd of that bed.

    Only called under the allocation lock, so no other bed is between claiming and
    starting its sshds: a claim without a live sshd was left by a bed that died.
    """
    try:
        root = Path(claim.read_text().strip())
        state = json.loads((root / "state.json").read_text())
    except (OSError, ValueError):
        return False
    return any(_is_our_sshd(h.get("pid", 0), root) for h in state.get("hosts", {}).values())


def _delete_netns(name: str) -> None:
    """Kill every process inside ``name``, then delete it.

    ``ip netns del`` only removes the name: the namespace, and the root-side end of its
    veth pair, live on while any process is inside. A bed's hosts leave such processes
    behind by design (an Ansible fork server waits 10 minutes for more work after its gate
    is gone), and the next bed on the slot then fails with "RTNETLINK answers: File exists"
    on its ``<tag>a0`` veth (CI, stop 21). A host that goes down takes its processes along.
    """
    for _ in range(50):
        pids = subprocess.run(["ip", "netns", "pids", name], capture_output=True, text=True).stdout.split()
        if not pids:
            break
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.kill(int(pid), signal.SIGKILL)
        time.sleep(0.02)
    subprocess.run(["ip", "netns", "del", name], capture_output=True)


def _slot_of(tag: str) -> int | None:
    """The slot of a bed tag ``f<port>``, or None for a name that is not a bed's."""
    return int(tag[1:]) % SLOTS if tag[:1] == "f" and tag[1:].isdigit() else None


def _clear_stale_slot(claim: Path, slot: int) -> None:
    """Remove what dead beds left in this slot: their netns with whatever still runs in
    them, and root-side veths whose namespace outlived its name.

    Only called under the allocation lock for a slot no live bed holds, so every
    ``f<port>-bastion/-internal/-deep`` namespace and ``f<port>a0`` link of a port in
    this slot is a leftover.
    """
    existing = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    for line in existing.splitlines():
        name = line.split()[0] if line.strip() else ""
        tag, _, role = name.partition("-")
        if role in ("bastion", "internal", "deep") and _slot_of(tag) == slot:
            _delete_netns(name)
    links = subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True).stdout
    for line in links.splitlines():
        parts = line.split(":", 2)
        link = parts[1].strip().split("@", 1)[0] if len(parts) > 2 else ""
        if link.endswith("a0") and _slot_of(link[:-2]) == slot:
            subprocess.run(["ip", "link", "del", link], capture_output=True)
    claim.unlink(missing_ok=True)


def _claim_port(root: Path, port: int | None, start: int = 22100) -> int:
    """Pick a free port whose slot no live bed holds, and claim the slot for ``root``."""
    candidates = [port] if port else list(range(start, start + 2000, 7))
    for p in candidates:
        claim = _claim_path(p)
        if claim.exists() and _claim_is_live(claim):
            continue
        if not _port_is_free(p):
            continue
        _clear_stale_slot(claim, p % SLOTS)
        claim.write_text(f"{root}\n")
        return p
    if port:
        raise TestBedError(f"port {port} is in use or its slot is held by a running bed")
    raise TestBedError("no free port/slot for the test bed")


def _children(pid: int) -> list[int]:
    """All descendants of ``pid`` (per-connection sshd processes, their sessions)."""
    out: list[int] = []
    try:
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return out
    for k in kids:
        out.append(int(k))
        out.extend(_children(int(k)))
    return out


def _is_our_sshd(pid: int, root: Path) -> bool:
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z" and str(root) in cmd and "sshd" in cmd


class TestBed:
    """Start/stop a set of sshd "hosts"; write known_hosts, ssh config and inventory."""

    __test__ = False  # not a pytest test class

    def __init__(self, root: str | os.PathLike[str] | None = None, *, tag: str | None = None) -> None:
        self.root = Path(root) if root else Path(tempfile.mkdtemp(prefix="ftl-testbed-"))
        self.root.mkdir(parents=True, exist_ok=True)
        self.tag = tag or ""  # names the bed's netns/veths; set from the port at up()
        self.port = 0
        self.hosts: dict[str, BedHost] = {}
        self.netns: list[str] = []
        self.jump = False
        self.user = USER
        self._log_mark: dict[str, int] = {}  # sshd.log size at the last start: wait for new lines only

    # -- paths -------------------------------------------------------------------
    @property
    def key(self) -> Path:
        return self.root / "id_ed25519"

    @property
    def known_hosts(self) -> Path:
        return self.root / "known_hosts"

    @property
    def ssh_config(self) -> Path:
        return self.root / "ssh_config"

    @property
    def inventory(self) -> Path:
        return self.root / "inventory.yml"

    def host_dir(self, name: str) -> Path:
        return self.root / "hosts" / name

    # -- lifecycle ----------------------------------------------------------------
    def up(self, n_hosts: int, jump: bool = True, *, port: int | None = None) -> TestBed:
        """Start ``n_hosts`` loopback sshds (+ the netns jump topology if ``jump``)."""
        if os.geteuid() != 0:
            raise TestBedError("the test bed needs root (useradd, sshd, netns)")
        if not Path(SSHD).exists():
            raise TestBedError(f"{SSHD} missing: apt-get install openssh-server")
        if not 1 <= n_hosts <= 240:
            raise TestBedError("n_hosts must be between 1 and 240")
        with _allocation_lock():
            try:
                self._up(n_hosts, jump, port)
            except BaseException:
                self.down()
                raise
        return self

    def _prepare(self, port: int | None) -> None:
        """What every bed needs before its first sshd (this bed and testbed_many's): the
        accounts, sudoers, the client key, and its port/slot claimed (under the allocation lock)."""
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
        os.chmod(self.root, 0o755)  # sshd reads authorized_keys as the login user
        self._ensure_user()
        self._ensure_become()
        self._client_key()
        self.port = _claim_port(self.root, port)
        self.tag = self.tag or f"f{self.port}"

    def _up(self, n_hosts: int, jump: bool, port: int | None) -> None:
        self._guard_route()
        self._prepare(port)
        for i in range(1, n_hosts + 1):
            self.hosts[f"h{i:02d}"] = BedHost(f"h{i:02d}", f"127.0.0.{10 + i}", self.port)
        if jump:
            reason = netns_available()
            if reason is None:
                self._make_netns()
                self.jump = True
        self._save()
        for h in self.hosts.values():
            self._host_key(h.name)
            self._write_sshd_config(h)
            self.start(h.name, wait=False)
        self._save()
        for h in self.hosts.values():
            self._wait_listening(h)
        self._write_client_files()

    def down(self) -> None:
        """Stop every sshd we started (by PID, children too) and delete our namespaces."""
        state = self._load()
        pids = [h.get("pid", 0) for h in state.get("hosts", {}).values()] or [h.pid for h in self.hosts.values()]
        for pid in pids:
            if pid and _is_our_sshd(pid, self.root):
                victims = [pid, *_children(pid)]
                for p in victims:
                    try:
                        os.kill(p, signal.SIGTERM)
                    except ProcessLookupError:
                        pass
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(p and _is_our_sshd(p, self.root) for p in pids):
            time.sleep(0.05)
        for p in pids:
            try:
                os.waitpid(p, os.WNOHANG)
            except (ChildProcessError, OSError):
                pass
        for ns in state.get("netns", []) or self.netns:
            _delete_netns(ns)
        for link in state.get("links", []):
            subprocess.run(["ip", "link", "del", link], capture_output=True)
        self.netns = []
        (self.root / "state.json").unlink(missing_ok=True)
        port = state.get("port") or self.port
        if port:
            claim = _claim_path(port)
            with contextlib.suppress(OSError):
                if claim.read_text().strip() == str(self.root):
                    claim.unlink()

    def status(self) -> dict[str, Any]:
        state = self._load()
        hosts = state.get("hosts", {})
        alive = {n: _is_our_sshd(h.get("pid", 0), self.root) for n, h in hosts.items()}
        return {"root": str(self.root), "hosts": alive, "netns": state.get("netns", []),
                "inventory": str(self.inventory)}

    # -- per-host control (fault tests) ---------------------------------------------
    def start(self, name: str, *, wait: bool = True) -> int:
        h = self.hosts[name]
        d = self.host_dir(name)
        argv = [SSHD, "-D", "-e", "-f", str(d / "sshd_config")]
        if h.netns:
            argv = ["ip", "netns", "exec", h.netns, *argv]  # ip execs sshd: same PID
        self._log_mark[name] = (d / "sshd.log").stat().st_size if (d / "sshd.log").exists() else 0
        log = open(d / "sshd.log", "ab")
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                start_new_session=True)
        log.close()
        h.pid = proc.pid
        if wait:
            self._save()
            self._wait_listening(h)
        return proc.pid

    def kill(self, name: str) -> None:
        """Kill a host's sshd and every session under it (simulates the host dying)."""
        h = self.hosts[name]
        for p in [h.pid, *_children(h.pid)]:
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            os.waitpid(h.pid, 0)
        except ChildProcessError:
            pass

    def gate_pids(self, name: str) -> list[int]:
        """PIDs of gate processes running under ``name``'s sshd."""
        out = []
        for p in _children(self.hosts[name].pid):
            try:
                cmd = Path(f"/proc/{p}/cmdline").read_bytes()
            except OSError:
                continue
            if b"ftl-tui" in cmd or b"gate-" in cmd:
                out.append(p)
        return out

    def host_vars(self, name: str) -> dict[str, Any]:
        h = self.hosts[name]
        v: dict[str, Any] = {"ansible_host": h.address, "ansible_port": h.port,
                             "ansible_user": self.user, "ansible_ssh_private_key_file": str(self.key)}
        jumps = {"internal-1": ["bastion"], "internal-2": ["bastion"], "deep": ["bastion", "internal-1"]}
        if name in jumps:
            v["ftl_jump_hosts"] = jumps[name]
        return v

    # -- pieces -----------------------------------------------------------------------
    def _guard_route(self) -> None:
        shown = subprocess.run(["ip", "route", "show", "type", "unreachable"], capture_output=True, text=True)
        if shutil.which("ip") and GUARD_NET not in shown.stdout:
            _run("ip", "route", "add", "unreachable", GUARD_NET)

    def _ensure_user(self) -> None:
        r = subprocess.run(["getent", "passwd", self.user], capture_output=True, text=True)
        if r.returncode != 0:
            _run("useradd", "-M", "-d", USER_HOME, "-s", "/bin/sh", "-c", "ftl-tui test bed (throwaway)", self.user)
            # '!' (locked) makes sshd with UsePAM no refuse even key logins; '*' = no password
            _run("usermod", "-p", "*", self.user)
        home = Path(r.stdout.split(":")[5]) if r.returncode == 0 else Path(USER_HOME)
        if not home.exists():
            home.mkdir(mode=0o755, parents=True)
            shutil.chown(home, self.user, self.user)

    def _ensure_become(self) -> None:
        """Throwaway become users and a sudoers rule for the login user (needs sudo installed).

        Without ``sudo`` the bed still starts (the become tests skip); with it, the
        rule file is checked by ``visudo`` before it is put in place, so a bad rule can
        never break sudo on the machine. Credentials are never cached (timestamp_timeout=0):
        every become asks again, so a wrong-password test cannot pass on a cached success.
        """
        for user in (BECOME_USER, NOPASSWD_USER, TTY_USER):
            if subprocess.run(["getent", "passwd", user], capture_output=True).returncode != 0:
                home = f"/var/tmp/{user}-home"
                _run("useradd", "-M", "-d", home, "-s", "/bin/sh", "-c", "ftl-tui test bed (throwaway)", user)
                Path(home).mkdir(mode=0o755, parents=True, exist_ok=True)
                shutil.chown(home, user, user)
        subprocess.run(["chpasswd"], input=f"{self.user}:{BECOME_PASSWORD}\n{BECOME_USER}:{BECOME_PASSWORD}\n",
                       text=True, capture_output=True, check=True)
        if shutil.which("visudo") is None:
            return
        rules = "\n".join([
            "# ftl-tui test bed (tests/testbed.py): throwaway users only",
            f"Defaults:{self.user} timestamp_timeout=0, !lecture",
            f"Defaults>{TTY_USER} requiretty",
            f"{self.user} ALL=({BECOME_USER}) ALL",
            f"{self.user} ALL=({NOPASSWD_USER}) NOPASSWD: ALL",
            f"{self.user} ALL=({TTY_USER}) ALL",
        ]) + "\n"
        if SUDOERS.exists() and SUDOERS.read_text() == rules:
            return
        tmp = SUDOERS.with_name(".ftl-testbed.tmp")  # sudo ignores names with a dot
        tmp.write_text(rules)
        os.chmod(tmp, 0o440)
        _run("visudo", "-cqf", str(tmp))
        os.replace(tmp, SUDOERS)

    def _client_key(self) -> None:
        import asyncssh

        if not self.key.exists():
            k = asyncssh.generate_private_key("ssh-ed25519", comment="testbed-client")
            k.write_private_key(str(self.key))
            k.write_public_key(str(self.key) + ".pub")
            os.chmod(self.key, 0o600)
        shutil.copy(str(self.key) + ".pub", self.root / "authorized_keys")
        os.chmod(self.root / "authorized_keys", 0o644)

    def _host_key(self, name: str) -> None:
        import asyncssh

        d = self.host_dir(name)
        d.mkdir(parents=True, exist_ok=True)
        k = asyncssh.generate_private_key("ssh-ed25519", comment=f"testbed-{name}")
        k.write_private_key(str(d / "ssh_host_ed25519_key"))
        k.write_public_key(str(d / "ssh_host_ed25519_key.pub"))
        os.chmod(d / "ssh_host_ed25519_key", 0o600)

    def host_public_key(self, name: str) -> str:
        return " ".join((self.host_dir(name) / "ssh_host_ed25519_key.pub").read_text().split()[:2])

    def _make_netns(self) -> None:
        t = self.tag
        b = 4 * (self.port % SLOTS)  # the slot's private /22 of 198.18.0.0/15 for this bed
        net = [f"198.18.{b}", f"198.18.{b + 1}", f"198.18.{b + 2}"]
        ns = {"bastion": f"{t}-bastion", "internal": f"{t}-internal", "deep": f"{t}-deep"}
        for n in ns.values():
            _run("ip", "netns", "add", n)
            self.netns.append(n)
            self._save()
            _run("ip", "-n", n, "link", "set", "lo", "up")
            _run("ip", "netns", "exec", n, "sysctl", "-qw", "net.ipv4.ip_forward=0")

        def veth(a: str, b_: str, ns_a: str | None, ns_b: str, addr_a: str, addr_b: list[str], plen: int) -> None:
            if ns_a is None:
                _run("ip", "link", "add", a, "type", "veth", "peer", "name", b_, "netns", ns_b)
                _run("ip", "addr", "add", f"{addr_a}/{plen}", "dev", a)
                _run("ip", "link", "set", a, "up")
            else:
                _run("ip", "-n", ns_a, "link", "add", a, "type", "veth", "peer", "name", b_, "netns", ns_b)
                _run("ip", "-n", ns_a, "addr", "add", f"{addr_a}/{plen}", "dev", a)
                _run("ip", "-n", ns_a, "link", "set", a, "up")
            for ad in addr_b:
                _run("ip", "-n", ns_b, "addr", "add", f"{ad}/{plen}", "dev", b_)
            _run("ip", "-n", ns_b, "link", "set", b_, "up")

        veth(f"{t}a0", f"{t}a1", None, ns["bastion"], f"{net[0]}.1", [f"{net[0]}.2"], 30)
        veth(f"{t}b0", f"{t}b1", ns["bastion"], ns["internal"], f"{net[1]}.1", [f"{net[1]}.2", f"{net[1]}.3"], 29)
        veth(f"{t}c0", f"{t}c1", ns["internal"], ns["deep"], f"{net[2]}.1", [f"{net[2]}.2"], 30)
        p = self.port
        self.hosts["bastion"] = BedHost("bastion", f"{net[0]}.2", p, ns["bastion"], extra_config=[
            "AllowTcpForwarding yes", f"PermitOpen {net[1]}.2:{p} {net[1]}.3:{p}"])
        self.hosts["internal-1"] = BedHost("internal-1", f"{net[1]}.2", p, ns["internal"], extra_config=[
            "AllowTcpForwarding yes", f"PermitOpen {net[2]}.2:{p}"])
        self.hosts["internal-2"] = BedHost("internal-2", f"{net[1]}.3", p, ns["internal"])
        self.hosts["deep"] = BedHost("deep", f"{net[2]}.2", p, ns["deep"])

    def _write_sshd_config(self, h: BedHost) -> None:
        d = self.host_dir(h.name)
        lines = [
            f"# generated by tests/testbed.py for {h.name}",
            f"Port {h.port}", f"ListenAddress {h.address}", "AddressFamily inet",
            f"HostKey {d / 'ssh_host_ed25519_key'}", f"PidFile {d / 'sshd.pid'}",
            f"AuthorizedKeysFile {self.root / 'authorized_keys'}",
            "PubkeyAuthentication yes", "PasswordAuthentication no", "KbdInteractiveAuthentication no",
            "UsePAM no", "StrictModes no", "UseDNS no", "PrintMotd no", "PrintLastLog no",
            "X11Forwarding no", "MaxStartups 1000:30:2000", "MaxSessions 1000", "MaxAuthTries 10",
            "LoginGraceTime 30", "LogLevel INFO", "Subsystem sftp /usr/lib/openssh/sftp-server",
            *h.extra_config,
        ]
        if not h.extra_config:
            lines.append("AllowTcpForwarding no")
        (d / "sshd_config").write_text("\n".join(lines) + "\n")

    def _wait_listening(self, h: BedHost, timeout: float = 10.0) -> None:
        log = self.host_dir(h.name) / "sshd.log"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = log.read_bytes()[self._log_mark.get(h.name, 0):].decode(errors="replace") if log.exists() else ""
            if f"Server listening on {h.address} port {h.port}" in text:
                return
            if h.pid and not Path(f"/proc/{h.pid}").exists():
                break
            time.sleep(0.02)
        raise TestBedError(f"sshd for {h.name} did not start; see {log}:\n{log.read_text()[-800:] if log.exists() else ''}")

    def _write_client_files(self) -> None:
        kh = []
        for h in self.hosts.values():
            kh.append(f"[{h.address}]:{h.port} {self.host_public_key(h.name)}")
        self.known_hosts.write_text("\n".join(kh) + "\n")
        cfg = ["# generated by tests/testbed.py: ssh -F this-file h01"]
        for h in self.hosts.values():
            cfg += [f"Host {h.name}", f"  HostName {h.address}"]
            jumps = self.host_vars(h.name).get("ftl_jump_hosts")
            if jumps:
                cfg.append("  ProxyJump " + ",".join(jumps))
        cfg += ["Host *", f"  User {self.user}", f"  Port {self.port}", f"  IdentityFile {self.key}",
                "  IdentitiesOnly yes", "  IdentityAgent none", f"  UserKnownHostsFile {self.known_hosts}",
                "  GlobalKnownHostsFile /dev/null", "  StrictHostKeyChecking yes", "  CheckHostIP no",
                "  BatchMode yes", "  ConnectTimeout 5", "  LogLevel ERROR"]
        self.ssh_config.write_text("\n".join(cfg) + "\n")
        inv = ["# generated by tests/testbed.py", "all:", "  vars:",
               f"    ansible_ssh_common_args: '-o UserKnownHostsFile={self.known_hosts}'",
               "    ansible_python_interpreter: /usr/bin/python3", "  children:", "    testbed:", "      hosts:"]
        groups: dict[str, list[str]] = {"testbed": [], "jump": []}
        for h in self.hosts.values():
            groups["jump" if h.netns else "testbed"].append(h.name)
        for g in ("testbed", "jump"):
            if g != "testbed":
                if not groups[g]:
                    continue
                inv += [f"    {g}:", "      hosts:"]
            for name in groups[g]:
                v = self.host_vars(name)
                inv.append(f"        {name}: {json.dumps(v)}")
        self.inventory.write_text("\n".join(inv) + "\n")

    def _save(self) -> None:
        state = {"port": self.port, "tag": self.tag, "netns": self.netns, "jump": self.jump,
                 "hosts": {n: {"address": h.address, "port": h.port, "netns": h.netns, "pid": h.pid,
                               "extra_config": h.extra_config} for n, h in self.hosts.items()}}
        (self.root / "state.json").write_text(json.dumps(state, indent=1))

    def _load(self) -> dict[str, Any]:
        try:
            return json.loads((self.root / "state.json").read_text())
        except (OSError, ValueError):
            return {}

    @classmethod
    def attach(cls, root: str | os.PathLike[str]) -> TestBed:
        """Re-open a bed started by another process (``scripts/testbed down``)."""
        bed = cls(root)
        state = bed._load()
        bed.port = state.get("port", 0)
        bed.tag = state.get("tag", bed.tag)
        bed.netns = state.get("netns", [])
        bed.jump = state.get("jump", False)
        for n, h in state.get("hosts", {}).items():
            bed.hosts[n] = BedHost(n, h["address"], h["port"], h["netns"], h["pid"], h.get("extra_config", []))
        return bed
