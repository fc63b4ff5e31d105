"""Process shards (ftltui.engine.shards) on local hosts: real worker processes, real modules.

What the executor's callers see must not depend on ``workers``: the same results, the
same events in the same order per host, facts, hostvars, no_log, cancel, fail_fast. A
worker killed with SIGKILL fails only its unfinished hosts, as ``lost``, and nothing runs
twice; secrets reach workers only on their pipe.
"""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import pytest

from ftltui.engine.events import Event, HostFinished, HostStarted, OutputLine, RunFinished, RunStarted
from ftltui.engine.executor import Executor
from ftltui.engine.placement import LOST_KIND
from ftltui.engine.shards import LOST_MSG, auto_workers
from ftltui.inventory import load_inventory
from ftltui.jobs.retry import HELD, decide

SECRET = "sw0rdf1sh-4711"


def _per_host(events: list[Event]) -> dict[str, tuple[list[str], dict[str, list[str]], str]]:
    """Each host's event types in order, its output lines per stream in order (stdout and stderr
    are two pipes: their interleaving is the OS's, not ours), and its final status."""
    out: dict[str, tuple[list[str], dict[str, list[str]], str]] = {}
    for e in events:
        host = getattr(e, "host", None)
        if host is None:
            continue
        types, lines, _ = out.setdefault(host, ([], {}, ""))
        if not isinstance(e, OutputLine) or not types or types[-1] != "OutputLine":
            types.append(type(e).__name__)
        if isinstance(e, OutputLine):
            lines.setdefault(e.stream, []).append(e.text)
        if isinstance(e, HostFinished):
            out[host] = (types, lines, e.result.status)
    return out


async def _run_both(inv, *calls):
    """Every call on workers=1 and on workers=3 (same inventory): results and events of each."""
    out = {}
    for workers in (1, 3):
        ex = Executor(inv, workers=workers, forks=10)
        runs = []
        try:
            for module, args, kw in calls:
                seen: list[Event] = []
                res = await ex.run("all", module, args, on_event=seen.append, **kw)
                runs.append((res, seen))
            if workers == 3:
                assert len(ex.shards.pids()) == 3  # the hosts really ran in three worker processes
            out[workers] = (runs, dict(ex.facts))
        finally:
            await ex.close()
    return out


async def test_workers_3_gives_the_same_results_and_events_as_in_process(local_inventory, tmp_path):
    inv = load_inventory(local_inventory(7, group_vars={"colour": "teal"}))
    script = ("echo one {{ inventory_hostname }} {{ colour }}; echo two >&2; "
              "echo three {{ hostvars['l1'].colour }}; [ {{ inventory_hostname }} = l3 ] && exit 4 || true")
    calls = [
        ("shell", {"cmd": script}, {}),
        ("facts", {}, {}),
        ("shell", {"cmd": "echo {{ ansible_facts.hostname | default(ansible_hostname) }}"}, {}),
        ("copy", {"content": "x\n", "dest": str(tmp_path / "{{ inventory_hostname }}.txt")}, {"check": True}),
        ("shell", {"cmd": "echo zq-private-zq"}, {"no_log": True}),
    ]
    both = await _run_both(inv, *calls)
    (runs1, facts1), (runs3, facts3) = both[1], both[3]
    assert set(facts1) == set(facts3) == {f"l{i}" for i in range(1, 8)}  # executor.facts from the workers
    for (r1, e1), (r3, e3) in zip(runs1, runs3):
        assert r1.counts == r3.counts
        assert list(r1.results) == list(r3.results)  # inventory order, whoever ran the host
        for h in r1.results:
            a, b = r1.results[h], r3.results[h]
            assert (a.status, a.error_kind) == (b.status, b.error_kind), h
            for key in ("stdout", "stderr", "rc", "msg", "censored"):
                assert a.result.get(key) == b.result.get(key), (h, key)
        assert _per_host(e1) == _per_host(e3)
        assert isinstance(e3[0], RunStarted) and isinstance(e3[-1], RunFinished)
        assert sum(isinstance(e, RunStarted) for e in e3) == 1
    shell = runs3[0][0]
    assert shell.results["l3"].status == "failed" and shell.results["l1"].result["stdout"] == "one l1 teal\nthree teal"
    assert not (tmp_path / "l1.txt").exists()  # check mode reached the workers
    hidden_events = runs3[4][1]
    assert not [e for e in hidden_events if isinstance(e, OutputLine)] and "zq-private-zq" not in repr(hidden_events)


