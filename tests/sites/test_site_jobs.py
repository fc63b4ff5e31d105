"""Site workers end to end (issue 17): a real redis-server (password, Unix socket), real
``ftl-tui worker`` processes, the real job queue and TinyDB state on the owner.

Hosts are local-connection hosts here (fast); test_site_netns.py does the SSH case.
A worker is started with ``FTL_SITE_MARK`` in its environment, so a command's output
says where it ran: ``east`` on the worker, ``owner`` in the owner's process.
"""

from __future__ import annotations

import asyncio
import json
import threading
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
from ftltui.vault.envelope import encrypt
from ftltui.vault.secrets import VaultKeyring, VaultSecret

BECOME_PW = "Bec0me-pw-never-in-redis-8812"
VAULT_VALUE = "vaulted-db-pw-never-in-redis-3306"
CLI_SECRET = "cli-secret-never-in-redis-5150"
MARK = "echo ${FTL_SITE_MARK:-owner} {{ inventory_hostname }}"


def _inventory(path: Path, *, site_hosts: list[str], local_hosts: list[str] = (), extra: str = "") -> Path:
    lines = ["all:", "  vars:", "    ansible_connection: local", "  hosts:"]
    for h in site_hosts:
        lines += [f"    {h}:", "      ftl_site: east", f"      ansible_become_password: {BECOME_PW}"]
        if extra:
            lines += [f"      {line}" for line in extra.splitlines()]
    for h in local_hosts:
        lines += [f"    {h}: {{}}"]
    path.write_text("\n".join(lines) + "\n")
    return path


def _vaulted(name: str, value: str) -> str:
    envelope = encrypt(value.encode(), b"vault-pw-for-tests")
    return f"{name}: !vault |\n" + "".join(f"  {line}\n" for line in envelope.splitlines())


def _dispatcher(redis_server: Any, key_file: Path, **kw: Any) -> SiteDispatcher:
    return SiteDispatcher(Broker(redis_server.url, "test"), Sealer(load_key(key_file)), **kw)


async def _owner(tmp_path: Path, inv: Path, redis_server: Any, key_file: Path, **kw: Any) -> JobQueue:
    inventory = load_inventory([str(inv)], VaultKeyring([VaultSecret("default", b"vault-pw-for-tests")]))
    placement = SitePlacement(SiteSettings(), _dispatcher(redis_server, key_file, **kw), inventory=lambda: inventory)
    ex = Executor(inventory, secrets=[CLI_SECRET], placements=[placement])
    q = JobQueue(StateStore.open(tmp_path / "state"), executor=ex, heartbeat=0.05)
    register_builtin(q)
    await q.start()
    return q


async def _close(q: JobQueue) -> None:
    await q.stop()
    await q.executor.close()
    q.store.close()


class Monitor:
    """``MONITOR`` on the broker in a thread: every command anyone sends, as redis-server saw it."""

    def __init__(self, redis_server: Any) -> None:
        self.lines: list[str] = []
        self._client = redis_server.client()
        self._mon = self._client.monitor()
        self._mon.__enter__()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            for cmd in self._mon.listen():
                self.lines.append(str(cmd.get("command", "")))
        except Exception:  # the connection closed at stop()
            pass

    def stop(self) -> str:
        try:
            self._mon.connection.disconnect()
        except Exception:
            pass
        self._thread.join(5)
        return "\n".join(self.lines)


async def test_site_hosts_run_on_the_worker_and_land_in_the_owners_job_state(tmp_path: Path, redis_server: Any,
                                                                             key_file: Path, east: Any) -> None:
    inv = _inventory(tmp_path / "inv.yml", site_hosts=["e1", "e2"], local_hosts=["l1"])
    q = await _owner(tmp_path, inv, redis_server, key_file)
    seen: list[Any] = []
    q.bus.subscribe(seen.append)
    job = await q.wait((await enqueue_run(q, "all", "shell", {"cmd": MARK})).id)
    assert job.state == "succeeded", job.reason
    outs = sorted(e.event.text for e in seen if e.type == "JobOutput" and e.event.type == "OutputLine")
    assert outs == ["east e1", "east e2", "owner l1"]
    log = q.store.log_path(job.id).read_text()
    await _close(q)
    store = StateStore.open(tmp_path / "state")  # durable: a fresh reader sees the job and its output
    rec = store.table("jobs").get(job.id)
    store.close()
    assert rec["state"] == "succeeded" and rec["summary"]["counts"] == {"changed": 3}
    assert "east e1" in log and "owner l1" in log


