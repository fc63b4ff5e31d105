"""OpenSSH client configuration for one host: ``-o`` options first, then config files.

OpenSSH reads its settings from, in order, the command line's ``-o`` options, the user's
``~/.ssh/config`` (or the file given with ``-F``) and ``/etc/ssh/ssh_config``; the first
value obtained for an option wins (``ssh_config(5)``). Ansible builds that command line,
so an Ansible user's ``ansible_ssh_args``, connection variables and
``ansible_ssh_common_args``/``ansible_ssh_extra_args`` are ``-o`` options ahead of the
files. We do not run ``ssh``: this module computes the same "first value wins" view with
asyncssh's own config parser (``asyncssh.config.SSHClientConfig``: ``Host``/``Match``
blocks, ``Include``, ``%h``-style tokens), so the pool can honour ``ProxyJump`` (through
its shared connections), ``ProxyCommand``, the agent, known-hosts files and algorithms
exactly where the user set them.

asyncssh's parser does not know two options we need, ``StrictHostKeyChecking`` and
``HashKnownHosts``; :class:`ClientConfig` adds them. It also makes ``ProxyJump`` and
``ProxyCommand`` exclusive, first one wins, and expands tokens in ``UserKnownHostsFile``,
as ``ssh_config(5)`` says.
"""

from __future__ import annotations

import getpass
import os
import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import Any

import asyncssh.config
from asyncssh.config import ConfigParseError, SSHClientConfig, SSHConfig

from ftltui.engine.ssh import asyncssh_guard

SYSTEM_CONFIG = "/etc/ssh/ssh_config"


class SshConfigError(ValueError):
    """A config file or ``-o`` option that cannot be read: ``file line N: reason``."""


@lru_cache(maxsize=4096)
def _split(line: str) -> tuple[str, ...]:
    return tuple(shlex.split(line))


class _SplitOnce:
    """``shlex`` for asyncssh's config parser, each distinct line split once per process.

    Every host's settings are resolved by parsing the config files again (``Host`` and
    ``Match`` depend on the name), and asyncssh splits each line with ``shlex``, pure
    Python: half of the 1.2 ms a 1,000-host run spent per host here (issue 17). The lines
    are the same for every host; only what is done with them differs. ``split(line)`` is
    the one call asyncssh makes (asyncssh/config.py); anything else is ``shlex``'s own.
    """

    ftl_split_once = True  # asyncssh_guard: already installed (a re-import, a test)

    def __getattr__(self, name: str) -> Any:
        return getattr(shlex, name)

    @staticmethod
    def split(s: str, comments: bool = False, posix: bool = True) -> list[str]:
        if comments or not posix:
            return shlex.split(s, comments, posix)
        return list(_split(s))


def install_split_once(config_module: ModuleType = asyncssh.config) -> bool:
    """Give asyncssh's config parser the caching splitter, if asyncssh is still the one it was
    written for (asyncssh_guard); otherwise leave ``shlex`` in place (one debug line). True if
    installed."""
    why = asyncssh_guard.split_patch_reason(config_module)
    if why:
        asyncssh_guard.fall_back("ssh_config split-once", why)
        return False
    setattr(config_module, "shlex", _SplitOnce())  # noqa: B010 (a module attribute mypy does not know)
    return True


install_split_once()


def _set_proxy(self: SSHConfig, option: str, args: list[str]) -> None:
    """``ProxyJump``/``ProxyCommand``: whichever is given first prevents the other."""
    value = args.pop(0)
    if "ProxyJump" in self._options or "ProxyCommand" in self._options:
        return
    self._options[option] = None if value.lower() == "none" else value


def _set_strict(self: SSHConfig, option: str, args: list[str]) -> None:
    value = args.pop(0).lower()
    words = {"yes": "yes", "true": "yes", "no": "no", "false": "no", "off": "no",
             "accept-new": "accept-new", "ask": "ask"}
    if value not in words:
        self._error(f"Invalid {option} value: {value} (expected yes, accept-new, no or ask)")
    self._options.setdefault(option, words[value])


