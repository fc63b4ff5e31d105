"""The Redis broker's URL: where it comes from, what is accepted, and how it is shown.

Order: ``--broker URL`` (its password, if any, from ``--broker-password-file``: a
password never goes in argv, where ``ps`` shows it), else ``--broker-file F``, else
``$FTL_TUI_BROKER``, else ``[ftl_sites] broker_file``. Accepted:

* ``redis+socket://:PASSWORD@/path/to/redis.sock`` (the default shape: a Unix socket),
* ``rediss://:PASSWORD@host:port/0`` (TLS),
* ``redis://:PASSWORD@127.0.0.1:port/0`` on a loopback address only, unless the
  operator passes ``--insecure-tcp`` (a password on plain TCP is readable on the wire).

Every URL must carry a password (Redis ``requirepass``). :func:`shown` is the only form
that goes into a message or a log: the password replaced by ``***``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Mapping
from urllib.parse import quote, unquote, urlsplit

from ftltui.netaddr import is_loopback
from ftltui.sites.errors import SitesError
from ftltui.sites.settings import SiteSettings

ENV = "FTL_TUI_BROKER"
SCHEMES = ("redis+socket", "rediss", "redis")
_PASSWORD = re.compile(r"(://[^:/@]*:)([^@]*)(@)")


@dataclass(frozen=True)
class Broker:
    """A checked broker URL (with its password: never print :attr:`url`)."""

    url: str
    source: str  # where it came from, for messages

    @property
    def shown(self) -> str:
        return shown(self.url)

    def redis_url(self) -> str:
        """The same server in redis-py's spelling (``unix://`` for a socket)."""
        if self.url.startswith("redis+socket://"):
            return "unix://" + self.url[len("redis+socket://"):]
        return self.url

    def __repr__(self) -> str:  # a stray repr in a traceback must not show the password
        return f"Broker({self.shown!r}, source={self.source!r})"


def shown(url: str) -> str:
    """``url`` with its password masked: the form for messages and logs."""
    return _PASSWORD.sub(r"\1***\3", url)


def resolve_broker(*, url: str | None = None, password_file: str | None = None, url_file: str | None = None,
                   env: Mapping[str, str] | None = None, settings: SiteSettings | None = None,
                   insecure_tcp: bool = False) -> Broker:
    """The broker in effect, checked (:class:`SitesError` says what is wrong, never the password)."""
    env = os.environ if env is None else env
    if url:
        if _has_password(url):
            raise SitesError("--broker: the URL carries a password, which would be visible in the process "
                             "list; put the password in --broker-password-file, or the whole URL in "
                             f"--broker-file or ${ENV}")
        if password_file:
            url = _with_password(url, _read_secret_file(password_file, "--broker-password-file"))
        broker = Broker(url, "--broker")
    elif url_file:
        broker = Broker(_read_secret_file(url_file, "--broker-file"), f"--broker-file {url_file}")
    elif env.get(ENV):
        broker = Broker(env[ENV].strip(), f"${ENV}")
    elif settings is not None and settings.broker_file:
        where = f"[ftl_sites] broker_file in {settings.config_file}"
        broker = Broker(_read_secret_file(settings.broker_file, where), where)
    else:
        raise SitesError(f"no broker: give --broker-file FILE, set ${ENV}, or set broker_file in the "
                         "[ftl_sites] section of ansible.cfg")
    check(broker, insecure_tcp=insecure_tcp)
    return broker


def check(broker: Broker, *, insecure_tcp: bool = False) -> None:
    """Refuse URLs that would expose the broker: no password, or plain TCP off loopback."""
    try:
        parts = urlsplit(broker.url)
        host = parts.hostname
    except ValueError as exc:
        raise SitesError(f"broker from {broker.source}: not a URL ({exc})") from None
    if parts.scheme not in SCHEMES:
        raise SitesError(f"broker from {broker.source}: expected redis+socket://, rediss:// or redis://, "
                         f"got {shown(broker.url)!r}")
    if not parts.password:
        raise SitesError(f"broker {broker.shown} (from {broker.source}): no password; Redis must require "
                         "one (requirepass), written as redis+socket://:PASSWORD@/path/redis.sock")
    if parts.scheme == "redis+socket":
        if not parts.path or parts.path == "/":
            raise SitesError(f"broker {broker.shown}: expected the socket's path after '@'")
        return
    if parts.scheme == "redis" and not insecure_tcp and not is_loopback(host or ""):
        raise SitesError(f"broker {broker.shown}: plain TCP to a non-loopback address sends the password "
                         "in clear; use rediss:// (TLS) or a Unix socket, or pass --insecure-tcp")


def _has_password(url: str) -> bool:
    try:
        return bool(urlsplit(url).password)
    except ValueError:
        return False


def _with_password(url: str, password: str) -> str:
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise SitesError(f"--broker: expected a URL such as redis+socket:///path/redis.sock, got {url!r}")
    userinfo, at, tail = rest.rpartition("@")
    user = unquote(userinfo.split(":", 1)[0]) if at else ""
    return f"{scheme}://{quote(user, safe='')}:{quote(password, safe='')}@{tail if at else rest}"


def _read_secret_file(path: str, what: str) -> str:
    """A file holding a secret: readable, one line, and not readable by others."""
    try:
        st = os.stat(path)
        with open(path, encoding="utf-8") as f:
            text = f.read().strip()
    except OSError as exc:
        raise SitesError(f"{what}: cannot read {path}: {exc.strerror}") from None
    if st.st_mode & 0o077:
        raise SitesError(f"{what}: {path} is readable by others (mode {st.st_mode & 0o777:o}); chmod 600 it")
    if not text or "\n" in text:
        raise SitesError(f"{path}:1: expected one line (the broker URL or password), got "
                         f"{'nothing' if not text else 'several lines'}")
    return text
