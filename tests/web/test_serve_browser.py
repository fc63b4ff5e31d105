"""``ftl-tui serve`` in a real browser (issue 16): headless Chromium driven by Playwright.

One real ``ftl-tui serve`` process for the module (a temp copy of the sample inventory,
a temp FTL_TUI_HOME, any free loopback port), then:

- without the token, with a wrong one, or from a foreign Origin or Host, every request
  is 403 and serve has no console process under it; the same websocket request from
  the right Origin does start one (the check can see a console);
- Chromium opens the printed URL in two tabs; each shows the four panes' tabs and says
  it is attached to serve (serve owns the state directory); ``:run localhost ping`` is
  typed in the first and its result shows, and the job shows in the second tab's Jobs
  pane; the tabs' console processes have the token neither in their command lines nor
  in their environments;
- a second serve, ``--readonly``: the tab says READ-ONLY, ``:run`` is refused on screen
  and serve has no job.

(``--host 0.0.0.0`` without ``--public`` and the other refused options: test_serve_guard.py.)

Reading the screen: textual-serve's xterm.js draws on a canvas (WebGL), so the text is
not in the DOM. The test serves textual.js with one statement added that keeps a
reference to the page's xterm ``Terminal`` on ``window``, and reads the terminal's
buffer: the cells the canvas draws, row by row. Nothing else of the page changes.
Every request the page makes to anything but the served port is aborted (and fails the
test), so no traffic leaves the loopback server.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

pytest.importorskip("textual_serve")
sync_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = "/usr/bin/chromium"
SAMPLE = Path(__file__).resolve().parents[2] / "sample_inventory"
PATCH_FROM = "this.terminal.open(e),"
PATCH_TO = PATCH_FROM + "(window.__ftlTerminals=window.__ftlTerminals||[]).push(this.terminal),"
SCREEN_JS = """() => {
  const t = (window.__ftlTerminals || [])[0];
  if (!t) return '';
  const b = t.buffer.active, rows = [];
  for (let i = 0; i < t.rows; i++) { const l = b.getLine(b.viewportY + i); rows.push(l ? l.translateToString(true) : ''); }
  return rows.join('\\n');
}"""


class Served:
    """The running ``ftl-tui serve``: its process, URL, token and the cookie the guard sets."""

    def __init__(self, proc: subprocess.Popen[bytes], url: str, errlog: Path, home: Path) -> None:
        self.proc = proc
        self.home = home
        self.url = url
        self.errlog = errlog
        m = re.match(r"http://(127\.0\.0\.1):(\d+)/\?token=(\S+)$", url)
        assert m, url
        self.host, self.port, self.token = m.group(1), int(m.group(2)), m.group(3)
        self.base = f"http://{self.host}:{self.port}"
        self.cookie = f"ftltui_token_{self.port}={self.token}"


def children_of(pid: int) -> list[int]:
    """Live processes whose parent is ``pid`` (from /proc: a console tab is one)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry))
    return found


def descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        kids = children_of(todo.pop())
        found += kids
        todo += kids
    return found


def consoles_of(pid: int) -> list[int]:
    """The tabs' console processes under serve (``python -m ftltui --state-dir ...``; serve's
    own job processes, such as a local gate, are not consoles)."""
    found = []
    for child in descendants(pid):
        try:
            if b"ftltui\0--state-dir" in Path(f"/proc/{child}/cmdline").read_bytes():
                found.append(child)
        except OSError:
            continue  # ended meanwhile
    return found


def wait_for(predicate, what: str, limit: float = 90.0, step: float = 0.1):
    """Poll ``predicate`` until it returns something true (bounded, generous for a loaded
    CI machine: a limit to stop a hung test, not a timing assert)."""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"gave up waiting for {what}")


@contextmanager
def serving(root: Path, *options: str) -> Iterator[Served]:
    """A real ``ftl-tui serve --port 0 OPTIONS`` on a copy of the sample inventory and a
    state dir of its own under ``root``; stopped with SIGTERM."""
    inventory = root / "inventory"
    shutil.copytree(SAMPLE, inventory)
    home = root / "home"
    home.mkdir()
    errlog = root / "serve.err"
    env = dict(os.environ, FTL_TUI_HOME=str(home), TEXTUAL_ANIMATIONS="none")
    with errlog.open("wb") as err:
        proc = subprocess.Popen([sys.executable, "-m", "ftltui", "serve", "--port", "0", *options,
                                 "-i", str(inventory / "hosts.yml")],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err, env=env, cwd=root)

    def printed_url() -> str | None:
        assert proc.poll() is None, errlog.read_text()
        m = re.search(r"serving the console on (http://[^\s;]+)", errlog.read_text())
        return m.group(1) if m else None

    try:
        yield Served(proc, wait_for(printed_url, "serve's URL"), errlog, home)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serving(tmp_path_factory.mktemp("serve")) as running:
        yield running


def http_get(served: Served, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], str]:
    """One plain HTTP/1.1 GET to the served port (raw socket: a websocket upgrade too)."""
    fields = {"Host": f"{served.host}:{served.port}", "Connection": "close", **(headers or {})}
    lines = [f"GET {path} HTTP/1.1", *(f"{k}: {v}" for k, v in fields.items())]
    with socket.create_connection((served.host, served.port), timeout=10) as s:
        s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        got = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in header_lines)}
        while len(body) < int(got.get("content-length", 0)) and (chunk := s.recv(65536)):
            body += chunk
    return int(status_line.split()[1]), got, body.decode("utf-8", "replace")


def websocket_headers(origin: str | None, cookie: str | None) -> dict[str, str]:
    headers = {"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13",
               "Sec-WebSocket-Key": base64.b64encode(os.urandom(16)).decode()}
    if origin:
        headers["Origin"] = origin
    if cookie:
        headers["Cookie"] = cookie
    return headers