async def test_sigkill_of_a_worker_fails_its_unfinished_hosts_as_lost_and_nothing_runs_twice(local_inventory,
                                                                                             tmp_path):
    inv = load_inventory(local_inventory(6))
    ex = Executor(inv, workers=2)
    go = tmp_path / "go"
    marks = tmp_path / "marks"
    marks.mkdir()
    # non-idempotent: appends a line, then waits for the test's go
    cmd = f"echo x >> {marks}/{{{{ inventory_hostname }}}}; while [ ! -e {go} ]; do sleep 0.05; done"
    started: set[str] = set()
    seen: list[Event] = []

    def on_event(ev: Event) -> None:
        seen.append(ev)
        if isinstance(ev, HostStarted):
            started.add(ev.host)

    try:
        task = asyncio.create_task(ex.run("all", "shell", {"cmd": cmd}, on_event=on_event, timeout=60))
        while len(list(marks.iterdir())) < 6:  # every host appended: all are mid-run
            await asyncio.sleep(0.05)
        victim = ex.shards.shard_of("l1")
        victim_hosts = {f"l{i}" for i in range(1, 7) if ex.shards.shard_of(f"l{i}") == victim}
        os.kill(ex.shards.pids()[victim], signal.SIGKILL)
        await asyncio.sleep(0.3)  # the loss is seen before the others are let go
        go.touch()
        res = await task
        for h in sorted(res.results):
            hr = res.results[h]
            if h in victim_hosts:
                assert (hr.status, hr.error_kind) == ("failed", LOST_KIND), hr
                assert LOST_MSG in hr.msg and "SIGKILL" in hr.msg
                assert decide(hr.status, hr.error_kind, is_idempotent=False) == HELD
            else:
                assert hr.status == "changed", hr
        assert sum(isinstance(e, HostFinished) for e in seen) == 6
        assert all((marks / f"l{i}").read_text() == "x\n" for i in range(1, 7))  # no host ran twice
        # the next run gets a fresh worker for the lost shard
        res = await ex.run("all", "ping", {})
        assert res.counts["ok"] == 6 and len(ex.shards.pids()) == 2
    finally:
        await ex.close()
    assert all((marks / f"l{i}").read_text() == "x\n" for i in range(1, 7))


