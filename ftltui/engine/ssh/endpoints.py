"""From a host's variables and the user's ssh config to the chain of endpoints to connect.

The order is the one OpenSSH sees when Ansible runs it (first value wins):

1. ``ansible_ssh_args`` (Ansible's ``ssh_args`` setting, first on its command line);
2. the connection variables Ansible turns into ``-o`` options: ``ansible_user``,
   ``ansible_port``, ``ansible_ssh_private_key_file``, ``ansible_timeout``, and
   ``StrictHostKeyChecking=no`` when host key checking is off (``--accept-new-host-keys``);
3. ``ansible_ssh_common_args`` then ``ansible_ssh_extra_args``;
4. the ssh config files: those given with ``-F``, else the runner's ``ssh_config``, else
   ``~/.ssh/config`` and ``/etc/ssh/ssh_config``;
5. ftl-tui's defaults (``~/.ssh/known_hosts``, unknown host keys refused, 10 s timeout).

A ``ProxyJump`` from any of these becomes jump hops that the pool connects and shares
exactly like ``ftl_jump_hosts`` from the inventory: the bastion named in a config file
and the bastion named in the inventory are one pooled connection when they resolve to
the same user, address and port. A hop is resolved like ``ssh -J`` does it: through the
config files (not the target's ``-o`` options); the first hop's own ``ProxyJump`` is
followed. A hop that is also an inventory host uses that host's variables; what a hop
does not set itself (user, keys, known hosts) it takes from the host behind it.
"""

from __future__ import annotations

import functools
import os
import shlex
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ftltui.engine.ssh.options import SshOptions, parse_jump_spec, parse_ssh_args
from ftltui.engine.ssh.pool import Endpoint, preferred_ciphers
from ftltui.engine.ssh.ssh_config import (
    LOCAL_USER,
    Resolved,
    SshConfigError,
    default_files,
    file_stamp,
    resolve,
)
from ftltui.errors import HostError
from ftltui.inventory.model import Host

if TYPE_CHECKING:
    from ftltui.engine.host_source import HostSource

_FALSE = ("no", "false", "0", "off", "n")
MAX_JUMP_DEPTH = 8
GLOBAL_KNOWN_HOSTS = ("/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2")
# -o options passed to asyncssh explicitly; from a config file, asyncssh reads them itself
_FROM_ARGS_KWARGS = {"Ciphers": "encryption_algs", "KexAlgorithms": "kex_algs", "MACs": "mac_algs",
                     "HostKeyAlgorithms": "server_host_key_algs", "PreferredAuthentications": "preferred_auth",
                     "PubkeyAuthentication": "public_key_auth", "PasswordAuthentication": "password_auth",
                     "KbdInteractiveAuthentication": "kbdint_auth", "AddressFamily": "family",
                     "HostKeyAlias": "host_key_alias"}


class SshSetupError(HostError):
    """The host's ssh settings cannot be used (bad config file line, a ProxyJump loop)."""

    kind = "failed"