async def test_secrets_never_reach_redis_in_plaintext(tmp_path: Path, redis_server: Any, key_file: Path,
                                                      east: Any) -> None:
    """A become password and a vault value in the site hosts' vars, a --secret value in the
    arguments: none of them in any command Redis received (MONITOR) nor in any key after."""
    inv = _inventory(tmp_path / "inv.yml", site_hosts=["s1"], extra=_vaulted("db_password", VAULT_VALUE))
    q = await _owner(tmp_path, inv, redis_server, key_file)
    monitor = Monitor(redis_server)
    try:
        job = await q.wait((await enqueue_run(
            q, "s1", "shell", {"cmd": f"echo {{{{ db_password }}}} {CLI_SECRET} {{{{ ansible_become_password }}}}"})).id)
    finally:
        traffic = monitor.stop()
    assert job.state == "succeeded", job.reason
    out = q.store.log_path(job.id).read_text()
    await _close(q)
    assert "ftltui.sites.run_shard" in traffic and "XADD" in traffic.upper()  # the monitor saw the run
    client = redis_server.client()
    dump = [traffic]
    for key in client.scan_iter(match="*"):
        kind = client.type(key).decode()
        if kind == "string":
            dump.append(repr(client.get(key)))
        elif kind == "stream":
            dump.append(repr(client.xrange(key)))
        elif kind == "set":
            dump.append(repr(client.smembers(key)))
        elif kind == "hash":
            dump.append(repr(client.hgetall(key)))
        elif kind == "list":
            dump.append(repr(client.lrange(key, 0, -1)))
        elif kind == "zset":
            dump.append(repr(client.zrange(key, 0, -1)))
    everything = "\n".join(dump)
    for secret in (BECOME_PW, VAULT_VALUE, CLI_SECRET):
        assert secret not in everything
        assert secret not in out  # and the job's log shows them masked
    assert out.count("********") >= 3


async def test_a_task_that_does_not_authenticate_is_refused(tmp_path: Path, redis_server: Any, key_file: Path,
                                                            east: Any, workers: Any) -> None:
    """A task sealed with another key (a forged or stale owner): the worker refuses it, logs it,
    runs nothing; the owner, waiting for its shard, gives up after its pickup timeout."""
    from cryptography.fernet import Fernet

    marker = tmp_path / "ran"
    inv = _inventory(tmp_path / "inv.yml", site_hosts=["f1"])
    inventory = load_inventory([str(inv)])
    forged = SiteDispatcher(Broker(redis_server.url, "test"), Sealer(Fernet.generate_key()), pickup_timeout=1)
    ex = Executor(inventory, placements=[SitePlacement(SiteSettings(), forged)])
    before = int(redis_server.client().get("ftltui:site:refused") or 0)
    try:
        res = await ex.run("f1", "shell", {"cmd": f"touch {marker}"})
    finally:
        await ex.close()
    r = res.results["f1"]
    assert r.status == "unreachable" and "no worker took the shard within 1 s" in r.msg, r.result
    for _ in range(400):  # the worker meets the task (it is idle: at once, on a loaded machine later)
        if int(redis_server.client().get("ftltui:site:refused") or 0) > before:
            break
        await asyncio.sleep(0.05)
    assert int(redis_server.client().get("ftltui:site:refused") or 0) == before + 1
    assert not marker.exists()
    assert "refused a task: it does not authenticate with this key" in workers.log_text()



