"""The OpenSSH command-line options Ansible users put in ``ansible_ssh_*_args``.

We do not run ``ssh``; we read the options that change how we connect and report
the rest (once per runner, naming the option) instead of silently dropping them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Options that are meaningless here because the connection pool already does what
# they ask for (Ansible puts ControlMaster/ControlPersist in its defaults).
SILENT = frozenset({"controlmaster", "controlpersist", "controlpath", "identitiesonly", "loglevel",
                    "batchmode", "checkhostip", "updatehostkeys", "globalknownhostsfile",
                    "preferredauthentications", "pubkeyauthentication", "passwordauthentication"})


@dataclass
class SshOptions:
    proxy_jump: list[str] | None = None  # None: not given; []: explicitly "none"
    known_hosts: str | None = None
    strict_host_key_checking: str | None = None  # "yes" | "no" | "accept-new"
    connect_timeout: float | None = None
    identity_files: list[str] = field(default_factory=list)
    port: int | None = None
    user: str | None = None
    config_files: list[str] = field(default_factory=list)
    keepalive_interval: float | None = None
    keepalive_count_max: int | None = None
    ignored: list[str] = field(default_factory=list)  # option names we do not understand

    @property
    def accept_new(self) -> bool | None:
        if self.strict_host_key_checking is None:
            return None
        return self.strict_host_key_checking in ("no", "accept-new", "off", "false")


def _set_option(opts: SshOptions, key: str, value: str) -> None:
    k = key.lower()
    if k == "proxyjump":
        opts.proxy_jump = [] if value.lower() == "none" else [h.strip() for h in value.split(",") if h.strip()]
    elif k == "userknownhostsfile":
        opts.known_hosts = value.split()[0] if value.strip() else None
    elif k == "stricthostkeychecking":
        opts.strict_host_key_checking = value.lower()
    elif k == "connecttimeout":
        opts.connect_timeout = float(value)
    elif k == "identityfile":
        opts.identity_files.append(value)
    elif k == "port":
        opts.port = int(value)
    elif k == "user":
        opts.user = value
    elif k == "serveraliveinterval":
        opts.keepalive_interval = float(value)
    elif k == "serveralivecountmax":
        opts.keepalive_count_max = int(value)
    elif k not in SILENT:
        opts.ignored.append(f"-o {key}")


def parse_ssh_args(args: list[str]) -> SshOptions:
    """Parse ``-o K=V``/``-oK=V``/``-o "K V"``, ``-J``, ``-i``, ``-p``, ``-l``, ``-F``."""
    opts = SshOptions()
    i = 0
    takes_value = {"-o", "-J", "-i", "-p", "-l", "-F"}
    while i < len(args):
        a = args[i]
        flag, value = a[:2], None
        if flag in takes_value:
            if len(a) > 2:
                value = a[2:]
            elif i + 1 < len(args):
                i += 1
                value = args[i]
            else:
                opts.ignored.append(a)
                break
        i += 1
        try:
            if flag == "-o" and value is not None:
                if "=" in value:
                    key, _, val = value.partition("=")
                else:
                    key, _, val = value.strip().partition(" ")
                _set_option(opts, key.strip(), val.strip())
            elif flag == "-J" and value is not None:
                _set_option(opts, "ProxyJump", value)
            elif flag == "-i" and value is not None:
                opts.identity_files.append(value)
            elif flag == "-p" and value is not None:
                opts.port = int(value)
            elif flag == "-l" and value is not None:
                opts.user = value
            elif flag == "-F" and value is not None:
                opts.config_files.append(value)
            else:
                opts.ignored.append(a)
        except ValueError:
            opts.ignored.append(a if value is None else f"{a} {value}")
    return opts


def parse_jump_spec(spec: str) -> tuple[str | None, str, int | None]:
    """``[user@]host[:port]`` (also ``ssh://user@host:port``) -> (user, host, port)."""
    s = spec.strip()
    if s.startswith("ssh://"):
        s = s[6:]
    user = None
    if "@" in s:
        user, s = s.rsplit("@", 1)
    port = None
    if s.startswith("["):  # [ipv6]:port
        host, _, rest = s[1:].partition("]")
        if rest.startswith(":") and rest[1:].isdigit():
            port = int(rest[1:])
        return user, host, port
    if s.count(":") == 1:
        host, _, p = s.partition(":")
        if p.isdigit():
            return user, host, int(p)
    return user, s, port