class EndpointResolver:
    """Builds :class:`Endpoint` chains; one per :class:`SshRunner` (it warns once per option)."""

    def __init__(self, *, inventory: HostSource | None = None, accept_new_host_keys: bool = False,
                 known_hosts: str | None = None, connect_timeout: float = 10.0,
                 ssh_config: str | None = None,
                 on_warning: Callable[[str | None, str], None] | None = None) -> None:
        self.inventory = inventory
        self.accept_new_host_keys = accept_new_host_keys
        self.known_hosts = known_hosts
        self.connect_timeout = connect_timeout
        self.ssh_config = ssh_config
        self.on_warning = on_warning
        self._warned: set[str] = set()
        # ansible_host -> inventory host, for hops named by address (rebuilt when the inventory changes)
        self._by_address: tuple[Any, int, dict[str, Host]] = (None, 0, {})
        self._files_seen: set[str] = set()

    def stamp(self) -> tuple[Any, ...]:
        """Changes when an ssh config file read so far changes (for callers that cache chains)."""
        return file_stamp(sorted(self._files_seen))

    def chain(self, host: Host) -> tuple[Endpoint, ...]:
        """Jump hops first, the host last. Raises :class:`SshSetupError` for bad settings."""
        try:
            target, specs = self._resolve_host(host)
            return (*self._hops(host.name, specs, target, 0, {target.key}), target)
        except SshConfigError as exc:
            raise SshSetupError(host.name, f"{host.name}: {exc}") from None

    # -- one host ------------------------------------------------------------------------
    def _resolve_host(self, host: Host, inherit: Endpoint | None = None) -> tuple[Endpoint, list[str]]:
        v = host.vars
        leading = _parsed(str(v["ansible_ssh_args"])) if v.get("ansible_ssh_args") else None
        trailing = _parsed(*(str(v.get(k) or "") for k in ("ansible_ssh_common_args", "ansible_ssh_extra_args")))
        seeded: list[tuple[str, str]] = []
        if host.user:
            seeded.append(("User", host.user))
        for name in ("ansible_port", "ansible_ssh_port"):
            if v.get(name) not in (None, ""):
                seeded.append(("Port", str(int(v[name]))))
                break
        if host.private_key_file:
            seeded.append(("IdentityFile", host.private_key_file))
        timeout = float(v["ansible_timeout"]) if v.get("ansible_timeout") not in (None, "") else None
        hkc = v.get("ansible_host_key_checking", v.get("host_key_checking"))
        if self.accept_new_host_keys or (hkc is not None and str(hkc).lower() in _FALSE):
            seeded.append(("StrictHostKeyChecking", "no"))
        for opts in (leading, trailing):
            for name in (opts.ignored if opts else []):
                self._warn(host.name, name)
        files = tuple((leading.config_files if leading else []) + trailing.config_files)
        files = files or ((self.ssh_config,) if self.ssh_config else default_files())
        settings = (leading.settings if leading else []) + seeded + trailing.settings
        r = resolve(host.address, settings, files)
        self._files_seen.update(files)
        ep = self._endpoint(host.name, host.address, r, inherit, password=host.password, timeout=timeout)
        specs = _inventory_jumps(host)
        if specs is None:  # no jump list in the inventory: a ProxyJump from -o / -J / the config
            specs = _split(r.get("ProxyJump"))
        elif ep.proxy_command:  # -J on Ansible's command line beats a ProxyCommand in the config
            ep = _replace(ep, proxy_command=None)
        return ep, specs

    def _resolve_hop(self, spec: str, behind: Endpoint) -> tuple[Endpoint, list[str]]:
        user, name, port = parse_jump_spec(spec)
        inv = self._inventory_host(name)
        if inv is not None:
            ep, specs = self._resolve_host(inv, inherit=behind)
        else:
            seeded = ([("User", user)] if user else []) + ([("Port", str(port))] if port else [])
            r = resolve(name, seeded, behind.config_files)
            ep = self._endpoint(name, name, r, behind)
            specs = _split(r.get("ProxyJump"))
        if user or port:
            ep = _replace(ep, user=user or ep.user, port=port or ep.port)
        return ep, specs

    def _hops(self, target: str, specs: list[str], behind: Endpoint, depth: int,
              seen: set[tuple[Any, ...]]) -> list[Endpoint]:
        hops: list[Endpoint] = []
        for i, spec in enumerate(specs):
            ep, own = self._resolve_hop(spec, behind)
            if i == 0 and own:  # ssh -J runs the first hop's ssh with that hop's own config
                if depth >= MAX_JUMP_DEPTH or ep.key in seen:
                    raise SshConfigError(f"ProxyJump loop at {ep.name} (jump chain deeper than "
                                         f"{MAX_JUMP_DEPTH} or a hop that leads back to itself)")
                hops.extend(self._hops(target, own, ep, depth + 1, seen | {ep.key}))
            hops.append(ep)
        return hops

    def _endpoint(self, name: str, address: str, r: Resolved, inherit: Endpoint | None, *,
                  password: str | None = None, timeout: float | None = None) -> Endpoint:
        o = r.options
        user = o.get("User") or (inherit.user if inherit else None) or LOCAL_USER
        port = o.get("Port") or (inherit.port if inherit and "Port" not in o else None) or 22
        keys = tuple(os.path.expanduser(k) for k in (o.get("IdentityFile") or []))
        if not keys and inherit is not None and "IdentityFile" not in o:
            keys = inherit.key_files
        if "UserKnownHostsFile" in o:
            user_kh = tuple(os.path.expanduser(f) for f in o["UserKnownHostsFile"])
        elif inherit is not None:
            user_kh = inherit.known_hosts_files or (inherit.known_hosts,)
        else:
            user_kh = (os.path.expanduser(self.known_hosts or "~/.ssh/known_hosts"),)
        global_kh = tuple(os.path.expanduser(f) for f in o.get("GlobalKnownHostsFile", GLOBAL_KNOWN_HOSTS))
        strict = o.get("StrictHostKeyChecking")
        accept_new = strict in ("no", "accept-new") if strict else (inherit.accept_new if inherit else False)
        agent: str | None = None
        if "IdentityAgent" in o:
            agent = _agent_path(o["IdentityAgent"])
        extra: list[tuple[str, Any]] = [(kw, o[opt]) for opt, kw in _FROM_ARGS_KWARGS.items()
                                        if opt in r.from_args and opt in o]
        if "Compression" in r.from_args:
            extra.append(("compression_algs", "zlib@openssh.com,zlib,none" if o["Compression"] else "none"))
        if o.get("BindAddress"):  # from a file too: the pool's direct connector (coalesce.py) must see it
            extra.append(("local_addr", (o["BindAddress"], 0)))
        if "AddressFamily" in o and "AddressFamily" not in r.from_args:
            extra.append(("family", o["AddressFamily"]))
        if "Ciphers" not in o:
            extra.append(("encryption_algs", preferred_ciphers()))
        if timeout is None:  # ansible_timeout (seconds, may be fractional) beats ConnectTimeout
            timeout = o.get("ConnectTimeout") or (inherit.connect_timeout if inherit else self.connect_timeout)
        return Endpoint(
            name=name, address=str(o.get("Hostname") or address), port=int(port), user=str(user),
            key_files=keys, password=password, known_hosts=user_kh[0] if user_kh else "",
            known_hosts_files=user_kh, global_known_hosts=global_kh, accept_new=accept_new,
            hash_known_hosts=bool(o.get("HashKnownHosts", False)), connect_timeout=float(timeout),
            config_files=r.files, match_name=r.name,
            keepalive_interval=float(o.get("ServerAliveInterval", 15)),
            keepalive_count_max=int(o.get("ServerAliveCountMax", 4)),
            proxy_command=o.get("ProxyCommand"), agent_path=agent,
            forward_agent=o.get("ForwardAgent", False), identities_only=bool(o.get("IdentitiesOnly")),
            extra=tuple(extra),
        )

    def _inventory_host(self, name: str) -> Host | None:
        """The inventory host a hop names: by inventory name, else by ``ansible_host``."""
        hosts: Mapping[str, Host] = self.inventory.hosts if self.inventory is not None else {}
        if name in hosts:
            return hosts[name]
        if self._by_address[0] is not hosts or self._by_address[1] != len(hosts):
            index: dict[str, Host] = {}
            for h in hosts.values():  # the first host with that address, as before
                index.setdefault(str(h.vars.get("ansible_host")), h)
            self._by_address = (hosts, len(hosts), index)
        return self._by_address[2].get(name)

    def _warn(self, host: str, option: str) -> None:
        if option not in self._warned:
            self._warned.add(option)
            if self.on_warning is not None:
                self.on_warning(host, f"ssh option {option} is not supported by ftl-tui and was ignored")


