"""The door in front of textual-serve: a token, the Host and, for the websocket, the Origin.

textual-serve answers anyone: its page, and a websocket that starts a console process
for whoever opens it. :class:`AccessGuard` is an aiohttp middleware that runs before
any of its handlers, so a refused request gets ``403`` and no process is started:

- **Token.** Every request carries the serve token, either as ``?token=`` (the URL
  ``ftl-tui serve`` prints; the guard then sets an HttpOnly, SameSite=Strict cookie and
  redirects to the same URL without it, so it leaves the address bar and history) or
  as that cookie. Compared in constant time (:func:`hmac.compare_digest`).
- **Host.** On a loopback bind the ``Host`` header must name this server
  (``127.0.0.1``/``localhost``/``[::1]``, or a name given with ``--allow-host`` for a
  reverse proxy): a foreign name that resolves to 127.0.0.1 (DNS rebinding) is refused
  even before the token is looked at.
- **Origin.** The websocket upgrade must come from a page of this server: its
  ``Origin`` must name the request's own ``Host`` (name and port, default ports filled
  in by the Origin's scheme). Browsers do not
  apply the same-origin rule to websockets, so without this a foreign page could drive
  a console with the user's cookie (the SameSite cookie already stops that in current
  browsers; this does not rely on it).

Refusals say why in plain text and never echo the token. The token itself is never in
a URL the server logs (serve runs aiohttp without an access log) nor in the command
line of the console processes.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Awaitable, Callable, Sequence
from urllib.parse import urlsplit

from aiohttp import web

from ftltui.errors import FtlError
from ftltui.netaddr import is_loopback

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

TOKEN_PARAM = "token"
MIN_TOKEN_LENGTH = 16
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")


class TokenError(FtlError):
    """A token file that cannot be used (missing, empty, too short, readable by others)."""


def new_token() -> str:
    """A fresh random token (192 bits, URL-safe)."""
    return secrets.token_urlsafe(24)


def read_token_file(path: Path) -> str:
    """The token on the first line of ``path``; a clear error if it cannot serve as one.

    A file others can read is refused, as ssh refuses such a key: the token is the
    only thing between the network and a console that runs commands on every host.
    """
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TokenError(f"{path}: cannot read the token file: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise TokenError(f"{path}: the token file is not text (expected one line: the token)") from None
    if mode & 0o077:
        raise TokenError(f"{path}: the token file is readable by others (mode {mode & 0o777:o}); chmod 600 it")
    lines = text.splitlines()
    token = lines[0].strip() if lines else ""
    if len(token) < MIN_TOKEN_LENGTH:
        raise TokenError(f"{path}, line 1: expected a token of at least {MIN_TOKEN_LENGTH} characters, "
                         f"found {len(token)}")
    return token


def host_with_port(host: str, port: int) -> str:
    """``host:port`` as a ``Host`` header writes it (IPv6 in brackets)."""
    name = host.strip("[]")
    if ":" in name:
        name = f"[{name}]"
    return f"{name}:{port}"


def browser_scheme(request: web.Request) -> str:
    """``https`` when the browser reached serve over TLS: served so, or through a TLS
    proxy that says ``X-Forwarded-Proto: https``. (A client that sends the header itself
    only changes its own page's URLs and cookie flag: nothing the checks rely on.)"""
    forwarded = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
    return "https" if request.secure or forwarded == "https" else "http"


def _name_and_port(netloc: str, scheme: str) -> tuple[str, int | None]:
    """``(host name, port)`` of a ``Host``/Origin netloc, the port defaulting by scheme."""
    try:
        parts = urlsplit(f"//{netloc}")
        port = parts.port
    except ValueError:
        return "", None
    default = {"http": 80, "https": 443}.get(scheme)
    return (parts.hostname or "").lower(), port if port is not None else default


@dataclass
class AccessGuard:
    """The token, Host and Origin checks of one served console (see the module doc).

    ``allowed_names`` are the host names a ``Host`` header may carry (any port); empty
    means any (a ``--public`` bind, where the name users type is not known here: the
    token is then what protects it).
    """

    token: str
    cookie_name: str
    allowed_names: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def for_bind(cls, token: str, host: str, port: int, extra_names: Sequence[str] = ()) -> AccessGuard:
        """The guard of a server bound to ``host:port``: a loopback bind answers only to its
        own names plus ``extra_names`` (a reverse proxy's); a public one to any name unless
        ``extra_names`` are given."""
        names: set[str] = {n.strip("[]").lower() for n in extra_names}
        if is_loopback(host) or names:
            names |= {n.strip("[]").lower() for n in (*LOOPBACK_NAMES, host)}
        return cls(token, f"ftltui_token_{port}", frozenset(names))

    def token_ok(self, given: str | None) -> bool:
        return given is not None and hmac.compare_digest(given.encode("utf-8"), self.token.encode("utf-8"))

    def host_ok(self, request: web.Request) -> bool:
        if not self.allowed_names:
            return True
        name, _ = _name_and_port(request.host, "http")
        return name.strip("[]") in self.allowed_names

    def origin_ok(self, request: web.Request) -> bool:
        """The websocket's Origin is this server as the browser reached it: the scheme's
        host name and port equal the ``Host`` header's (default ports filled in)."""
        origin = request.headers.get("Origin")
        if not origin:
            return False
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https"):
            return False
        mine = _name_and_port(request.host, parts.scheme)
        return mine[0] != "" and _name_and_port(parts.netloc, parts.scheme) == mine

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Refuse before textual-serve's handler runs; on a good ``?token=`` set the cookie."""
        if not self.host_ok(request):
            return _refuse("this server answers only to its own address (Host header refused)")
        query_token = request.query.get(TOKEN_PARAM)
        if query_token is not None:
            if not self.token_ok(query_token):
                return _refuse("wrong token: open the URL that 'ftl-tui serve' printed")
            if request.method == "GET" and request.path == "/":
                raise self._redirect_with_cookie(request)
        elif not self.token_ok(request.cookies.get(self.cookie_name)):
            return _refuse("no token: open the URL that 'ftl-tui serve' printed (it ends in ?token=...)")
        if request.path == "/ws" and not self.origin_ok(request):
            return _refuse("websocket from another origin refused")
        return await handler(request)

    def _redirect_with_cookie(self, request: web.Request) -> web.HTTPSeeOther:
        """Move the token from the URL into a cookie, and the browser to the URL without it."""
        query = request.url.query.copy()
        query.popall(TOKEN_PARAM)
        location = request.rel_url.with_query(query)
        response = web.HTTPSeeOther(location=str(location))
        response.set_cookie(self.cookie_name, self.token, httponly=True, samesite="Strict", path="/",
                            secure=browser_scheme(request) == "https")
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response


def _refuse(reason: str) -> web.Response:
    return web.Response(status=403, text=f"403 Forbidden: {reason}\n", headers={"Cache-Control": "no-store"})
