"""A scheduled drift scan that finds drift POSTs the JSON report to a local HTTP server
(started by the test) and runs a command with it on stdin; no drift, nothing sent. The
payload is compared with what ``ftl-tui drift show --format json`` prints afterwards."""

from __future__ import annotations

import asyncio
import io
import json
import sys
import threading
from contextlib import redirect_stdout
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml
from schedule_helpers import FakeClock, drift_queue

from ftltui.cli import main
from ftltui.schedule.command import queue_submitter
from ftltui.schedule.model import ScheduleBook
from ftltui.schedule.notify import Notify
from ftltui.schedule.scheduler import Scheduler

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "drift"))
from drift_helpers import make_root


class Hook(BaseHTTPRequestHandler):
    received: list[tuple[str, str, bytes]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Hook.received.append((self.path, self.headers["Content-Type"], body))
        self.send_response(500 if self.path == "/broken" else 204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def hook():
    Hook.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", Hook.received
    server.shutdown()
    server.server_close()


async def until(cond, what: str) -> None:
    for _ in range(3000):
        if cond():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"never happened: {what}")


async def test_drift_scan_notifies_webhook_and_command(tmp_path: Path, hook) -> None:
    url, received = hook
    root = make_root(tmp_path / "w1")
    inv = tmp_path / "inv.yml"
    inv.write_text(yaml.safe_dump({"all": {"vars": {"ansible_connection": "local",
                                                    "ftl_drift_sections": ["users", "files"]},
                                           "hosts": {"w1": {"ftl_drift_root": str(root)}}}}))
    state = tmp_path / "state"
    got_stdin = tmp_path / "stdin.json"
    script = f"import os,sys; open({str(got_stdin)!r},'wb').write(sys.stdin.buffer.read()); " \
             f"open({str(got_stdin)!r}+'.env','w').write(os.environ['FTL_TUI_SCHEDULE_ID']+' '+os.environ['FTL_TUI_JOB_ID'])"
    url_file = tmp_path / "hook.url"
    url_file.write_text(url + "/broken\n")

    q: Any = await drift_queue(state, inv)
    clock = FakeClock(1_800_000_000.0)
    book = ScheduleBook(q.store, clock=clock.now)
    try:
        s = book.add("* * * * *", ["drift", "scan", "all"],
                     notify=Notify(min_severity="high", url=url + "/hook", command=[sys.executable, "-c", script]))
        broken = book.add("*/2 * * * *", ["drift", "scan", "all"], paused=True,
                          notify=Notify(min_severity="low", url_file=str(url_file)))
        sch = Scheduler(book, queue_submitter(q), clock=clock)  # as the daemon calls it: no book given

        await clock.set(clock.now() + 60)
        (first,) = await sch.tick()
        await until(lambda: book.get(s.id).last_notify, "the first scan's notification record")
        assert book.get(s.id).last_notify == f"scan job {first.job_id}: no drift at or above high: nothing sent"
        assert received == [] and not got_stdin.exists()

        with open(root / "etc" / "passwd", "a") as fh:  # a new user: high
            fh.write("bob:x:1001:1001:Bob:/home/bob:/bin/bash\n")
        (root / "etc" / "hosts").write_text("127.0.0.1 localhost\n10.0.0.5 db\n")  # medium: below the threshold
        await clock.set(clock.now() + 60)
        (second,) = await sch.tick()
        await until(lambda: book.get(s.id).last_notify.startswith(f"scan job {second.job_id}"), "the notification")
        assert book.get(s.id).last_notify == (f"scan job {second.job_id}: posted to {url}/hook: HTTP 204; "
                                              f"command {sys.executable} exited 0")
        [(path, ctype, body)] = received
        assert (path, ctype) == ("/hook", "application/json")
        assert got_stdin.read_bytes() == body
        assert (Path(str(got_stdin) + ".env")).read_text() == f"{s.id} {second.job_id}"

        book.set_paused(s.id, True)  # a failing webhook, its URL read from a file: recorded, not raised
        book.set_paused(broken.id, False)
        await clock.set(clock.now() + 120)
        (third,) = await sch.tick()
        await until(lambda: book.get(broken.id).last_notify, "the failed POST record")
        # nothing changed since the last scan: at severity low the report is empty too
        assert book.get(broken.id).last_notify == f"scan job {third.job_id}: no drift at or above low: nothing sent"
        (root / "etc" / "hosts").write_text("127.0.0.1 localhost\n")
        await clock.set(clock.now() + 120)
        (fourth,) = await sch.tick()
        await until(lambda: str(fourth.job_id) in book.get(broken.id).last_notify, "the failed POST record")
        assert book.get(broken.id).last_notify == f"scan job {fourth.job_id}: POST to the webhook failed: HTTP 500"
        assert url not in json.dumps([d for d in q.store.table("schedules").all()][1])  # a file path, not the URL
    finally:
        await q.stop()
        await q.executor.close()
        q.store.close()

    # the payload is the report `drift show` prints for the same threshold (comparing the
    # same two snapshots: shown before the later scans, so compare the groups it names)
    payload = json.loads(body)
    assert {(g["type"], g["id"], g["severity"]) for g in payload["groups"]} == {
        ("user", "bob", "high"), ("file", "/etc/passwd", "high")}  # /etc/hosts (medium) is below it
    assert payload["min_severity"] == "high" and payload["below_threshold"] >= 1
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["--state-dir", str(state), "drift", "show", "all", "-i", str(inv), "--format", "json",
                     "--min-severity", "high", "--from", payload["comparisons"][0]["before"],
                     "--to", payload["comparisons"][0]["after"]]) == 1
    shown = json.loads(out.getvalue())
    for doc in (shown, payload):
        doc.pop("generated_at")
        for c in doc["comparisons"]:
            c.pop("basis")  # how the pair was chosen: by default there, by --from/--to here
    assert shown == payload
