"""snapshot: collect a host's state as typed resources with stable ids, for drift.

Stdlib only and Python 3.8-compatible: it runs in-process and inside the remote gate.
Each resource is ``{"type", "id", "fields"}``; ``(type, id)`` is stable across runs so
two snapshots can be matched resource by resource. Nothing here changes the host, so
check mode is the same as a normal run.

``root`` prefixes every path read (``/etc/passwd`` -> ``<root>/etc/passwd``) so tests can
point the collector at a temporary tree; ``service_states`` names a ``unit state`` file
used instead of systemd (hosts or containers without systemd, and tests).
"""

from __future__ import annotations

import glob
import grp
import hashlib
import os
import platform
import pwd
import re
import socket
import stat
import subprocess
from typing import Any, Dict, Iterable, List, Optional, Tuple

from ftltui.modules.base import Arg, ModuleContext, ModuleSpec

COLLECTOR_VERSION = "1"

SECTIONS = ("os", "packages", "services", "ports", "users", "groups", "sudoers", "cron", "mounts", "sysctl", "files")

DEFAULT_PATHS = (
    "/etc/ssh/sshd_config",
    "/etc/ssh/sshd_config.d/*",
    "/etc/sudoers",
    "/etc/sudoers.d/*",
    "/etc/passwd",
    "/etc/group",
    "/etc/hosts",
    "/etc/resolv.conf",
    "/etc/fstab",
    "/etc/crontab",
)

DEFAULT_SYSCTLS = (
    "net.ipv4.ip_forward",
    "net.ipv4.conf.all.rp_filter",
    "kernel.randomize_va_space",
)

SPEC = ModuleSpec(
    name="snapshot",
    summary="Collect the host's state (packages, services, ports, users, files ...) for drift",
    args={
        "sections": Arg(type="list", elements="str", default=list(SECTIONS), help="what to collect"),
        "paths": Arg(type="list", elements="str", default=list(DEFAULT_PATHS), help="watched files (globs)"),
        "sysctls": Arg(type="list", elements="str", default=list(DEFAULT_SYSCTLS), help="sysctl names"),
        "root": Arg(type="path", default="/", help="prefix for every path read (tests)"),
        "max_content": Arg(type="int", default=65536, help="keep text content of files up to this size"),
        "service_states": Arg(type="path", help="file of 'unit state' lines used instead of systemd"),
    },
)

Resource = Dict[str, Any]


def _res(rtype: str, rid: str, **fields: Any) -> Resource:
    return {"type": rtype, "id": rid, "fields": fields}