def test_without_the_token_nothing_starts(served: Served) -> None:
    origin = served.base
    refused = {
        "page, no token": http_get(served, "/"),
        "page, wrong token": http_get(served, "/?token=not-the-token-at-all"),
        "static, no token": http_get(served, "/static/js/textual.js"),
        "websocket, no token": http_get(served, "/ws?width=80&height=24", websocket_headers(origin, None)),
        "websocket, wrong cookie": http_get(served, "/ws", websocket_headers(origin, f"ftltui_token_{served.port}=not-the-token")),
        "websocket, foreign origin": http_get(served, "/ws", websocket_headers("http://evil.example", served.cookie)),
        "websocket, no origin": http_get(served, "/ws", websocket_headers(None, served.cookie)),
        "page, foreign Host": http_get(served, f"/?token={served.token}", {"Host": f"evil.example:{served.port}"}),
    }
    for what, (status, _, body) in refused.items():
        assert status == 403, (what, status, body)
        assert served.token not in body
    assert consoles_of(served.proc.pid) == [], "a refused request started a console"

    # the good ?token= sets the cookie and leaves the URL
    status, headers, _ = http_get(served, f"/?token={served.token}")
    assert status == 303 and headers["location"] == "/"
    assert "HttpOnly" in headers["set-cookie"] and "SameSite=Strict" in headers["set-cookie"]
    assert http_get(served, "/", {"Cookie": served.cookie})[0] == 200

    # control: the same websocket request from the served origin is accepted and starts a console
    with socket.create_connection((served.host, served.port), timeout=10) as s:
        head = "\r\n".join([f"GET /ws?width=80&height=24 HTTP/1.1", f"Host: {served.host}:{served.port}",
                            *(f"{k}: {v}" for k, v in websocket_headers(origin, served.cookie).items())])
        s.sendall((head + "\r\n\r\n").encode())
        assert s.recv(12) == b"HTTP/1.1 101"
        wait_for(lambda: consoles_of(served.proc.pid), "the console of the accepted websocket")
    wait_for(lambda: not consoles_of(served.proc.pid), "the console to end with its websocket")


TABS = ("1 Inventory", "2 Logs", "3 Drift", "4 Jobs")


def screen(page) -> str:
    """What the page's terminal shows, row by row (see the module doc)."""
    return page.evaluate(SCREEN_JS)


@contextmanager
def chromium(served: Served) -> Iterator:
    """Headless system Chromium whose pages reach the served port only (``foreign``
    collects anything else they tried, and must stay empty)."""
    foreign: list[str] = []

    def only_the_server(route) -> None:
        if not route.request.url.startswith(served.base + "/"):
            foreign.append(route.request.url)
            route.abort()
            return
        route.fallback()

    def keep_terminal(route) -> None:
        response = route.fetch()
        body = response.text()
        assert PATCH_FROM in body, "textual-serve's textual.js changed: update PATCH_FROM"
        route.fulfill(response=response, body=body.replace(PATCH_FROM, PATCH_TO, 1))

    def open_tab():
        page = browser.new_page(viewport={"width": 1280, "height": 800})  # a context of its own: no cookie yet
        page.route("**/*", only_the_server)
        page.route("**/static/js/textual.js", keep_terminal)
        page.goto(served.url)
        assert page.url == served.base + "/", "the token should leave the address bar"
        # the four panes' tabs, the inventory pane listing the sample's hosts, serve as the owner
        attached = f"attached to pid {served.proc.pid}"
        wait_for(lambda: all(t in (s := screen(page)) for t in TABS) and "localhost" in s and attached in s,
                 "the console's panes")
        page.locator(".xterm-helper-textarea").focus()
        return page

    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield open_tab
        finally:
            browser.close()
    assert foreign == []


def command(page, line: str) -> None:
    """Type ``:LINE`` and enter, as a user does (the command line must be open first)."""
    page.keyboard.press(":")
    wait_for(lambda: "esc Close" in screen(page), "the command line to open")
    page.keyboard.type(line, delay=15)
    page.keyboard.press("Enter")


def test_two_tabs_in_chromium_share_the_owner_and_run_a_module(served: Served) -> None:
    with chromium(served) as open_tab:
        first, second = open_tab(), open_tab()
        second.keyboard.press("4")  # the second tab watches its Jobs pane
        command(first, "run localhost ping")
        result = wait_for(lambda: (s := screen(first)) and "SUCCESS" in s and "pong" in s and s,
                          "the ping's result on screen")
        assert "localhost" in result
        # the job is the owner's: the other tab shows it, live
        wait_for(lambda: "ping on localhost" in (s := screen(second)) and "succeeded" in s,
                 "the first tab's job in the second tab's Jobs pane")

        consoles = consoles_of(served.proc.pid)
        assert len(consoles) == 2, "two tabs, two consoles"
        for pid in consoles:  # a tab's console: no token in argv or env
            for part in ("cmdline", "environ"):
                assert served.token.encode() not in Path(f"/proc/{pid}/{part}").read_bytes(), (pid, part)


def test_readonly_serve_shows_everything_and_starts_nothing(tmp_path: Path) -> None:
    with serving(tmp_path, "--readonly") as ro, chromium(ro) as open_tab:
        page = open_tab()
        assert "READ-ONLY" in screen(page)
        command(page, "run localhost ping")
        wait_for(lambda: "run refused" in screen(page), "the refusal on screen")
        jobs = subprocess.run([sys.executable, "-m", "ftltui", "--state-dir", str(ro.home), "jobs", "list", "--json"],
                              capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
        assert jobs.returncode == 0, jobs.stderr
        assert json.loads(jobs.stdout) == [], "a read-only serve started a job"