@functools.lru_cache(maxsize=1024)
def _parsed(*texts: str) -> SshOptions:
    """``parse_ssh_args`` of shell-split option strings (the same few strings on every host).
    Callers must not modify the result."""
    try:
        return parse_ssh_args([a for t in texts if t for a in shlex.split(t)])
    except ValueError as exc:  # an unbalanced quote in ansible_ssh_*args
        raise SshConfigError(f"ssh options {' '.join(texts).strip()!r}: {exc}") from None


def _inventory_jumps(host: Host) -> list[str] | None:
    """``ftl_jump_hosts``/``ansible_ssh_jump`` (None when neither is set to a chain)."""
    for key in ("ftl_jump_hosts", "ansible_ssh_jump"):
        val = host.vars.get(key)
        if val:
            return _split(val) if isinstance(val, str) else [str(h) for h in val]
    return None


def _split(spec: Any) -> list[str]:
    if not spec or str(spec).lower() == "none":
        return []
    return [h.strip() for h in str(spec).split(",") if h.strip()]


def _agent_path(value: Any) -> str:
    """``IdentityAgent``: none -> no agent; ``SSH_AUTH_SOCK`` or ``$VAR`` -> that variable."""
    if value is None or str(value).lower() == "none":
        return ""
    s = str(value)
    if s == "SSH_AUTH_SOCK" or s.startswith("$"):
        return os.environ.get(s.lstrip("$").strip("{}"), "")
    return os.path.expanduser(s)


def _replace(ep: Endpoint, **kw: Any) -> Endpoint:
    from dataclasses import replace

    return replace(ep, **kw)
