"""The executor against real in-process modules on local 'hosts'."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest

from ftltui.engine.events import HostFinished, HostStarted, OutputLine, RunFinished, RunStarted
from ftltui.engine.executor import Executor
from ftltui.errors import ModuleArgsError, UnknownModuleError
from ftltui.inventory import load_inventory


async def test_ping_emits_events_in_order(local_inventory):
    ex = Executor(load_inventory(local_inventory(2)))
    seen = []
    res = await ex.run("all", "ping", {}, on_event=seen.append)
    await ex.close()
    assert res.counts["ok"] == 2 and res.exit_code == 0
    assert all(r.result["ping"] == "pong" for r in res.results.values())
    kinds = [type(e) for e in seen]
    assert kinds[0] is RunStarted and kinds[-1] is RunFinished
    for host in ("l1", "l2"):
        started = next(i for i, e in enumerate(seen) if isinstance(e, HostStarted) and e.host == host)
        done = next(i for i, e in enumerate(seen) if isinstance(e, HostFinished) and e.host == host)
        assert started < done


async def test_output_streams_before_the_command_ends(local_inventory, tmp_path):
    """The command waits for a flag that the test only creates after seeing the first line.

    If output were delivered at the end only, the run would never finish (timeout fails it).
    """
    flag = tmp_path / "flag"
    ex = Executor(load_inventory(local_inventory(1)))
    lines = []

    def on_event(ev):
        if isinstance(ev, OutputLine):
            lines.append(ev.text)
            if ev.text == "first":
                flag.touch()

    script = f"echo first; while [ ! -e {flag} ]; do sleep 0.02; done; echo second"
    res = await ex.run("l1", "shell", {"cmd": script}, timeout=20, on_event=on_event)
    await ex.close()
    assert res.results["l1"].status == "changed", res.results["l1"].result
    assert lines == ["first", "second"]


async def test_templated_args_render_per_host(local_inventory, tmp_path):
    inv = load_inventory(local_inventory(3, group_vars={"app_port": 8080}))
    ex = Executor(inv)
    dest = str(tmp_path / "{{ inventory_hostname }}.conf")
    res = await ex.run("all", "copy", {"content": "port={{ app_port }} host={{ inventory_hostname }}\n", "dest": dest})
    await ex.close()
    assert res.counts["changed"] == 3
    for h in ("l1", "l2", "l3"):
        assert (tmp_path / f"{h}.conf").read_text() == f"port=8080 host={h}\n"


async def test_undefined_variable_names_variable_host_and_argument(local_inventory):
    ex = Executor(load_inventory(local_inventory(1)))
    res = await ex.run("l1", "command", {"cmd": "echo {{ nope_var }}"})
    await ex.close()
    r = res.results["l1"]
    assert r.status == "failed" and r.error_kind == "template"
    assert "nope_var" in r.msg and "l1" in r.msg and "cmd" in r.msg


async def test_bad_input_fails_before_any_host_runs(local_inventory):
    ex = Executor(load_inventory(local_inventory(1)))
    seen = []
    with pytest.raises(UnknownModuleError, match="no_such_module"):
        await ex.run("all", "no_such_module", {}, on_event=seen.append)
    with pytest.raises(ModuleArgsError, match="bogus"):
        await ex.run("all", "ping", {"bogus": 1}, on_event=seen.append)
    with pytest.raises(ModuleArgsError, match="state"):
        await ex.run("all", "file", {"path": "/tmp/x", "state": "sideways"}, on_event=seen.append)
    await ex.close()
    assert seen == []


async def test_per_host_timeout_kills_the_command(local_inventory):
    ex = Executor(load_inventory(local_inventory(1)))
    pids = []
    res = await ex.run("l1", "shell", {"cmd": "echo $$; exec sleep 30"}, timeout=1.0,
                       on_event=lambda e: isinstance(e, OutputLine) and pids.append(int(e.text)))
    await ex.close()
    r = res.results["l1"]
    assert r.status == "failed" and r.error_kind == "timeout"
    assert pids and not _alive(pids[0])


async def test_forks_caps_concurrency(local_inventory):
    ex = Executor(load_inventory(local_inventory(6)), forks=2)
    running, peak = set(), 0

    def on_event(ev):
        nonlocal peak
        if isinstance(ev, HostStarted):
            running.add(ev.host)
            peak = max(peak, len(running))
        elif isinstance(ev, HostFinished):
            running.discard(ev.host)

    res = await ex.run("all", "shell", {"cmd": "sleep 0.2"}, on_event=on_event)
    await ex.close()
    assert res.counts["changed"] == 6 and peak == 2


async def test_fail_fast_cancels_the_rest(local_inventory):
    ex = Executor(load_inventory(local_inventory(5)), forks=2)
    cmd = "if [ {{ inventory_hostname }} = l1 ]; then exit 3; fi; exec sleep 30"
    res = await ex.run("all", "shell", {"cmd": cmd}, fail_fast=True, timeout=60)
    await ex.close()
    statuses = {h: r.status for h, r in res.results.items()}
    assert statuses["l1"] == "failed"
    assert all(statuses[h] == "cancelled" for h in ("l2", "l3", "l4", "l5")), statuses
    assert any("fail_fast" in res.results[h].msg for h in ("l3", "l4", "l5"))


async def test_cancelling_the_task_cancels_every_host(local_inventory):
    ex = Executor(load_inventory(local_inventory(3)))
    pids, finished = [], []

    def on_event(ev):
        if isinstance(ev, OutputLine):
            pids.append(int(ev.text))
        elif isinstance(ev, HostFinished):
            finished.append(ev.result)

    task = asyncio.create_task(ex.run("all", "shell", {"cmd": "echo $$; exec sleep 30"}, on_event=on_event))
    for _ in range(200):
        if len(pids) == 3:
            break
        await asyncio.sleep(0.02)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await ex.close()
    assert sorted(r.status for r in finished) == ["cancelled"] * 3
    await asyncio.sleep(0.2)
    assert not any(_alive(p) for p in pids)


async def test_cancel_by_run_id_returns_cancelled_result(local_inventory):
    ex = Executor(load_inventory(local_inventory(2)))
    task = asyncio.create_task(ex.run("all", "shell", {"cmd": "exec sleep 30"}, run_id="r1"))
    for _ in range(100):
        if "r1" in ex.active_runs:
            break
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.2)
    assert ex.cancel("r1")
    res = await task
    await ex.close()
    assert res.cancelled and res.counts["cancelled"] == 2 and res.exit_code == 2


async def test_facts_are_remembered_for_templates(local_inventory, tmp_path):
    ex = Executor(load_inventory(local_inventory(1)))
    res = await ex.run("l1", "facts", {})
    assert res.results["l1"].ok, res.results["l1"].result
    out = tmp_path / "kernel"
    res = await ex.run("l1", "copy", {"content": "{{ ansible_kernel }}", "dest": str(out)})
    await ex.close()
    assert res.results["l1"].changed
    assert out.read_text() == os.uname().release


async def test_template_and_fetch_actions(local_inventory, tmp_path):
    tpl = tmp_path / "app.conf.j2"
    tpl.write_text("name={{ inventory_hostname }}\n{% for g in group_names %}group={{ g }}\n{% endfor %}")
    ex = Executor(load_inventory(local_inventory(1)), base_dir=str(tmp_path))
    dest = tmp_path / "out" / "app.conf"
    dest.parent.mkdir()
    res = await ex.run("l1", "template", {"src": "app.conf.j2", "dest": str(dest)})
    assert res.results["l1"].changed, res.results["l1"].result
    assert dest.read_text() == "name=l1\ngroup=locals\n"
    res = await ex.run("l1", "template", {"src": "app.conf.j2", "dest": str(dest)})
    assert res.results["l1"].status == "ok"  # idempotent
    fetched = tmp_path / "fetched"
    res = await ex.run("l1", "fetch", {"src": str(dest), "dest": str(fetched)})
    await ex.close()
    assert res.results["l1"].changed, res.results["l1"].result
    assert (fetched / "l1" / str(dest).lstrip("/")).read_text() == dest.read_text()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead for our purposes
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


async def test_many_local_hosts_create_the_same_directory_tree(local_inventory, tmp_path):
    """Local 'hosts' share one filesystem: concurrent mkdir of one parent must not fail."""
    ex = Executor(load_inventory(local_inventory(8)), forks=8)
    res = await ex.run("all", "file", {"path": str(tmp_path / "a/b/c/{{ inventory_hostname }}"), "state": "directory"})
    await ex.close()
    assert res.counts["changed"] == 8, {h: r.msg for h, r in res.results.items()}


async def test_groups_and_hostvars_in_templates(local_inventory, tmp_path):
    """``groups`` lists every group's hosts (children included); ``hostvars`` reaches other hosts."""
    ex = Executor(load_inventory(local_inventory(3, host_vars={"role": "x"})))
    out = tmp_path / "{{ inventory_hostname }}"
    content = "{{ groups['locals'] | join(',') }} {{ groups['all'] | length }} {{ hostvars['l2'].role }}"
    res = await ex.run("l1:l3", "copy", {"content": content, "dest": str(out)})
    await ex.close()
    assert res.counts["changed"] == 2, {h: r.msg for h, r in res.results.items()}
    assert (tmp_path / "l1").read_text() == (tmp_path / "l3").read_text() == "l1,l2,l3 3 x"
