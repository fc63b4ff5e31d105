"""The OpenSSH command-line options Ansible users put in ``ansible_ssh_*_args``.

We do not run ``ssh``; we read the options that change how we connect and report
the rest (once per runner, naming the option) instead of silently dropping them.
Every option also lands in ``settings`` as a ``(Key, value)`` pair in command-line
order (``-J`` as ``ProxyJump``, ``-i`` as ``IdentityFile``, ...): that is what
:func:`ftltui.engine.ssh.ssh_config.resolve` puts ahead of the config files.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Options that are meaningless here because the connection pool already does what
# they ask for (Ansible puts ControlMaster/ControlPersist in its defaults).
SILENT = frozenset({"controlmaster", "controlpersist", "controlpath", "loglevel",
                    "batchmode", "checkhostip", "updatehostkeys", "visualhostkey", "clearallforwardings"})

# The options the pool honours (read from -o and from ssh config files alike).
HONOURED = frozenset({
    "hostname", "port", "user", "identityfile", "connecttimeout", "serveraliveinterval",
    "serveralivecountmax", "proxyjump", "proxycommand", "userknownhostsfile", "globalknownhostsfile",
    "stricthostkeychecking", "hashknownhosts", "forwardagent", "identityagent", "identitiesonly",
    "ciphers", "kexalgorithms", "macs", "hostkeyalgorithms", "hostkeyalias", "preferredauthentications",
    "pubkeyauthentication", "passwordauthentication", "kbdinteractiveauthentication", "compression",
    "addressfamily", "bindaddress",
})
# value-less flags of ssh(1) that change nothing here, and those that are an option
NO_VALUE_SILENT = frozenset({"-C", "-q", "-v", "-vv", "-vvv", "-T", "-t", "-tt", "-n", "-x", "-N"})
NO_VALUE_OPTION = {"-A": ("ForwardAgent", "yes"), "-a": ("ForwardAgent", "no"),
                   "-4": ("AddressFamily", "inet"), "-6": ("AddressFamily", "inet6")}


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
    settings: list[tuple[str, str]] = field(default_factory=list)  # (Key, value), command-line order

    @property
    def accept_new(self) -> bool | None:
        if self.strict_host_key_checking is None:
            return None
        return self.strict_host_key_checking in ("no", "accept-new", "off", "false")


def _set_option(opts: SshOptions, key: str, value: str) -> None:
    k = key.lower()
    if k in HONOURED:
        opts.settings.append((key, value))
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
    elif k not in SILENT and k not in HONOURED:
        opts.ignored.append(f"-o {key}")


def parse_ssh_args(args: list[str]) -> SshOptions:
    """Parse ``-o K=V``/``-oK=V``/``-o "K V"``, ``-J``, ``-i``, ``-p``, ``-l``, ``-F``."""
    opts = SshOptions()
    i = 0
    takes_value = {"-o", "-J", "-i", "-p", "-l", "-F"}
    while i < len(args):
        a = args[i]
        flag, value = a[:2], None
        if a in NO_VALUE_SILENT or a in NO_VALUE_OPTION:
            if a in NO_VALUE_OPTION:
                _set_option(opts, *NO_VALUE_OPTION[a])
            i += 1
            continue
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
                _set_option(opts, "IdentityFile", value)
            elif flag == "-p" and value is not None:
                _set_option(opts, "Port", str(int(value)))
            elif flag == "-l" and value is not None:
                _set_option(opts, "User", value)
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
