"""The guard in front of textual-serve (ftltui/tui/web/guard.py), and serve's option checks.

The guard is tested on a real aiohttp server (loopback, aiohttp's test server) whose
handlers count their calls: a refused request must never reach them, as a refused
websocket must never reach textual-serve's handler that starts a console.
"""

from __future__ import annotations

import os
import shlex
import socket
import sys
from pathlib import Path

import pytest

pytest.importorskip("textual_serve")

from aiohttp import (  # noqa: E402
    ClientResponse,
    ClientSession,
    CookieJar,
    web,  # noqa: E402
)

from ftltui.cli import main  # noqa: E402
from ftltui.netaddr import is_loopback  # noqa: E402
from ftltui.tui.web.guard import AccessGuard, TokenError, read_token_file  # noqa: E402

TOKEN = "t" * 20 + "-the-serve-token"


class Guarded:
    """A real aiohttp server on a loopback port with the guard in front of two handlers
    that record their calls; ``client`` keeps cookies as a browser does."""

    def __init__(self, *, loopback: bool = True, allow: tuple[str, ...] = ()) -> None:
        self.loopback = loopback
        self.allow = allow
        self.calls: list[str] = []

    async def __aenter__(self) -> Guarded:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        guard = AccessGuard.for_bind(TOKEN, "127.0.0.1" if self.loopback else "0.0.0.0", self.port, self.allow)

        async def page(request: web.Request) -> web.Response:
            self.calls.append(request.path)
            return web.Response(text="page")

        app = web.Application(middlewares=[guard.middleware])
        app.router.add_get("/", page)
        app.router.add_get("/ws", page)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        await web.SockSite(self.runner, self.sock).start()
        self.client = ClientSession(base_url=f"http://127.0.0.1:{self.port}", cookie_jar=CookieJar(unsafe=True))
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.client.close()
        await self.runner.cleanup()
        self.sock.close()

    async def get(self, path: str, headers: dict[str, str] | None = None, *, follow: bool = False) -> tuple[int, str, ClientResponse]:
        async with self.client.get(path, headers=headers or {}, allow_redirects=follow) as response:
            return response.status, await response.text(), response


async def test_requests_without_the_token_never_reach_the_handlers() -> None:
    async with Guarded() as g:
        port = g.port
        cookie = {"Cookie": f"ftltui_token_{port}={TOKEN}"}
        origin = {"Origin": f"http://127.0.0.1:{port}"}
        for path, headers in [("/", {}), ("/?token=wrong", {}), ("/?token=" + TOKEN[:-1], {}),
                              ("/ws", origin), ("/ws", {**origin, "Cookie": f"ftltui_token_{port}=x"}),
                              ("/ws", cookie), ("/ws", {**cookie, "Origin": "http://evil.example"}),
                              ("/ws", {**cookie, "Origin": f"http://localhost:{port}"}),
                              ("/", {**cookie, "Host": f"rebound.example:{port}"})]:
            status, text, _ = await g.get(path, headers)
            assert status == 403, (path, headers, text)
            assert TOKEN not in text
        assert g.calls == []

        assert (await g.get("/ws", {**cookie, **origin}))[0] == 200 and g.calls == ["/ws"]
        assert (await g.get("/", {**cookie, "Host": f"localhost:{port}"}))[0] == 200


async def test_token_in_the_url_becomes_a_cookie_and_leaves_the_url() -> None:
    async with Guarded() as g:
        status, _, response = await g.get(f"/?token={TOKEN}&fontsize=14")
        assert status == 303
        assert response.headers["Location"] == "/?fontsize=14"
        set_cookie = response.headers["Set-Cookie"]
        assert f"ftltui_token_{g.port}={TOKEN}" in set_cookie
        assert "HttpOnly" in set_cookie and "SameSite=Strict" in set_cookie
        assert g.calls == []
        status, text, response = await g.get(f"/?token={TOKEN}", follow=True)  # cookie kept, as a browser does
        assert status == 200 and text == "page" and "token" not in str(response.url)
        assert (await g.get("/"))[0] == 200  # the cookie alone from now on


async def test_a_public_bind_accepts_any_host_but_still_wants_the_token() -> None:
    async with Guarded(loopback=False) as g:
        port = g.port
        host = {"Host": f"ops.example:{port}"}
        assert (await g.get("/", host))[0] == 403
        cookie = {"Cookie": f"ftltui_token_{port}={TOKEN}"}
        assert (await g.get("/", {**host, **cookie}))[0] == 200
        ws = {**host, **cookie, "Origin": f"https://ops.example:{port}"}
        assert (await g.get("/ws", ws))[0] == 200
        assert (await g.get("/ws", {**ws, "Origin": "https://evil.example"}))[0] == 403


