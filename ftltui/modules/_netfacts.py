"""Network facts for ``facts``: interfaces from /sys/class/net, addresses from ``ip -j``.

Falls back to /proc/net/if_inet6 and an ioctl for IPv4 when ``ip`` is missing (small
images, old hosts). Ansible's shapes: ``ansible_<iface>`` dicts, ``all_ipv4_addresses``.
"""

from __future__ import annotations

import ipaddress
import json
import os
import socket
import struct
import subprocess
TYPE_CHECKING = False  # typing costs ~6 ms at every gate start: annotations only
if TYPE_CHECKING:
    from typing import Any, Dict, List, Optional

SYS_NET = "/sys/class/net"


def _sys(iface: str, name: str) -> str:
    try:
        with open(os.path.join(SYS_NET, iface, name)) as f:
            return f.read().strip()
    except OSError:
        return ""


def _ip_json() -> Optional[List[Dict[str, Any]]]:
    for exe in ("/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"):
        if os.path.exists(exe):
            try:
                out = subprocess.run([exe, "-j", "addr"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     timeout=5, check=True).stdout
                return json.loads(out.decode() or "[]")
            except (OSError, subprocess.SubprocessError, ValueError):
                return None
    return None


def _ipv4_ioctl(iface: str) -> List[Dict[str, Any]]:
    try:
        import fcntl
    except ImportError:
        return []
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        req = struct.pack("256s", iface.encode()[:15])
        addr = socket.inet_ntoa(fcntl.ioctl(s.fileno(), 0x8915, req)[20:24])  # SIOCGIFADDR
        mask = socket.inet_ntoa(fcntl.ioctl(s.fileno(), 0x891B, req)[20:24])  # SIOCGIFNETMASK
    except OSError:
        return []
    finally:
        s.close()
    return [{"family": "inet", "local": addr, "prefixlen": ipaddress.IPv4Network("0.0.0.0/" + mask).prefixlen}]


def _ipv6_proc() -> Dict[str, List[Dict[str, Any]]]:
    out: Dict[str, List[Dict[str, Any]]] = {}
    try:
        with open("/proc/net/if_inet6") as f:
            for line in f:
                p = line.split()
                if len(p) >= 6:
                    addr = str(ipaddress.IPv6Address(bytes.fromhex(p[0])))
                    scope = {"00": "global", "20": "link", "10": "host"}.get(p[3], p[3])
                    out.setdefault(p[5], []).append({"family": "inet6", "local": addr,
                                                     "prefixlen": int(p[2], 16), "scope": scope})
    except OSError:
        pass
    return out


def _default_v4_iface() -> Optional[str]:
    try:
        with open("/proc/net/route") as f:
            for line in f.readlines()[1:]:
                p = line.split()
                if len(p) > 2 and p[1] == "00000000":
                    return p[0]
    except OSError:
        pass
    return None


def _iface_fact(name: str, addrs: List[Dict[str, Any]]) -> Dict[str, Any]:
    fact: Dict[str, Any] = {
        "device": name, "active": _sys(name, "operstate") in ("up", "unknown") or name == "lo",
        "mtu": int(_sys(name, "mtu") or 0), "macaddress": _sys(name, "address"),
        "type": "loopback" if name == "lo" else ("bridge" if os.path.isdir(os.path.join(SYS_NET, name, "bridge")) else "ether"),
    }
    v4 = [a for a in addrs if a.get("family") == "inet"]
    v6 = [a for a in addrs if a.get("family") == "inet6"]
    if v4:
        fact["ipv4"] = _v4(v4[0])
        if len(v4) > 1:
            fact["ipv4_secondaries"] = [_v4(a) for a in v4[1:]]
    if v6:
        fact["ipv6"] = [{"address": a["local"], "prefix": str(a["prefixlen"]), "scope": a.get("scope", "")} for a in v6]
    return fact


def _v4(a: Dict[str, Any]) -> Dict[str, Any]:
    net = ipaddress.IPv4Interface("%s/%s" % (a["local"], a["prefixlen"])).network
    return {"address": a["local"], "netmask": str(net.netmask), "network": str(net.network_address),
            "prefix": str(a["prefixlen"]), "broadcast": a.get("broadcast", str(net.broadcast_address))}


def network_facts() -> Dict[str, Any]:
    try:
        names = sorted(os.listdir(SYS_NET))
    except OSError:
        names = []
    by_iface: Dict[str, List[Dict[str, Any]]] = {n: [] for n in names}
    data = _ip_json()
    if data is not None:
        for entry in data:
            by_iface.setdefault(entry.get("ifname", ""), []).extend(entry.get("addr_info", []))
    else:
        v6 = _ipv6_proc()
        for n in names:
            by_iface[n] = _ipv4_ioctl(n) + v6.get(n, [])
    facts: Dict[str, Any] = {"interfaces": sorted(n for n in by_iface if n)}
    all4: List[str] = []
    all6: List[str] = []
    for name, addrs in by_iface.items():
        if not name:
            continue
        fact = _iface_fact(name, addrs)
        facts[name.replace("-", "_").replace(".", "_")] = fact
        if name != "lo":
            all4 += [a["local"] for a in addrs if a.get("family") == "inet"]
            all6 += [a["local"] for a in addrs if a.get("family") == "inet6"]
    facts["all_ipv4_addresses"], facts["all_ipv6_addresses"] = all4, all6
    dflt = _default_v4_iface()
    facts["default_ipv4"] = {}
    if dflt and "ipv4" in facts.get(dflt.replace("-", "_"), {}):
        facts["default_ipv4"] = dict(facts[dflt.replace("-", "_")]["ipv4"], interface=dflt,
                                     macaddress=_sys(dflt, "macaddress") or _sys(dflt, "address"))
    return facts