async def test_cancel_fail_fast_and_timeout_in_workers(local_inventory):
    inv = load_inventory(local_inventory(4))
    ex = Executor(inv, workers=2)
    try:
        task = asyncio.create_task(ex.run("all", "shell", {"cmd": "sleep 30"}, run_id="c1"))
        started: set[str] = set()
        unsub = ex.bus.subscribe(lambda e: started.add(e.host) if isinstance(e, HostStarted) else None)
        while len(started) < 4:
            await asyncio.sleep(0.02)
        unsub()
        assert ex.cancel("c1")
        res = await task
        assert res.cancelled and res.counts["cancelled"] == 4
        # fail_fast: l1 fails at once; the others, in both workers, stop with the fail_fast message
        res = await ex.run("all", "shell", {"cmd": "[ {{ inventory_hostname }} = l1 ] && exit 3; sleep 30"},
                           fail_fast=True)
        assert res.results["l1"].status == "failed"
        for h in ("l2", "l3", "l4"):
            assert res.results[h].status == "cancelled" and "fail_fast" in res.results[h].msg, res.results[h]
        res = await ex.run("all", "shell", {"cmd": "sleep 30"}, timeout=0.5)
        assert {r.error_kind for r in res.results.values()} == {"timeout"}
        # cancelling the awaiting task: every host cancelled, the error goes through
        task = asyncio.create_task(ex.run("all", "shell", {"cmd": "sleep 30"}))
        await asyncio.sleep(0.5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    finally:
        await ex.close()


async def test_secrets_reach_workers_only_on_their_pipe(local_inventory):
    inv = load_inventory(local_inventory(4, group_vars={"ansible_become_password": SECRET}))
    ex = Executor(inv, workers=2, secrets=["an0ther-s3cret"])
    try:
        seen: list[Event] = []
        res = await ex.run("all", "shell", {"cmd": f"echo {SECRET} an0ther-s3cret"}, on_event=seen.append)
        assert res.counts["changed"] == 4
        assert SECRET not in repr(seen) and "an0ther-s3cret" not in repr(seen)
        assert all(r.result["stdout"] == "******** ********" for r in res.results.values())
        pids = ex.shards.pids()
        assert len(pids) == 2
        for pid in pids:
            for what in ("cmdline", "environ"):
                data = Path(f"/proc/{pid}/{what}").read_bytes()
                assert SECRET.encode() not in data and b"an0ther-s3cret" not in data, what
            assert Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[1:3] == [b"-m", b"ftltui.engine.shards.worker"]
    finally:
        await ex.close()
    assert all(not Path(f"/proc/{pid}").exists() or b"zombie" in Path(f"/proc/{pid}/status").read_bytes().lower()
               for pid in pids)  # close() ended the workers


def test_workers_setting_from_the_environment_then_ansible_cfg(tmp_path):
    from ftltui.engine.shards.auto import configured_workers

    cfg = tmp_path / "ansible.cfg"
    env = {"ANSIBLE_CONFIG": str(cfg)}
    assert configured_workers(env, cwd=tmp_path) is None  # no file: auto
    cfg.write_text("[defaults]\nforks = 5\n\n[ftl_tui]\nworkers = 3   ; this machine's cores\n")
    assert configured_workers(env, cwd=tmp_path) == 3
    assert configured_workers({**env, "FTL_TUI_WORKERS": "2"}, cwd=tmp_path) == 2  # the variable wins
    assert configured_workers({**env, "FTL_TUI_WORKERS": "auto"}, cwd=tmp_path) is None
    cfg.write_text("[ftl_tui]\nworkers = lots\n")
    with pytest.raises(ValueError, match=r"ansible\.cfg: \[ftl_tui\] workers: expected a whole number"):
        configured_workers(env, cwd=tmp_path)
    with pytest.raises(ValueError, match="FTL_TUI_WORKERS: expected"):
        configured_workers({"FTL_TUI_WORKERS": "0"}, cwd=tmp_path)


def test_auto_workers_shards_only_large_inventories():
    assert auto_workers(10, cores=8) == 1
    assert auto_workers(10_000, cores=2) == 2
    assert auto_workers(10_000, cores=64) > 2


async def test_a_run_job_whose_worker_is_lost_holds_those_hosts_and_reruns_none(local_inventory, tmp_path):
    """The job layer above: the retry ledger sees ``lost`` (uncertain) for the dead worker's hosts,
    so a non-idempotent command is held, not retried, and the job's other attempts skip them."""
    from ftltui.jobs import JobQueue, RetryPolicy
    from ftltui.jobs.kinds import enqueue_run, register_builtin
    from ftltui.jobs.retry import HELD_MSG
    from ftltui.state import StateStore

    ex = Executor(load_inventory(local_inventory(4)), workers=2)
    store = StateStore.open(tmp_path / "state")
    q = JobQueue(store, executor=ex, heartbeat=0.05)
    register_builtin(q)
    marks, go = tmp_path / "marks", tmp_path / "go"
    marks.mkdir()
    cmd = f"echo x >> {marks}/{{{{ inventory_hostname }}}}; while [ ! -e {go} ]; do sleep 0.05; done"
    await q.start()
    try:
        job = await enqueue_run(q, "all", "shell", {"cmd": cmd}, retry=RetryPolicy(base_delay=0.01))
        while len(list(marks.iterdir())) < 4:
            await asyncio.sleep(0.05)
        victim = ex.shards.shard_of("l1")
        lost = {f"l{i}" for i in range(1, 5) if ex.shards.shard_of(f"l{i}") == victim}
        os.kill(ex.shards.pids()[victim], signal.SIGKILL)
        await asyncio.sleep(0.3)
        go.touch()
        await q.wait(job.id)
        job = q.get(job.id)
    finally:
        await q.stop()
        await ex.close()
        store.close()
    assert job.state == "failed" and HELD_MSG in job.reason, (job.state, job.reason)
    for h, entry in job.per_host.items():
        kinds = [a["error_kind"] for a in entry["attempts"]]
        assert kinds == (["lost"] if h in lost else [None]), (h, entry)
    assert all((marks / f"l{i}").read_text() == "x\n" for i in range(1, 5))


async def test_a_faces_key_prompt_stays_in_the_controller(local_inventory):
    """The console and --ask-key-pass put a prompt (a callable bound to the face) in the SSH
    options: it cannot cross the pipe, and used to fail every host with 'cannot pickle'. The
    workers run without it; the controller keeps it."""
    import threading

    lock = threading.Lock()  # like the console's prompt, which holds its app: not picklable

    def ask(key_path: str) -> str:
        with lock:
            return ""

    ex = Executor(load_inventory(local_inventory(4)), workers=2, forks=10, ssh_options={"key_passphrase": ask})
    try:
        res = await ex.run("all", "ping", {})
        assert res.counts["ok"] == len(res.results) > 0, {h: r.result for h, r in res.results.items()}
        assert len(ex.shards.pids()) == 2
    finally:
        await ex.close()