class _Collector:
    """One collection run: knows the root prefix and gathers per-section errors."""

    def __init__(self, params: Dict[str, Any], ctx: ModuleContext) -> None:
        self.root = params["root"] or "/"
        self.params = params
        self.ctx = ctx
        self.errors: List[str] = []

    def p(self, path: str) -> str:
        if self.root in ("", "/"):
            return path
        return os.path.join(self.root, path.lstrip("/"))

    def read(self, path: str) -> Optional[str]:
        try:
            with open(self.p(path), "r", encoding="utf-8", errors="replace") as fh:
                return fh.read()
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as exc:
            self.errors.append("%s: %s" % (path, exc.strerror))
            return None

    # -- sections ------------------------------------------------------------------
    def os_info(self) -> Iterable[Resource]:
        rel = {}
        text = self.read("/etc/os-release") or self.read("/usr/lib/os-release") or ""
        for line in text.splitlines():
            if "=" in line and not line.startswith("#"):
                k, v = line.split("=", 1)
                rel[k.strip()] = v.strip().strip('"')
        uname = platform.uname()
        yield _res(
            "os", "os",
            distribution=rel.get("ID", ""), version=rel.get("VERSION_ID", ""),
            pretty_name=rel.get("PRETTY_NAME", ""), kernel=uname.release,
            arch=uname.machine, system=uname.system,
        )

    def _cmd(self, argv: List[str]) -> Optional[str]:
        try:
            out = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        except (OSError, subprocess.TimeoutExpired) as exc:
            self.errors.append("%s: %s" % (argv[0], exc))
            return None
        if out.returncode != 0:
            self.errors.append("%s exited %d" % (argv[0], out.returncode))
            return None
        return out.stdout.decode("utf-8", "replace")

    def packages(self) -> Iterable[Resource]:
        if self.root not in ("", "/"):
            return  # package managers read the live system only
        if _which("dpkg-query"):
            out = self._cmd(["dpkg-query", "-W", "-f", "${binary:Package}\t${Version}\t${Architecture}\t${db:Status-Abbrev}\n"])
            for line in (out or "").splitlines():
                parts = line.split("\t")
                if len(parts) == 4 and parts[3].startswith("ii"):
                    yield _res("package", parts[0], version=parts[1], arch=parts[2], manager="dpkg")
        elif _which("rpm"):
            out = self._cmd(["rpm", "-qa", "--qf", "%{NAME}\t%{EPOCHNUM}:%{VERSION}-%{RELEASE}\t%{ARCH}\n"])
            for line in sorted((out or "").splitlines()):  # several kernels: a stable order
                parts = line.split("\t")
                if len(parts) == 3 and parts[0] != "gpg-pubkey":
                    ver = parts[1][2:] if parts[1].startswith("0:") else parts[1]
                    yield _res("package", parts[0], version=ver, arch=parts[2], manager="rpm")
        elif _which("apk"):
            out = self._cmd(["apk", "info", "-v"])
            for line in (out or "").splitlines():
                m = re.match(r"^(.+)-([^-]+-r\d+)$", line.strip())
                if m:
                    yield _res("package", m.group(1), version=m.group(2), arch="", manager="apk")

    def services(self) -> Iterable[Resource]:
        states = self.params.get("service_states")
        if states:
            for line in (self.read(states) or "").splitlines():
                parts = line.split()
                if len(parts) >= 2 and not parts[0].startswith("#"):
                    yield _res("service", parts[0], active=parts[1], sub=parts[2] if len(parts) > 2 else parts[1])
            return
        if self.root not in ("", "/") or not _which("systemctl"):
            return
        # unit files (enabled/disabled/masked) are read from disk: this works even where
        # systemd is not running (containers); live states need a running systemd
        enabled = {}  # type: Dict[str, str]
        out = self._cmd(["systemctl", "list-unit-files", "--type=service", "--no-legend", "--plain", "--no-pager"])
        for line in (out or "").splitlines():
            parts = line.split()
            if len(parts) >= 2 and parts[0].endswith(".service") and "@." not in parts[0]:
                enabled[parts[0]] = parts[1]
        live = {}  # type: Dict[str, Dict[str, str]]
        if os.path.isdir("/run/systemd/system"):
            out = self._cmd(["systemctl", "list-units", "--type=service", "--all", "--no-legend", "--plain", "--no-pager"])
            for line in (out or "").splitlines():
                parts = line.split(None, 4)
                if len(parts) >= 4 and parts[0].endswith(".service"):
                    live[parts[0]] = {"load": parts[1], "active": parts[2], "sub": parts[3]}
        for name in sorted(set(enabled) | set(live)):
            fields = dict(live.get(name, {}))
            if name in enabled:
                fields["enabled"] = enabled[name]
            yield _res("service", name, **fields)

    def ports(self) -> Iterable[Resource]:
        owners = self._socket_owners()
        for proto, fname in (("tcp", "tcp"), ("tcp", "tcp6"), ("udp", "udp"), ("udp", "udp6")):
            text = self.read("/proc/net/" + fname)
            seen = set()  # type: set
            for line in (text or "").splitlines()[1:]:
                cols = line.split()
                if len(cols) < 10:
                    continue
                listening = cols[3] == "0A" if proto == "tcp" else cols[3] == "07" and cols[2].endswith(":0000")
                if not listening:
                    continue
                addr, port = _decode_addr(cols[1])
                rid = "%s/%s:%d" % (proto, addr, port)
                if rid in seen:
                    continue
                seen.add(rid)
                yield _res("port", rid, proto=proto, address=addr, port=port, process=owners.get(cols[9], ""))

    def _socket_owners(self) -> Dict[str, str]:
        """Socket inode -> process name, from /proc/<pid>/fd links (what ss -p does)."""
        owners = {}  # type: Dict[str, str]
        proc = self.p("/proc")
        try:
            pids = [d for d in os.listdir(proc) if d.isdigit()]
        except OSError:
            return owners
        for pid in pids:
            fd_dir = os.path.join(proc, pid, "fd")
            try:
                fds = os.listdir(fd_dir)
            except OSError:
                continue
            name = None
            for fd in fds:
                try:
                    target = os.readlink(os.path.join(fd_dir, fd))
                except OSError:
                    continue
                if target.startswith("socket:["):
                    if name is None:
                        try:
                            with open(os.path.join(proc, pid, "comm")) as fh:
                                name = fh.read().strip()
                        except OSError:
                            name = "?"
                    owners.setdefault(target[8:-1], name)
        return owners

    def users(self) -> Iterable[Resource]:
        for line in (self.read("/etc/passwd") or "").splitlines():
            f = line.split(":")
            if len(f) >= 7 and not line.startswith("#"):
                yield _res("user", f[0], uid=_int(f[2]), gid=_int(f[3]), gecos=f[4], home=f[5], shell=f[6])

    def groups(self) -> Iterable[Resource]:
        for line in (self.read("/etc/group") or "").splitlines():
            f = line.split(":")
            if len(f) >= 4 and not line.startswith("#"):
                members = sorted(m for m in f[3].split(",") if m)
                yield _res("group", f[0], gid=_int(f[2]), members=members)

    def sudoers(self) -> Iterable[Resource]:
        files = ["/etc/sudoers"] + self._glob("/etc/sudoers.d/*")
        for path in files:
            for entry in _logical_lines(self.read(path) or ""):
                if entry.startswith(("#include", "@include", "#includedir", "@includedir")) or not entry.startswith("#"):
                    yield _res("sudoers", "%s:%s" % (path, entry), file=path, entry=entry)

    def cron(self) -> Iterable[Resource]:
        system = ["/etc/crontab"] + self._glob("/etc/cron.d/*")
        spools = self._glob("/var/spool/cron/crontabs/*") + self._glob("/var/spool/cron/*")
        for path in system + spools:
            if os.path.isdir(self.p(path)):
                continue
            owner = None if path in system else os.path.basename(path)
            for entry in _logical_lines(self.read(path) or ""):
                if entry.startswith("#") or re.match(r"^[A-Za-z_][A-Za-z0-9_]*\s*=", entry):
                    continue
                yield _res("cron", "%s:%s" % (path, entry), file=path, user=owner or _cron_user(entry), entry=entry)

    def mounts(self) -> Iterable[Resource]:
        for line in (self.read("/proc/mounts") or "").splitlines():
            f = line.split()
            if len(f) >= 4:
                point = f[1].replace("\\040", " ")
                yield _res("mount", point, device=f[0], fstype=f[2], options=f[3])

    def sysctl(self) -> Iterable[Resource]:
        for name in self.params["sysctls"] or []:
            value = self.read("/proc/sys/" + name.replace(".", "/"))
            if value is not None:
                yield _res("sysctl", name, value=" ".join(value.split()))

    def files(self) -> Iterable[Resource]:
        limit = self.params["max_content"]
        seen = set()  # type: set
        for pattern in self.params["paths"] or []:
            for path in self._glob(pattern) if _is_glob(pattern) else [pattern]:
                if path in seen:
                    continue
                seen.add(path)
                res = self._file(path, limit)
                if res is not None:
                    yield res

    def _file(self, path: str, limit: int) -> Optional[Resource]:
        real = self.p(path)
        try:
            st = os.lstat(real)
        except FileNotFoundError:
            return None
        except OSError as exc:
            self.errors.append("%s: %s" % (path, exc.strerror))
            return None
        fields = {"mode": "%04o" % stat.S_IMODE(st.st_mode), "owner": _uname(st.st_uid), "group": _gname(st.st_gid)}  # type: Dict[str, Any]
        if stat.S_ISLNK(st.st_mode):
            fields.update(kind="link", target=os.readlink(real))
        elif stat.S_ISDIR(st.st_mode):
            fields.update(kind="directory")
        else:
            try:
                with open(real, "rb") as fh:
                    data = fh.read()
            except OSError as exc:
                self.errors.append("%s: %s" % (path, exc.strerror))
                return None
            fields.update(kind="file", size=len(data), sha256=hashlib.sha256(data).hexdigest())
            if len(data) <= limit and b"\0" not in data:
                try:
                    fields["content"] = data.decode("utf-8")
                except UnicodeDecodeError:
                    pass
        return _res("file", path, **fields)

    def _glob(self, pattern: str) -> List[str]:
        prefix = self.p("/")
        out = []
        for match in sorted(glob.glob(self.p(pattern))):
            out.append("/" + match[len(prefix):].lstrip("/") if self.root not in ("", "/") else match)
        return out


