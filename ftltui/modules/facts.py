"""facts (alias setup): what a host is, under Ansible's ``ansible_*`` fact names.

Read from /etc/os-release, /proc and /sys (plus ``ip -j addr`` when present), so it
works on any Linux with Python 3.8 and nothing else. Never changes anything.
"""

from __future__ import annotations

import datetime
import fnmatch
import getpass
import os
import platform
import pwd
import socket
import sys
import time
TYPE_CHECKING = False  # typing costs ~6 ms at every gate start: annotations only
if TYPE_CHECKING:
    from typing import Any, Dict, List

from ftltui.modules import _netfacts
from ftltui.modules.base import Arg, ModuleContext, ModuleSpec

SPEC = ModuleSpec(
    name="facts",
    summary="Gather facts about the host (OS, kernel, CPU, memory, mounts, network, Python)",
    args={
        "gather_subset": Arg(type="list", elements="str", default=["all"]),
        "filter": Arg(type="list", elements="str", default=[], help="fnmatch patterns of fact names to keep"),
        "gather_timeout": Arg(type="int", default=10),
    },
    aliases=("setup", "gather_facts"),
)

_FAMILY = {
    "debian": "Debian", "ubuntu": "Debian", "linuxmint": "Debian", "raspbian": "Debian",
    "rhel": "RedHat", "centos": "RedHat", "fedora": "RedHat", "rocky": "RedHat", "almalinux": "RedHat",
    "ol": "RedHat", "amzn": "RedHat", "alpine": "Alpine", "arch": "Archlinux", "opensuse": "Suse",
    "sles": "Suse", "opensuse-leap": "Suse", "opensuse-tumbleweed": "Suse", "gentoo": "Gentoo",
}
_NAMES = {"rhel": "RedHat", "centos": "CentOS", "ol": "OracleLinux", "amzn": "Amazon",
          "opensuse-leap": "openSUSE Leap", "sles": "SLES", "almalinux": "AlmaLinux", "arch": "Archlinux"}


def _read(path: str, default: str = "") -> str:
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return default


def os_release(path: str = "/etc/os-release") -> Dict[str, str]:
    out: Dict[str, str] = {}
    for line in _read(path).splitlines():
        if "=" in line and not line.startswith("#"):
            k, v = line.split("=", 1)
            out[k.strip()] = v.strip().strip('"').strip("'")
    return out


def distribution_facts() -> Dict[str, Any]:
    rel = os_release()
    ident = rel.get("ID", "").lower()
    version = rel.get("VERSION_ID", "")
    if ident == "debian" and os.path.exists("/etc/debian_version"):
        version = _read("/etc/debian_version").strip() or version
    name = _NAMES.get(ident, ident.capitalize() if ident else platform.system())
    like = rel.get("ID_LIKE", "").split()
    family = _FAMILY.get(ident) or next((_FAMILY[x] for x in like if x in _FAMILY), name)
    return {
        "distribution": name,
        "distribution_version": version,
        "distribution_major_version": version.split(".")[0] if version else "",
        "distribution_release": rel.get("VERSION_CODENAME", ""),
        "distribution_file_variety": family,
        "os_family": family,
    }


def platform_facts() -> Dict[str, Any]:
    uname = os.uname()
    fqdn = socket.getfqdn()
    short = uname.nodename.split(".")[0]
    return {
        "system": uname.sysname, "kernel": uname.release, "kernel_version": uname.version,
        "machine": uname.machine, "architecture": uname.machine, "nodename": uname.nodename,
        "hostname": short, "fqdn": fqdn, "domain": fqdn.split(".", 1)[1] if "." in fqdn else "",
        "userspace_bits": "64" if sys.maxsize > 2 ** 32 else "32",
        "service_mgr": _read("/proc/1/comm").strip() or "unknown",
        "pkg_mgr": _pkg_mgr(),
    }


def _pkg_mgr() -> str:
    for name in ("apt", "dnf", "yum", "apk", "zypper", "pacman"):
        for d in ("/usr/bin", "/bin", "/usr/sbin", "/sbin"):
            if os.path.exists(os.path.join(d, name)):
                return name
    return "unknown"


