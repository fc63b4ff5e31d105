"""A worker per site, for real: the worker runs inside the jump bed's bastion network
namespace and reaches the internal host directly, with no jump host; the owner (this
process, in the default namespace) cannot reach that host at all. The results land in
the owner's job state (TinyDB) and event stream. The broker is the test's redis-server on
a Unix socket, which the namespaced worker reaches through the filesystem."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ftltui.engine.executor import Executor
from ftltui.inventory import load_inventory
from ftltui.jobs import JobQueue
from ftltui.jobs.kinds import enqueue_run, register_builtin
from ftltui.sites.broker import Broker
from ftltui.sites.dispatch import SiteDispatcher
from ftltui.sites.placement import SitePlacement
from ftltui.sites.seal import Sealer, load_key
from ftltui.sites.settings import SiteSettings
from ftltui.state import StateStore

pytestmark = [pytest.mark.ssh, pytest.mark.netns]


def _inventory(path: Path, bed: Any) -> Path:
    """internal-1 with no jump chain, on site "dmz" by its group (``[ftl_site_groups]`` style)."""
    direct = {k: v for k, v in bed.host_vars("internal-1").items() if k != "ftl_jump_hosts"}
    doc = {"all": {"vars": {"ansible_ssh_common_args": f"-o UserKnownHostsFile={bed.known_hosts}",
                            "ansible_timeout": 3},
                   "children": {"dmz_hosts": {"hosts": {"internal-1": direct}}}}}
    path.write_text(json.dumps(doc))
    return path


async def test_worker_in_the_bastion_namespace_runs_the_internal_host(tmp_path: Path, jumpbed: Any,
                                                                     redis_server: Any, key_file: Path,
                                                                     workers: Any) -> None:
    inv = load_inventory([str(_inventory(tmp_path / "inv.json", jumpbed))])
    alone = Executor(inv)  # the owner by itself: no route to the internal network
    try:
        direct = await alone.run("internal-1", "ping", {})
    finally:
        await alone.close()
    assert direct.results["internal-1"].status == "unreachable"

    workers.start("dmz", netns=jumpbed.hosts["bastion"].netns)
    settings = SiteSettings(group_sites=(("dmz_hosts", "dmz"),))
    dispatcher = SiteDispatcher(Broker(redis_server.url, "test"), Sealer(load_key(key_file)), pickup_timeout=30)
    ex = Executor(inv, placements=[SitePlacement(settings, dispatcher, inventory=lambda: inv)])
    q = JobQueue(StateStore.open(tmp_path / "state"), executor=ex, heartbeat=0.05)
    register_builtin(q)
    await q.start()
    seen: list[Any] = []
    q.bus.subscribe(seen.append)
    try:
        job = await q.wait((await enqueue_run(q, "internal-1", "command", {"argv": ["hostname", "-I"]})).id)
    finally:
        await q.stop()
        await ex.close()
        q.store.close()
    assert job.state == "succeeded", (job.reason, workers.log_text()[-2000:])
    address = jumpbed.hosts["internal-1"].address
    outs = [e.event.text for e in seen if e.type == "JobOutput" and e.event.type == "OutputLine"]
    assert address in " ".join(outs).split()
    store = StateStore.open(tmp_path / "state")
    rec = store.table("jobs").get(job.id)
    store.close()
    assert rec["state"] == "succeeded" and rec["summary"]["counts"] == {"changed": 1}
