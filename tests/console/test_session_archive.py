"""Issue 16: jobs the queue archives while it runs leave the sessions' memory too.

A real owner :class:`ConsoleSession` (serving its API, as ``ftl-tui daemon`` does) with a
small ``retain_finished`` runs jobs on localhost; an attached :class:`RemoteConsoleSession`
watches. Without a restart, both sessions' job records follow the live store (bounded),
each archived job is announced to their views as ``JobChanged(id, None)`` (the console's
jobs pane drops the row), and ``ftl-tui jobs show N`` of an archived job still answers,
from the archive file, in a second process.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from ftltui.api.session_server import serve_session
from ftltui.console import ConsoleSession
from ftltui.console import updates as up
from ftltui.console.remote_session import RemoteConsoleSession
from ftltui.inventory import load_inventory
from ftltui.jobs import events as jev
from ftltui.jobs.archive import read_archive
from ftltui.jobs.model import Job
from ftltui.paths import REPO_DIR

SOURCES = ["localhost,"]
RETAIN = 3
JOBS = 10


async def until(pred: Any, what: str) -> None:
    for _ in range(3000):  # a guard against a hang, not a speed check
        if pred():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"never: {what}")


def dropped(seen: list[up.ViewUpdate]) -> set[int]:
    return {u.job_id for u in seen if isinstance(u, up.JobChanged) and u.job is None}


async def test_owner_and_attached_sessions_forget_archived_jobs(tmp_path: Path) -> None:
    state = tmp_path / "state"
    owner = ConsoleSession(state, inventory=load_inventory(SOURCES))
    await owner.open()
    assert owner.queue is not None
    owner.queue.retain_finished, owner.queue.archive_every = RETAIN, 0.0  # a daemon's 20,000 / 60 s, scaled down
    server = await serve_session(owner, SOURCES)
    assert server is not None
    attached = RemoteConsoleSession(state)
    await attached.open()
    seen: dict[str, list[up.ViewUpdate]] = {"owner": [], "attached": []}
    owner.subscribe(seen["owner"].append)
    attached.subscribe(seen["attached"].append)
    try:
        ids = []
        for n in range(JOBS):
            job = await owner.submit_run("localhost", "shell", {"cmd": f"echo run-{n}"})
            ids.append(job.id)
            assert (await owner.wait(job.id)).state == "succeeded"
        archived = ids[:-RETAIN]
        await until(lambda: set(archived) <= dropped(seen["owner"]), "the owner's view dropped the archived jobs")
        await until(lambda: set(archived) <= dropped(seen["attached"]), "the attached view dropped them")
        await until(lambda: set(attached.jobs) <= set(ids[-RETAIN:]), "the attached session forgot them")
        live = {d.doc_id for d in owner.queue.store.table("jobs").all()}
        assert live == set(ids[-RETAIN:])  # bounded while running, no restart
        assert set(owner.jobs) == live and set(owner.job_hosts) <= live
        assert owner.running() == 0
        assert [d["id"] for d in read_archive(owner.queue.store.archive_path("jobs"))] == archived

        # a second process, while the owner runs: jobs show reads the archive, jobs list the live store
        env = {**os.environ, "PYTHONPATH": str(REPO_DIR)}

        def ftl(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run([sys.executable, "-m", "ftltui", "jobs", *args, "--state-dir", str(state), "--json"],
                                  capture_output=True, text=True, env=env, timeout=60)

        shown = await asyncio.to_thread(ftl, "show", str(archived[0]))
        assert shown.returncode == 0, shown.stderr
        doc = json.loads(shown.stdout)
        assert (doc["id"], doc["state"], doc["archived"]) == (archived[0], "succeeded", True)
        assert "localhost" in doc["per_host"] and len(doc["attempt_records"]) == 1
        listed = await asyncio.to_thread(ftl, "list")
        assert [r["id"] for r in json.loads(listed.stdout)] == ids[-RETAIN:]
    finally:
        await attached.close()
        await server.close()
        await owner.close()


def test_archived_event_drops_records_hosts_and_matrices(tmp_path: Path) -> None:
    session = ConsoleSession(tmp_path / "state")  # not opened: events are fed as the queue would
    seen: list[up.ViewUpdate] = []
    session.subscribe(seen.append)
    for job_id in (1, 2):
        session.jobs[job_id] = Job(id=job_id, kind="playbook", spec={}, state="succeeded")
        session.job_hosts[job_id] = {"a": "ok"}
        session.feed.play_record(job_id)
    session.on_domain_event(jev.JobsArchived(0, ids=(1,)))
    assert list(session.jobs) == list(session.job_hosts) == list(session.play_records) == [2]
    assert [(u.job_id, u.job) for u in seen if isinstance(u, up.JobChanged)] == [(1, None)]