def cpu_facts() -> Dict[str, Any]:
    processors: List[str] = []
    physical = set()
    cores_per = 1
    for block in _read("/proc/cpuinfo").split("\n\n"):
        fields = {}
        for line in block.splitlines():
            if ":" in line:
                k, v = line.split(":", 1)
                fields[k.strip()] = v.strip()
        if "processor" not in fields:
            continue
        processors += [fields["processor"], fields.get("vendor_id", ""), fields.get("model name", "")]
        physical.add(fields.get("physical id", "0"))
        cores_per = int(fields.get("cpu cores", cores_per) or 1)
    vcpus = os.cpu_count() or 1
    sockets = max(len(physical), 1)
    return {
        "processor": processors, "processor_count": sockets, "processor_cores": cores_per,
        "processor_vcpus": vcpus, "processor_nproc": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else vcpus,
        "processor_threads_per_core": max(vcpus // max(sockets * cores_per, 1), 1),
    }


def memory_facts() -> Dict[str, Any]:
    kb: Dict[str, int] = {}
    for line in _read("/proc/meminfo").splitlines():
        parts = line.replace(":", " ").split()
        if len(parts) >= 2 and parts[1].isdigit():
            kb[parts[0]] = int(parts[1])
    mb = {k: v // 1024 for k, v in kb.items()}
    total, free = mb.get("MemTotal", 0), mb.get("MemFree", 0)
    stotal, sfree = mb.get("SwapTotal", 0), mb.get("SwapFree", 0)
    nocache_free = free + mb.get("Buffers", 0) + mb.get("Cached", 0)
    return {
        "memtotal_mb": total, "memfree_mb": free, "swaptotal_mb": stotal, "swapfree_mb": sfree,
        "memory_mb": {
            "real": {"total": total, "free": free, "used": total - free},
            "nocache": {"free": nocache_free, "used": total - nocache_free},
            "swap": {"total": stotal, "free": sfree, "used": stotal - sfree, "cached": mb.get("SwapCached", 0)},
        },
    }


def mount_facts() -> Dict[str, Any]:
    mounts = []
    skip = {"proc", "sysfs", "devpts", "cgroup", "cgroup2", "mqueue", "securityfs", "debugfs",
            "tracefs", "pstore", "bpf", "autofs", "configfs", "fusectl", "hugetlbfs", "binfmt_misc", "nsfs"}
    for line in _read("/proc/mounts").splitlines():
        parts = line.split()
        if len(parts) < 4 or parts[2] in skip:
            continue
        device, mount, fstype, options = parts[0], parts[1].replace("\\040", " "), parts[2], parts[3]
        entry: Dict[str, Any] = {"device": device, "mount": mount, "fstype": fstype, "options": options}
        try:
            sv = os.statvfs(mount)
            entry.update(size_total=sv.f_frsize * sv.f_blocks, size_available=sv.f_frsize * sv.f_bavail,
                         block_size=sv.f_bsize, block_total=sv.f_blocks, block_available=sv.f_bavail,
                         block_used=sv.f_blocks - sv.f_bfree, inode_total=sv.f_files,
                         inode_available=sv.f_favail, inode_used=sv.f_files - sv.f_ffree)
        except OSError:
            pass
        mounts.append(entry)
    return {"mounts": mounts}


def python_facts() -> Dict[str, Any]:
    v = sys.version_info
    return {
        "python": {
            "version": {"major": v.major, "minor": v.minor, "micro": v.micro,
                        "releaselevel": v.releaselevel, "serial": v.serial},
            "version_info": [v.major, v.minor, v.micro, v.releaselevel, v.serial],
            "executable": sys.executable, "type": platform.python_implementation(),
            "has_sslcontext": True,
        },
        "python_version": platform.python_version(),
    }


def user_facts() -> Dict[str, Any]:
    uid = os.getuid()
    try:
        pw = pwd.getpwuid(uid)
        name, home, shell, gecos, gid = pw.pw_name, pw.pw_dir, pw.pw_shell, pw.pw_gecos, pw.pw_gid
    except KeyError:
        name, home, shell, gecos, gid = getpass.getuser(), os.path.expanduser("~"), "", "", os.getgid()
    return {"user_id": name, "user_uid": uid, "user_gid": gid, "user_dir": home, "user_shell": shell,
            "user_gecos": gecos, "real_user_id": uid, "effective_user_id": os.geteuid(),
            "real_group_id": os.getgid(), "effective_group_id": os.getegid()}


def date_time_facts() -> Dict[str, Any]:
    now = datetime.datetime.now()
    utc = datetime.datetime.now(datetime.timezone.utc)
    epoch = int(time.time())
    return {"date_time": {
        "year": now.strftime("%Y"), "month": now.strftime("%m"), "weekday": now.strftime("%A"),
        "weekday_number": now.strftime("%w"), "weeknumber": now.strftime("%W"), "day": now.strftime("%d"),
        "hour": now.strftime("%H"), "minute": now.strftime("%M"), "second": now.strftime("%S"),
        "epoch": str(epoch), "epoch_int": str(epoch), "date": now.strftime("%Y-%m-%d"),
        "time": now.strftime("%H:%M:%S"), "iso8601_micro": utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "iso8601": utc.strftime("%Y-%m-%dT%H:%M:%SZ"), "iso8601_basic": now.strftime("%Y%m%dT%H%M%S%f"),
        "iso8601_basic_short": now.strftime("%Y%m%dT%H%M%S"), "tz": time.strftime("%Z"),
        "tz_dst": time.tzname[1], "tz_offset": time.strftime("%z"),
    }}


_ENV_KEEP = ("HOME", "LANG", "LC_ALL", "LOGNAME", "PATH", "PWD", "SHELL", "SHLVL", "TERM", "TZ", "USER", "XDG_RUNTIME_DIR")


def misc_facts() -> Dict[str, Any]:
    uptime = _read("/proc/uptime").split()
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return {
        "env": {k: os.environ[k] for k in _ENV_KEEP if k in os.environ},
        "uptime_seconds": int(float(uptime[0])) if uptime else 0,
        "loadavg": {"1m": load[0], "5m": load[1], "15m": load[2]},
        "virtualization_type": "container" if os.path.exists("/.dockerenv") or os.path.exists("/run/.containerenv") else "",
    }


def gather() -> Dict[str, Any]:
    """Every fact, keyed without the ``ansible_`` prefix."""
    facts: Dict[str, Any] = {}
    for part in (distribution_facts, platform_facts, cpu_facts, memory_facts, mount_facts,
                 python_facts, user_facts, date_time_facts, misc_facts, _netfacts.network_facts):
        facts.update(part())
    return facts


def run(params: Dict[str, Any], ctx: ModuleContext) -> Dict[str, Any]:
    facts = {"ansible_" + k: v for k, v in gather().items()}
    if ctx.environment:  # the task's environment keyword is this module's environment, as under Ansible
        env = dict(facts.get("ansible_env") or {})
        env.update(ctx.environment)
        facts["ansible_env"] = env
    facts["gather_subset"] = list(params["gather_subset"])
    facts["module_setup"] = True
    return {"ansible_facts": filtered(facts, params["filter"]), "changed": False}


def filtered(facts: dict[str, Any], patterns: list[str]) -> dict[str, Any]:
    """The facts ``filter`` keeps, as Ansible's setup: ``gather_subset`` and ``module_setup``
    are facts like the others (``filter=ansible_hostname`` drops them); a pattern not
    starting with ``ansible_`` (``facter``, ``ohai``) also matches with that prefix added."""
    if not patterns or patterns == ["*"]:
        return facts
    tries = [(p, None if p.startswith(("ansible_", "facter", "ohai")) else "ansible_" + p) for p in patterns]
    return {k: v for k, v in facts.items()
            if any(fnmatch.fnmatch(k, p) or (q is not None and fnmatch.fnmatch(k, q)) for p, q in tries)}