async def test_behind_a_tls_proxy_on_an_allowed_name() -> None:
    """nginx with ``proxy_set_header Host $host`` and ``X-Forwarded-Proto $scheme``: the
    browser is on https://ops.example (port 443), serve on loopback."""
    async with Guarded(allow=("ops.example",)) as g:
        proxied = {"Host": "ops.example", "X-Forwarded-Proto": "https"}
        status, _, response = await g.get(f"/?token={TOKEN}", proxied)
        assert status == 303 and "Secure" in response.headers["Set-Cookie"]
        cookie = {"Cookie": f"ftltui_token_{g.port}={TOKEN}"}
        for host in ("ops.example", "ops.example:443"):
            ws = {**proxied, **cookie, "Host": host, "Origin": "https://ops.example"}
            assert (await g.get("/ws", ws))[0] == 200, host
        wrong = {**proxied, **cookie, "Origin": "https://ops.example:8443"}
        assert (await g.get("/ws", wrong))[0] == 403
        assert (await g.get("/", {**cookie, "Host": "other.example"}))[0] == 403
        assert (await g.get("/", {**cookie, "Host": f"localhost:{g.port}"}))[0] == 200  # its own names still


def test_token_file_must_be_private_and_long_enough(tmp_path: Path) -> None:
    good = tmp_path / "token"
    good.write_text(TOKEN + "\nignored second line\n")
    good.chmod(0o600)
    assert read_token_file(good) == TOKEN

    loose = tmp_path / "loose"
    loose.write_text(TOKEN + "\n")
    loose.chmod(0o644)
    with pytest.raises(TokenError, match="readable by others"):
        read_token_file(loose)

    short = tmp_path / "short"
    short.write_text("abc\n")
    short.chmod(0o600)
    with pytest.raises(TokenError, match=r"short, line 1: expected a token of at least 16"):
        read_token_file(short)

    with pytest.raises(TokenError, match="cannot read"):
        read_token_file(tmp_path / "missing")


def test_loopback_addresses() -> None:
    assert all(is_loopback(h) for h in ("127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "::", "10.0.0.1", "ops.example", ""))


@pytest.mark.parametrize("argv, says", [
    (["serve", "--host", "0.0.0.0"], "not a loopback address"),
    (["serve", "--host", "::"], "not a loopback address"),
    (["serve", "--ask-vault-pass"], "no terminal to ask a vault password on"),
    (["serve", "--vault-id", "prod@prompt"], "no terminal to ask a vault password on"),
    (["serve", "--port", "70000"], "--port: expected 0..65535"),
])
def test_serve_refuses_bad_options_with_exit_5(argv: list[str], says: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 5
    assert says in capsys.readouterr().err


def test_a_bad_token_file_exits_4(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    token = tmp_path / "tok"
    token.write_text("short\n")
    os.chmod(token, 0o600)
    assert main(["serve", "--port", "0", "--token-file", str(token)]) == 4
    assert "expected a token of at least 16 characters" in capsys.readouterr().err


def test_a_tabs_command_line_carries_paths_and_flags_only(tmp_path: Path, sample_inventory: Path) -> None:
    from ftltui.cli import build_parser
    from ftltui.commands.serve import console_command

    vault_file = tmp_path / "vault-pass"
    vault_file.write_text("the-vault-password\n")
    args = build_parser().parse_args(["--readonly", "--protected", "prod", "serve", "--state-dir", str(tmp_path / "st"),
                                      "-i", str(sample_inventory / "hosts.yml"), "--vault-password-file", str(vault_file)])
    args.readonly = args.readonly or args.global_readonly  # as serve's handler does
    argv = shlex.split(console_command(args))
    assert argv[:3] == [sys.executable, "-m", "ftltui"]
    assert argv[3:] == ["--state-dir", str(tmp_path / "st"), "-i", str(sample_inventory / "hosts.yml"),
                        "--vault-password-file", str(vault_file), "--protected", "prod", "--readonly"]
    assert "the-vault-password" not in " ".join(argv)


def test_without_textual_serve_serve_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "textual_serve", None)  # as if not installed: imports fail
    assert main(["serve"]) == 5
    assert "pip install 'ftl-tui[web]'" in capsys.readouterr().err