async def test_a_shard_the_owner_gave_up_on_never_runs_later(tmp_path: Path, redis_server: Any, key_file: Path,
                                                             workers: Any) -> None:
    """No worker of site 'late' is up: the owner reports the host unreachable after its pickup
    timeout (a retry may run it). The task is still in the queue; a worker started afterwards
    meets it and must drop it: the owner closed the shard before reporting."""
    marker = tmp_path / "ran"
    inv = tmp_path / "inv.yml"
    inv.write_text("all:\n  vars: {ansible_connection: local, ftl_site: late}\n  hosts: {z1: {}}\n")
    dispatcher = SiteDispatcher(Broker(redis_server.url, "test"), Sealer(load_key(key_file)), pickup_timeout=1)
    ex = Executor(load_inventory([str(inv)]), placements=[SitePlacement(SiteSettings(), dispatcher)])
    try:
        res = await ex.run("z1", "shell", {"cmd": f"echo x >> {marker}"})
    finally:
        await ex.close()
    assert res.results["z1"].status == "unreachable", res.results["z1"].result
    workers.start("late")
    for _ in range(200):  # the new worker takes the queued task at once (later on a loaded machine)
        if "shard" in workers.log_text() and "dropped" in workers.log_text():
            break
        await asyncio.sleep(0.05)
    assert "dropped" in workers.log_text()
    assert not marker.exists()


async def test_a_worker_killed_mid_shard_is_redelivered_and_no_host_runs_twice(tmp_path: Path, redis_server: Any,
                                                                             key_file: Path, workers: Any) -> None:
    """``kill -9`` of the worker while the shard runs a non-idempotent append: the owner sees
    its claim lapse, says so, and sends the shard again; the new worker skips the hosts that
    finished and reports the one that was running as ``lost`` (not run again): every host
    appended at most once and has exactly one result."""
    out = tmp_path / "appends"
    gate = tmp_path / "gate"
    hosts = [f"k{i}" for i in range(4)]
    inv = tmp_path / "inv.yml"
    inv.write_text("all:\n  vars:\n    ansible_connection: local\n    ftl_site: kill\n  hosts:\n"
                   + "".join(f"    {h}: {{}}\n" for h in hosts))
    workers.start("kill", concurrency=1, count=2)  # two workers of the site: one takes the shard
    inventory = load_inventory([str(inv)])
    # forks 1 on the worker: hosts run one after another; k2 waits for the gate file (the kill)
    placement = SitePlacement(SiteSettings(), _dispatcher(redis_server, key_file), forks=1)
    ex = Executor(inventory, placements=[placement])
    cmd = (f"echo {{{{ inventory_hostname }}}} >> {out}; if [ {{{{ inventory_hostname }}}} = k2 ]; then "
           f"while [ ! -e {gate} ]; do sleep 0.05; done; fi")
    seen: list[Any] = []
    run = asyncio.create_task(ex.run("all", "shell", {"cmd": cmd}, on_event=seen.append))
    for _ in range(400):
        if out.exists() and "k2" in out.read_text():
            break
        await asyncio.sleep(0.05)
    assert "k2" in out.read_text(), workers.log_text()[-2000:]
    client = redis_server.client()
    holder = client.get(next(iter(client.scan_iter(match="ftltui:site:lease:*:kill")))).decode()
    workers.kill9(workers.by_pid(int(holder.rsplit(":", 1)[1])))  # the one running the shard
    gate.touch()
    res = await asyncio.wait_for(run, 60)
    await ex.close()
    appended = out.read_text().split()
    assert sorted(appended) == sorted(set(appended)), appended  # no host ran twice
    assert set(appended) == set(hosts)
    st = {h: (r.status, r.error_kind) for h, r in res.results.items()}
    assert st["k0"] == st["k1"] == ("changed", None) and st["k3"] == ("changed", None)
    assert st["k2"] == ("failed", "lost") and "not run again" in res.results["k2"].msg
    finished = [e.host for e in seen if e.type == "HostFinished"]
    assert sorted(finished) == sorted(hosts)  # each host's result exactly once
    lost = [e.text for e in seen if e.type == "Warning_" and "lost mid-shard" in e.text]
    assert len(lost) == 1 and "k0 changed" in lost[0] and "k2 running" in lost[0] and "k3 not started" in lost[0]