class ClientConfig(SSHClientConfig):
    """asyncssh's client config parser plus the options it leaves out (see module doc)."""

    # OpenSSH expands %-tokens in UserKnownHostsFile (%h, %p, %d, ...); asyncssh does not
    _percent_expand = SSHClientConfig._percent_expand | {"UserKnownHostsFile"}
    _handlers = {
        **SSHClientConfig._handlers,
        "stricthostkeychecking": ("StrictHostKeyChecking", _set_strict),
        "hashknownhosts": ("HashKnownHosts", SSHConfig._set_bool),
        "proxyjump": ("ProxyJump", _set_proxy),
        "proxycommand": ("ProxyCommand", _set_proxy),
    }

    def apply_option(self, key: str, value: str) -> bool:
        """One ``-o Key=Value`` (a config line); False if the option is unknown here."""
        loption = key.strip().lower()
        entry = self._handlers.get(loption)
        if entry is None or loption in self._conditionals or loption == "include":
            return False
        option, handler = entry
        value = value.strip()
        try:
            args = [value] if loption in self._no_split else (list(_split(value)) if value else [])
        except ValueError as exc:
            raise SshConfigError(f"-o {option}: {exc}") from None
        if not args:
            raise SshConfigError(f"-o {option}: missing value")
        self._path = Path(f"-o {option}")
        try:
            handler(self, option, args)
        except (ValueError, IndexError, KeyError) as exc:  # ConfigParseError; asyncssh's checks, e.g. %u
            msg = str(exc).replace(" line 0:", ":")
            raise SshConfigError(msg if msg.startswith("-o ") else f"-o {option}: {msg}") from None
        if args:
            raise SshConfigError(f"-o {option}: extra data at end: {' '.join(args)}")
        return True


@dataclass
class Resolved:
    """The settings for one host (asyncssh's option names and value types)."""

    name: str
    options: dict[str, Any]
    from_args: frozenset[str] = frozenset()  # options set by -o / connection variables
    files: tuple[str, ...] = ()
    unknown: list[str] = field(default_factory=list)  # -o options we do not know

    def get(self, option: str, default: Any = None) -> Any:
        return self.options.get(option, default)


def default_files() -> tuple[str, ...]:
    """``~/.ssh/config`` then ``/etc/ssh/ssh_config``, the readable ones (no ``-F``).

    ``~`` is ``$HOME``, as asyncssh reads it (OpenSSH reads the passwd entry)."""
    user = Path("~", ".ssh", "config").expanduser()
    return tuple(str(p) for p in (user, Path(SYSTEM_CONFIG)) if os.access(p, os.R_OK))


def _local_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid())


LOCAL_USER = _local_user()
_CACHE: dict[tuple[Any, ...], Resolved] = {}


def file_stamp(files: Sequence[str]) -> tuple[Any, ...]:
    out: list[tuple[str, int | None, int | None]] = []
    for f in files:
        try:
            st = os.stat(f)
            out.append((f, st.st_mtime_ns, st.st_size))
        except OSError:
            out.append((f, None, None))
    return tuple(out)


def resolve(name: str, options: Iterable[tuple[str, str]], files: Sequence[str]) -> Resolved:
    """The settings for host ``name`` (what ``Host`` patterns match: Ansible passes
    ``ansible_host``): ``options`` (``-o`` pairs, in command-line order) then ``files``.

    Raises :class:`SshConfigError` naming the file and line of a bad setting.
    Cached while the files are unchanged."""
    opts = tuple(options)
    key = (name, opts, file_stamp(files))
    hit = _CACHE.get(key)
    if hit is not None:
        return hit
    cfg = ClientConfig(None, False, False, False, LOCAL_USER, (), name, ())  # type: ignore[arg-type]
    unknown = [k for k, v in opts if not cfg.apply_option(k, v)]
    from_args = frozenset(cfg._options)
    missing = [f for f in files if not os.path.exists(os.path.expanduser(f))]
    if missing:
        raise SshConfigError(f"ssh config file {missing[0]} does not exist")
    try:
        # /dev/null when there is no file: parse() expands %h-style tokens in -o values too
        for f in files or (os.devnull,):
            cfg.parse(Path(os.path.expanduser(f)))
    except OSError as exc:
        raise SshConfigError(f"ssh config {exc.filename}: {exc.strerror}") from None
    except (ValueError, IndexError, KeyError) as exc:  # ConfigParseError; asyncssh's checks (%u, ...)
        msg, where = str(exc), f"{cfg._path} line {cfg._line_no}"
        raise SshConfigError(f"ssh config {msg if msg.startswith(str(cfg._path)) else f'{where}: {msg}'}") from None
    found = Resolved(name, dict(cfg._options), from_args, tuple(files), unknown)
    if len(_CACHE) > 4096:
        _CACHE.clear()
    _CACHE[key] = found
    return found
