"""Process shards over real SSH (the sshbed): workers=2 answers as in-process, and a worker
killed mid-run loses only its unfinished hosts, whose remote commands never run twice."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import tempfile

from ftltui.engine.events import Event, HostFinished, HostStarted, OutputLine
from ftltui.engine.placement import LOST_KIND
from ftltui.engine.shards import LOST_MSG

NAMES = ["h01", "h02", "h03", "h04", "h05"]


async def test_ssh_hosts_in_two_workers_answer_as_in_process(sshbed, make_executor) -> None:
    got = {}
    for workers in (1, 2):
        ex = make_executor(sshbed, NAMES, workers=workers)
        seen: list[Event] = []
        ping = await ex.run("all", "ping", {})
        cmd = await ex.run("all", "command", {"argv": ["sh", "-c", "echo out-$(hostname -s 2>/dev/null || echo x); "
                                                        "echo err >&2"]}, on_event=seen.append)
        facts = await ex.run("all", "facts", {})
        assert ex.connection_stats().connections == 5  # in the workers' pools, counted here
        if workers == 2:
            assert len(ex.shards.pids()) == 2
        got[workers] = (ping.counts, {h: (r.status, r.result.get("stdout"), r.result.get("stderr"))
                                      for h, r in cmd.results.items()},
                        facts.counts, set(ex.facts),
                        sorted((type(e).__name__, getattr(e, "host", "")) for e in seen
                               if isinstance(e, (HostStarted, OutputLine, HostFinished))))
    assert got[1] == got[2]
    assert got[2][0]["ok"] == 5 and got[2][3] == set(NAMES)


async def test_ssh_worker_killed_mid_run_no_remote_command_runs_twice(sshbed, make_executor) -> None:
    marks = tempfile.mkdtemp(prefix="ftl-shard-marks-")
    os.chmod(marks, 0o777)  # the bed's hosts write here as the test-bed user
    ex = make_executor(sshbed, NAMES, workers=2)
    started: set[str] = set()
    all_started = asyncio.Event()

    def on_event(ev: Event) -> None:
        if isinstance(ev, OutputLine) and ev.text == "appended":
            started.add(ev.host)
            if len(started) == len(NAMES):
                all_started.set()

    go = os.path.join(marks, "go")
    script = f'echo x >> {marks}/"$1"; echo appended; while [ ! -e {go} ]; do sleep 0.05; done'
    try:
        task = asyncio.create_task(ex.run("all", "command", {"argv": ["sh", "-c", script, "sh", "{{ inventory_hostname }}"]},
                                          on_event=on_event, timeout=60))
        await asyncio.wait_for(all_started.wait(), 30)
        victim = ex.shards.shard_of("h01")
        lost = {h for h in NAMES if ex.shards.shard_of(h) == victim}
        os.kill(ex.shards.pids()[victim], signal.SIGKILL)
        await asyncio.sleep(0.3)
        open(go, "w").close()
        res = await asyncio.wait_for(task, 60)
        for h in NAMES:
            r = res.results[h]
            if h in lost:
                assert (r.status, r.error_kind) == ("failed", LOST_KIND) and LOST_MSG in r.msg, r
            else:
                assert r.status == "changed", r.result
        again = await ex.run("all", "ping", {})  # a fresh worker reconnects
        assert again.counts["ok"] == 5
        for h in NAMES:
            with open(os.path.join(marks, h)) as f:
                assert f.read() == "x\n", h  # appended once: nothing was run again
    finally:
        shutil.rmtree(marks, ignore_errors=True)
