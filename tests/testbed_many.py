"""A test bed of up to thousands of hosts: several ``sshd``, each listening on up to 16 addresses.

``tests/testbed.py`` starts one sshd per host, on 127.0.0.11.., which stops at 240 hosts
and costs one sshd (~6 MB) per host. OpenSSH accepts at most 16 listening sockets per
sshd (``MAX_LISTEN_SOCKS``), so ``ManyTestBed`` runs ``ceil(n / 16)`` sshd processes and
gives each host its own loopback address (``127.1.x.y``, every one routed to ``lo`` by
Linux) on the bed's claimed port: 1,000 distinct endpoints from 63 sshd. Host names,
the inventory, ``known_hosts`` and ``ssh_config`` are the same shape as the one-sshd-per-host
bed's (``h01``, ``h02``, ... ``h1000``), so every user of ``TestBed`` can take this one.

What a bed this size needs from the machine is set by the bed, not by hand
(``raise_limits``): the open-file limit of this process (inherited by the sshd it starts
and by a controller it runs), the kernel's accept and SYN backlogs, and the local port
range for 1,000+ outgoing connections. Raising a kernel setting never lowers it.

``kill(name)`` stops the sshd that serves ``name``, so every host on it goes down at once
(the fault tests that need one host down use ``TestBed``).
"""

from __future__ import annotations

import os
import resource
import subprocess
from pathlib import Path

from testbed import SSHD, BedHost, TestBed, TestBedError, _allocation_lock

PER_SSHD = 16  # OpenSSH's MAX_LISTEN_SOCKS: ListenAddress x Port sockets per sshd
MAX_HOSTS = 250 * 200  # 127.1.0.2 .. 127.200.x: far beyond what one machine can serve

# kernel settings a bed of n hosts needs: (path, value for n hosts); raised, never lowered
_SYSCTLS = {
    "net/core/somaxconn": lambda n: max(4096, 2 * n),
    "net/ipv4/tcp_max_syn_backlog": lambda n: max(4096, 2 * n),
    "fs/file-max": lambda n: 200 * n + 100_000,
    "kernel/pid_max": lambda n: 8 * n + 20_000,  # per host: sshd [priv], session, gate, module
}


def raise_limits(n_hosts: int) -> dict[str, str]:
    """Make room for ``n_hosts`` connections here; returns what was changed (for the report).

    RLIMIT_NOFILE's soft limit goes up to the hard limit (a controller holds ~3 fds per host:
    socket, and per-channel pipes in some paths); kernel settings only ever go up.
    """
    changed: dict[str, str] = {}
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = max(soft, min(hard, 8 * n_hosts + 4096)) if hard != resource.RLIM_INFINITY else 8 * n_hosts + 4096
    if want > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
        changed["RLIMIT_NOFILE"] = f"{soft} -> {want}"
    if os.geteuid() != 0:
        return changed
    for key, need in _SYSCTLS.items():
        p = Path("/proc/sys") / key
        try:
            have = int(p.read_text().split()[0])
            if have < need(n_hosts):
                p.write_text(str(need(n_hosts)))
                changed[key.replace("/", ".")] = f"{have} -> {need(n_hosts)}"
        except (OSError, ValueError):
            pass  # a container without writable /proc/sys: the defaults usually suffice
    rng = Path("/proc/sys/net/ipv4/ip_local_port_range")
    try:
        lo, hi = (int(x) for x in rng.read_text().split())
        if hi - lo < 4 * n_hosts + 1000:
            rng.write_text(f"10240 {max(hi, 65000)}")
            changed["net.ipv4.ip_local_port_range"] = f"{lo} {hi} -> 10240 {max(hi, 65000)}"
    except (OSError, ValueError):
        pass
    return changed


def host_address(i: int) -> str:
    """The loopback address of host ``i`` (1-based): 127.1.0.2, 127.1.0.3, ... 250 per /24."""
    k = i - 1
    return f"127.{1 + k // (250 * 256)}.{(k // 250) % 256}.{k % 250 + 2}"


