"""A scheduled drift scan that cannot reach one host still reports the drift it found on
the others (session 10 review, finding 3): the scan job fails (the unreachable host's drift
is unknown, 18ecb55), and the notification says so, instead of 'ended failed: nothing sent'.
A real queue, engine, webhook server and an SSH port nothing listens on."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml
from schedule_helpers import FakeClock, drift_queue
from test_notify import hook, until  # noqa: F401 - the webhook server fixture

from ftltui.schedule.command import queue_submitter
from ftltui.schedule.model import ScheduleBook
from ftltui.schedule.notify import Notify
from ftltui.schedule.scheduler import Scheduler

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "drift"))
from drift_helpers import make_root
from netutil import closed_port


async def test_a_scan_missing_one_host_still_reports_the_others_drift(tmp_path: Path, hook) -> None:  # noqa: F811
    url, received = hook
    root = make_root(tmp_path / "w1")
    inv = tmp_path / "inv.yml"
    inv.write_text(yaml.safe_dump({"all": {"vars": {"ftl_drift_sections": ["users", "files"]}, "hosts": {
        "w1": {"ansible_connection": "local", "ftl_drift_root": str(root)},
        "w2": {"ansible_host": "127.0.0.1", "ansible_port": closed_port(), "ansible_user": "nobody"}}}}))
    q: Any = await drift_queue(tmp_path / "state", inv)
    clock = FakeClock(1_800_000_000.0)
    book = ScheduleBook(q.store, clock=clock.now)
    try:
        s = book.add("* * * * *", ["drift", "scan", "all"], notify=Notify(min_severity="high", url=url + "/hook"))
        sch = Scheduler(book, queue_submitter(q), clock=clock)
        await clock.set(clock.now() + 60)
        (first,) = await sch.tick()
        await until(lambda: book.get(s.id).last_notify, "the first scan's notification record")
        assert q.get(first.job_id).state == "failed"  # w2 was not scanned
        assert book.get(s.id).last_notify == (f"scan job {first.job_id} (failed: 1 host(s) scanned, the others "
                                              "not): no drift at or above high: nothing sent")

        with open(root / "etc" / "passwd", "a") as fh:  # a new user on w1: high
            fh.write("bob:x:1001:1001:Bob:/home/bob:/bin/bash\n")
        await clock.set(clock.now() + 60)
        (second,) = await sch.tick()
        await until(lambda: book.get(s.id).last_notify.startswith(f"scan job {second.job_id}"), "the notification")
        assert q.get(second.job_id).state == "failed"
        assert book.get(s.id).last_notify == (f"scan job {second.job_id} (failed: 1 host(s) scanned, the others "
                                              f"not): posted to {url}/hook: HTTP 204")
        [(_path, _ctype, body)] = received
        payload = json.loads(body)
        assert ("user", "bob", "high") in {(g["type"], g["id"], g["severity"]) for g in payload["groups"]}
    finally:
        await q.stop()
        await q.executor.close()
        q.store.close()