def test_workers_lists_live_workers(redis_server: Any, east: Any, capsys: pytest.CaptureFixture[str],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from ftltui.cli import main

    monkeypatch.setenv("FTL_TUI_BROKER", redis_server.url)
    assert main(["workers", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    mine = [r for r in rows if r["pid"] == east.pid]
    assert mine and mine[0]["site"] == "east" and mine[0]["heartbeat_age"] < 15
    assert main(["workers"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("SITE") and "east" in text and redis_server.url not in text


def test_ftl_tui_run_sends_site_hosts_to_their_worker(tmp_path: Path, redis_server: Any, key_file: Path,
                                                      east: Any, capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The headless owner: ``ftl-tui run`` with the broker in $FTL_TUI_BROKER and the key and a
    group mapping in ansible.cfg; the mapped host's output comes from the worker."""
    from ftltui.cli import main

    inv = tmp_path / "hosts.ini"
    inv.write_text("[east_dc]\ng1 ansible_connection=local\n\n[here]\nh1 ansible_connection=local\n")
    cfg = tmp_path / "ansible.cfg"
    cfg.write_text(f"[ftl_sites]\nkey_file = {key_file}\n\n[ftl_site_groups]\neast_dc = east\n")
    monkeypatch.setenv("FTL_TUI_BROKER", redis_server.url)
    monkeypatch.setenv("ANSIBLE_CONFIG", str(cfg))
    code = main(["run", "all", "-m", "shell", "-a", "echo ran-on-${FTL_SITE_MARK:-owner}", "-i", str(inv),
                 "--state-dir", str(tmp_path / "s")])
    out, err = capsys.readouterr()
    assert code == 0, out + err
    assert "g1 | CHANGED | rc=0 >>\nran-on-east\n" in out, out
    assert "h1 | CHANGED | rc=0 >>\nran-on-owner\n" in out, out
    assert redis_server.url not in out + err


async def test_the_console_session_shows_site_hosts_live(tmp_path: Path, redis_server: Any, key_file: Path,
                                                         east: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The console core: a run job of the console's own queue sends the site host to its
    worker; the console's updates carry its output live and its host status."""
    from ftltui.console import updates as up
    from ftltui.console.session import ConsoleSession

    cfg = tmp_path / "ansible.cfg"
    cfg.write_text(f"[ftl_sites]\nkey_file = {key_file}\n")
    monkeypatch.setenv("ANSIBLE_CONFIG", str(cfg))
    monkeypatch.setenv("FTL_TUI_BROKER", redis_server.url)
    inv = _inventory(tmp_path / "inv.yml", site_hosts=["c1"], local_hosts=["c2"])
    seen: list[Any] = []
    async with ConsoleSession(tmp_path / "state", inventory=load_inventory([str(inv)])) as session:
        session.subscribe(seen.append)
        job = await session.submit_run("all", "shell", {"cmd": MARK})
        assert session.queue is not None
        job = await session.queue.wait(job.id)
        await asyncio.sleep(0)
        statuses = session.host_results(job)
    assert job.state == "succeeded", job.reason
    assert statuses == {"c1": "changed", "c2": "changed"}
    text = " ".join(repr(u) for u in seen if not isinstance(u, up.JobChanged))
    assert "east c1" in text and "owner c2" in text


def _play(tmp_path: Path, inventory_ini: str, playbook: str, key_file: Path, redis_server: Any,
          capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> str:
    """``ftl-tui play`` as the headless owner (the broker in $FTL_TUI_BROKER, the key in
    ansible.cfg) on this inventory and playbook; its stdout, once it exited 0."""
    from ftltui.cli import main

    inv = tmp_path / "hosts.ini"
    inv.write_text(inventory_ini)
    book = tmp_path / "site.yml"
    book.write_text(playbook)
    cfg = tmp_path / "ansible.cfg"
    cfg.write_text(f"[ftl_sites]\nkey_file = {key_file}\n")
    monkeypatch.setenv("FTL_TUI_BROKER", redis_server.url)
    monkeypatch.setenv("ANSIBLE_CONFIG", str(cfg))
    code = main(["play", str(book), "-i", str(inv), "--state-dir", str(tmp_path / "s")])
    out, err = capsys.readouterr()
    assert code == 0, out + err
    return out


def test_ftl_tui_play_runs_each_task_of_a_site_host_on_its_worker(tmp_path: Path, redis_server: Any,
                                                                  key_file: Path, east: Any,
                                                                  capsys: pytest.CaptureFixture[str],
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A playbook: each task's call for the site host goes to the worker (one shard per task),
    a registered result comes back to the owner for the next task's template."""
    out = _play(tmp_path, "[all:vars]\nansible_connection=local\n\n[east_dc]\np1 ftl_site=east\n\n[here]\np2\n",
                "- hosts: all\n  gather_facts: false\n  tasks:\n"
                "    - shell: echo ${FTL_SITE_MARK:-owner}\n      register: where\n"
                "    - debug:\n        msg: \"{{ inventory_hostname }} ran on {{ where.stdout }}\"\n",
                key_file, redis_server, capsys, monkeypatch)
    assert '"msg": "p1 ran on east"' in out and '"msg": "p2 ran on owner"' in out, out


async def test_cancel_reaches_the_worker(tmp_path: Path, redis_server: Any, key_file: Path, east: Any) -> None:
    """Cancelling a run stops its site hosts on the worker (the worker's heartbeat sees the
    owner's cancel key): both end ``cancelled``, their commands never reach the next step."""
    after = tmp_path / "after"
    inv = _inventory(tmp_path / "inv.yml", site_hosts=["x1", "x2"])
    inventory = load_inventory([str(inv)])
    ex = Executor(inventory, placements=[SitePlacement(SiteSettings(), _dispatcher(redis_server, key_file))])
    seen: list[Any] = []
    run = asyncio.create_task(ex.run("all", "shell", {"cmd": f"sleep 90.417; touch {after}"}, run_id="cancelme",
                                     on_event=seen.append))
    for _ in range(600):
        if sum(1 for e in seen if e.type == "HostStarted") == 2:
            break
        await asyncio.sleep(0.05)
    assert ex.cancel("cancelme")
    res = await asyncio.wait_for(run, 60)
    await ex.close()
    assert res.cancelled and {h: r.status for h, r in res.results.items()} == {"x1": "cancelled", "x2": "cancelled"}
    assert not after.exists()
    assert sorted(e.host for e in seen if e.type == "HostFinished") == ["x1", "x2"]
    for _ in range(200):  # the worker's engine stopped the commands (not only the owner's bookkeeping)
        if not _processes_with("sleep 90.417"):
            break
        await asyncio.sleep(0.05)
    assert not _processes_with("sleep 90.417")


def _processes_with(text: str) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if text in (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace"):
                    out.append(int(entry.name))
            except OSError:
                pass
    return out


def test_no_log_task_on_a_site_host_registers_the_real_result(tmp_path: Path, redis_server: Any, key_file: Path,
                                                              east: Any, capsys: pytest.CaptureFixture[str],
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """``no_log: true`` with ``register``: the output shown is censored, the registered value is
    the real one (the worker sends it apart, sealed), as in-process."""
    out = _play(tmp_path, "[all:vars]\nansible_connection=local\n\n[all]\nn1 ftl_site=east\n",
                "- hosts: all\n  gather_facts: false\n  tasks:\n"
                "    - shell: echo hidden-${FTL_SITE_MARK:-owner}\n      register: out\n      no_log: true\n"
                "    - debug:\n        msg: \"registered {{ out.stdout }}\"\n",
                key_file, redis_server, capsys, monkeypatch)
    assert '"msg": "registered hidden-east"' in out, out
    assert out.count("hidden-east") == 1, out  # only the debug line shows it; the no_log task's output is censored