def _which(name: str) -> bool:
    for d in os.environ.get("PATH", "/usr/bin:/bin:/usr/sbin:/sbin").split(os.pathsep):
        if os.access(os.path.join(d, name), os.X_OK):
            return True
    return False


def _is_glob(s: str) -> bool:
    return any(c in s for c in "*?[")


def _int(s: str) -> Any:
    try:
        return int(s)
    except ValueError:
        return s


def _uname(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def _gname(gid: int) -> str:
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


def _logical_lines(text: str) -> List[str]:
    """Non-blank lines with backslash continuations joined and whitespace normalised."""
    out = []  # type: List[str]
    buf = ""
    for raw in text.splitlines():
        line = raw.rstrip()
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        line = " ".join((buf + line).split())
        buf = ""
        if line:
            out.append(line)
    return out


def _cron_user(entry: str) -> str:
    parts = entry.split()
    if entry.startswith("@"):
        return parts[1] if len(parts) > 1 else ""
    return parts[5] if len(parts) > 5 else ""


def _decode_addr(hexaddr: str) -> Tuple[str, int]:
    """``0100007F:0016`` (little-endian words, as /proc/net prints them) -> ('127.0.0.1', 22)."""
    host, port = hexaddr.split(":")
    raw = bytes.fromhex(host)
    if len(raw) == 4:
        addr = socket.inet_ntop(socket.AF_INET, raw[::-1])
    else:
        words = b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4))
        addr = socket.inet_ntop(socket.AF_INET6, words)
    return addr, int(port, 16)