class ManyTestBed(TestBed):
    """``n`` hosts over ``ceil(n / per_sshd)`` sshd processes (no jump hosts)."""

    __test__ = False

    def __init__(self, root: str | os.PathLike[str] | None = None, *, per_sshd: int = PER_SSHD) -> None:
        super().__init__(root)
        if not 1 <= per_sshd <= PER_SSHD:
            raise TestBedError(f"per_sshd must be between 1 and {PER_SSHD}")
        self.per_sshd = per_sshd
        self.sshds: dict[str, list[str]] = {}  # sshd name (s000, ...) -> its hosts
        self.limits: dict[str, str] = {}
        self._keys: dict[str, str] = {}  # host -> its sshd's public key, filled at start-up

    def sshd_of(self, name: str) -> str:
        return next(s for s, hs in self.sshds.items() if name in hs)

    def sshd_dir(self, sshd: str) -> Path:
        return self.root / "sshd" / sshd

    def up(self, n_hosts: int, jump: bool = False, *, port: int | None = None) -> ManyTestBed:
        if jump:
            raise TestBedError("ManyTestBed has no jump hosts: use TestBed for the netns topology")
        if os.geteuid() != 0:
            raise TestBedError("the test bed needs root (useradd, sshd)")
        if not Path(SSHD).exists():
            raise TestBedError(f"{SSHD} missing: apt-get install openssh-server")
        if not 1 <= n_hosts <= MAX_HOSTS:
            raise TestBedError(f"n_hosts must be between 1 and {MAX_HOSTS}")
        self.limits = raise_limits(n_hosts)
        with _allocation_lock():
            try:
                self._up_many(n_hosts, port)
            except BaseException:
                self.down()
                raise
        return self

    def _up_many(self, n_hosts: int, port: int | None) -> None:
        self._prepare(port)
        names = [f"h{i:02d}" for i in range(1, n_hosts + 1)]
        for i, name in enumerate(names, 1):
            self.hosts[name] = BedHost(name, host_address(i), self.port)
        for k in range(0, n_hosts, self.per_sshd):
            self.sshds[f"s{k // self.per_sshd:03d}"] = names[k:k + self.per_sshd]
        self._save()
        for s in self.sshds:
            self._start_sshd(s)
        self._save()
        for s in self.sshds:
            self._wait_sshd(s)
        self._write_client_files()

    # -- one sshd for many hosts --------------------------------------------------------
    def _start_sshd(self, s: str) -> int:
        import asyncssh

        d = self.sshd_dir(s)
        d.mkdir(parents=True, exist_ok=True)
        keyf = d / "ssh_host_ed25519_key"
        if not keyf.exists():
            k = asyncssh.generate_private_key("ssh-ed25519", comment=f"testbed-{s}")
            k.write_private_key(str(keyf))
            k.write_public_key(str(keyf) + ".pub")
            os.chmod(keyf, 0o600)
        hosts = [self.hosts[n] for n in self.sshds[s]]
        lines = [
            f"# generated by tests/testbed_many.py for {s}: {', '.join(self.sshds[s])}",
            f"Port {self.port}", *(f"ListenAddress {h.address}" for h in hosts), "AddressFamily inet",
            f"HostKey {keyf}", f"PidFile {d / 'sshd.pid'}",
            f"AuthorizedKeysFile {self.root / 'authorized_keys'}",
            "PubkeyAuthentication yes", "PasswordAuthentication no", "KbdInteractiveAuthentication no",
            "UsePAM no", "StrictModes no", "UseDNS no", "PrintMotd no", "PrintLastLog no",
            "X11Forwarding no", "AllowTcpForwarding no",
            # every host of this sshd may be connecting at once, each with a burst of sessions; a
            # client opening 1,000 connections at once on a loaded machine needs minutes to
            # finish them all (the floor did: at 60 s sshd dropped hundreds unauthenticated)
            "MaxStartups 4000:90:8000", "MaxSessions 1000", "MaxAuthTries 10",
            "LoginGraceTime 600", "LogLevel INFO", "Subsystem sftp /usr/lib/openssh/sftp-server",
        ]
        (d / "sshd_config").write_text("\n".join(lines) + "\n")
        log = open(d / "sshd.log", "ab")
        self._log_mark[s] = (d / "sshd.log").stat().st_size
        # -e: the log goes to stderr (the file), where _wait_sshd looks for "Server listening"
        proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(d / "sshd_config")],
                                stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
        log.close()
        for h in hosts:
            h.pid = proc.pid
        return proc.pid

    def _wait_sshd(self, s: str, timeout: float = 20.0) -> None:
        import time

        log = self.sshd_dir(s) / "sshd.log"
        hosts = [self.hosts[n] for n in self.sshds[s]]
        pid = hosts[0].pid
        want = {f"Server listening on {h.address} port {h.port}" for h in hosts}
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = log.read_bytes()[self._log_mark.get(s, 0):].decode(errors="replace")
            if all(w in text for w in want):
                return
            if not Path(f"/proc/{pid}").exists():
                break
            time.sleep(0.02)
        raise TestBedError(f"sshd {s} did not start; see {log}:\n{log.read_text()[-800:]}")

    def host_public_key(self, name: str) -> str:
        if name in self._keys:
            return self._keys[name]
        keyf = self.sshd_dir(self.sshd_of(name)) / "ssh_host_ed25519_key.pub"
        return " ".join(keyf.read_text().split()[:2])

    def start(self, name: str, *, wait: bool = True) -> int:
        """(Re)start the sshd serving ``name`` (and so every host on it)."""
        s = self.sshd_of(name)
        pid = self._start_sshd(s)
        if wait:
            self._save()
            self._wait_sshd(s)
        return pid

    def _write_client_files(self) -> None:
        """TestBed's writer (known_hosts, ssh_config, inventory), each key file read once per sshd."""
        keys = {s: " ".join((self.sshd_dir(s) / "ssh_host_ed25519_key.pub").read_text().split()[:2])
                for s in self.sshds}
        self._keys = {n: keys[s] for s, hs in self.sshds.items() for n in hs}
        super()._write_client_files()

    def _save(self) -> None:
        super()._save()
        import json

        p = self.root / "state.json"
        state = json.loads(p.read_text())
        state["sshds"] = self.sshds
        p.write_text(json.dumps(state, indent=1))

    @classmethod
    def attach(cls, root: str | os.PathLike[str]) -> ManyTestBed:
        base = TestBed.attach(root)
        bed = cls(root)
        bed.port, bed.tag, bed.netns, bed.jump, bed.hosts = base.port, base.tag, base.netns, base.jump, base.hosts
        bed.sshds = bed._load().get("sshds", {})
        return bed
