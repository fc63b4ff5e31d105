"""The served site: textual-serve's server with the guard in front and ftl-tui's page.

:class:`ConsoleWebServer` changes four things of :class:`textual_serve.server.Server`,
each small:

- the :class:`~ftltui.tui.web.guard.AccessGuard` middleware is added to its aiohttp app, so
  it runs before textual-serve's page, websocket, static and download handlers;
- the page is ftl-tui's copy of textual-serve's template (``templates/app_index.html``)
  without the third-party web-font link, and its websocket and static URLs are built
  from the ``Host`` the browser used and its scheme (``X-Forwarded-Proto`` from a TLS
  proxy; textual-serve builds them from the bind address, wrong for ``0.0.0.0`` and
  behind a proxy);
- no banner on stdout at start (``ftl-tui serve`` prints its own note on stderr);
- :meth:`run` serves on a socket the caller bound (so ``--port 0`` works and the port
  is known before the URL is printed), on the caller's event loop, with no access log:
  the first request's URL carries the token.

Each websocket still starts one ``command`` process (the console) through
textual-serve's AppService, as a shell command line built by the caller from values
that are not secret.
"""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from textual_serve.server import Server, to_int

from ftltui.tui.web.guard import AccessGuard, browser_scheme

TEMPLATES = Path(__file__).resolve().parent / "templates"
SHUTDOWN_SECONDS = 5.0  # how long open tabs get to end their consoles when serve stops


class ConsoleWebServer(Server):
    """textual-serve's :class:`Server` behind ``guard``, run by :meth:`run` (see module doc)."""

    def __init__(self, command: str, guard: AccessGuard, *, host: str, port: int, title: str) -> None:
        super().__init__(command, host=host, port=port, title=title, templates_path=TEMPLATES)
        self.guard = guard

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.middlewares.append(self.guard.middleware)
        aiohttp_jinja2.get_env(app).autoescape = True  # --title is the user's text: never HTML
        return app

    async def on_startup(self, app: web.Application) -> None:
        """Quiet: textual-serve prints a banner on stdout here."""

    @aiohttp_jinja2.template("app_index.html")
    async def handle_index(self, request: web.Request) -> dict[str, Any]:
        """The page, with URLs on the address the browser used (see the module doc)."""
        scheme = browser_scheme(request)
        ws_scheme = "wss" if scheme == "https" else "ws"
        return {
            "font_size": to_int(request.query.get("fontsize", "16"), 16),
            "app_websocket_url": f"{ws_scheme}://{request.host}/ws",
            "config": {"static": {"url": f"{scheme}://{request.host}/static/"}},
            "application": {"name": self.title},
        }

    async def run(self, sock: socket.socket, stop: asyncio.Event) -> None:
        """Serve on ``sock`` (bound, not listening) until ``stop`` is set, then close the tabs."""
        app = await self._make_app()
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=SHUTDOWN_SECONDS)
        await runner.setup()
        try:
            await web.SockSite(runner, sock).start()
            await stop.wait()
        finally:
            await runner.cleanup()