def _unique_ids(resources: List[Resource]) -> None:
    """Stacked mounts, several installed kernels: later duplicates get ``#2``, ``#3``."""
    seen = {}  # type: Dict[Tuple[str, str], int]
    for r in resources:
        key = (r["type"], r["id"])
        n = seen.get(key, 0) + 1
        seen[key] = n
        if n > 1:
            r["id"] = "%s#%d" % (r["id"], n)


_SECTION_FUNCS = {
    "os": "os_info", "packages": "packages", "services": "services", "ports": "ports",
    "users": "users", "groups": "groups", "sudoers": "sudoers", "cron": "cron",
    "mounts": "mounts", "sysctl": "sysctl", "files": "files",
}


def run(params: Dict[str, Any], ctx: ModuleContext) -> Dict[str, Any]:
    col = _Collector(params, ctx)
    resources = []  # type: List[Resource]
    for section in params["sections"] or []:
        if section not in _SECTION_FUNCS:
            col.errors.append("unknown section %r (known: %s)" % (section, ", ".join(SECTIONS)))
            continue
        if ctx.cancelled():
            break
        try:
            resources.extend(getattr(col, _SECTION_FUNCS[section])())
        except Exception as exc:  # one broken section must not lose the others
            col.errors.append("%s: %s: %s" % (section, type(exc).__name__, exc))
    _unique_ids(resources)
    return {
        "changed": False,
        "collector_version": COLLECTOR_VERSION,
        "sections": list(params["sections"] or []),
        "resources": resources,
        "errors": col.errors,
    }
