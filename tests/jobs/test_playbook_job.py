"""The playbook job kind end to end (real state store, real engine, real files), with
ansible-playbook as the oracle for which hosts a re-run from failure takes (its .retry
file) and for the recap the job records."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from netutil import closed_port

from ftltui.engine.executor import Executor
from ftltui.inventory import load_inventory
from ftltui.jobs import JobQueue
from ftltui.jobs.content_store import ContentStore
from ftltui.jobs.kinds import register_builtin
from ftltui.jobs.playbook_kind import enqueue_playbook, failed_hosts, held_hosts, rerun_from_failure
from ftltui.state import StateStore

PLAYBOOK = """\
- name: write and check
  hosts: all
  gather_facts: false
  tasks:
    - name: write the version
      copy:
        content: "{version}\\n"
        dest: "{{{{ out }}}}/{{{{ inventory_hostname }}}}.txt"
    - name: go only where allowed
      command: test -e {{{{ out }}}}/go-{{{{ inventory_hostname }}}}
"""

RECAP = re.compile(r"^(\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)\s+"
                   r"rescued=(\d+)\s+ignored=(\d+)", re.M)


def _inventory(tmp_path: Path) -> Path:
    inv = tmp_path / "inv.yml"
    inv.write_text("all:\n  vars:\n    ansible_python_interpreter: python3\n  hosts:\n"
                   "    l1:\n      ansible_connection: local\n    l2:\n      ansible_connection: local\n"
                   f"    far:\n      ansible_host: 127.0.0.1\n      ansible_port: {closed_port()}\n"
                   "      ansible_user: nobody\n")
    return inv


def _ansible(tmp_path: Path, inv: Path, book: Path, out: Path) -> tuple[dict[str, dict[str, int]], list[str]]:
    """ansible-playbook's recap and its .retry file for the same playbook."""
    retry_dir = tmp_path / "retry"
    env = {**os.environ, "ANSIBLE_RETRY_FILES_ENABLED": "1", "ANSIBLE_RETRY_FILES_SAVE_PATH": str(retry_dir),
           "ANSIBLE_HOST_KEY_CHECKING": "0", "ANSIBLE_NOCOLOR": "1", "ANSIBLE_TIMEOUT": "5"}
    proc = subprocess.run(["ansible-playbook", "-i", str(inv), str(book), "-e", f"out={out}"],
                          capture_output=True, text=True, env=env, cwd=tmp_path)
    assert proc.returncode in (2, 4), proc.stdout + proc.stderr
    keys = ("ok", "changed", "unreachable", "failed", "skipped", "rescued", "ignored")
    recap = {m[0]: dict(zip(keys, map(int, m[1:]))) for m in RECAP.findall(proc.stdout)}
    retry = (retry_dir / (book.stem + ".retry")).read_text().split()
    return recap, sorted(retry)


async def test_rerun_from_failure_runs_the_stored_content_on_failed_hosts_only(tmp_path: Path) -> None:
    inv = _inventory(tmp_path)
    book = tmp_path / "site.yml"
    book.write_text(PLAYBOOK.format(version="v1"))
    oracle_out, out = tmp_path / "oracle", tmp_path / "out"
    for d in (oracle_out, out):
        d.mkdir()
        (d / "go-l1").touch()
    recap, retry = _ansible(tmp_path, inv, book, oracle_out)

    q = JobQueue(StateStore.open(tmp_path / "state"), executor=Executor(load_inventory([str(inv)])), heartbeat=0.05)
    register_builtin(q)
    await q.start()
    try:
        job = await enqueue_playbook(q, book, options={"extra_vars": {"out": str(out)}})
        job = await q.wait(job.id)
        assert job.state == "failed" and job.attempts == 1  # never retried by itself
        assert job.hosts == ["l1", "l2", "far"]
        assert job.summary["recap"] == recap and job.summary["ran"] == "live"
        assert failed_hosts(job) == retry == ["far", "l2"]  # what ansible's .retry file lists
        assert (out / "l1.txt").read_text() == (out / "l2.txt").read_text() == "v1\n"

        book.write_text(PLAYBOOK.format(version="v2"))  # the playbook changes; l2 is fixed
        (out / "go-l2").touch()
        for f in ("l1.txt", "l2.txt"):
            (out / f).unlink()
        again = await q.wait((await rerun_from_failure(q, job)).id)
        assert again.spec["options"]["limit"] == "far,l2" and again.spec["content"] == job.spec["content"]
        assert again.summary["ran"] == "stored" and again.parent == job.id
        assert (out / "l2.txt").read_text() == "v1\n"  # what ran before, not what the file says now
        assert not (out / "l1.txt").exists()  # l1 finished the playbook: never run again
        assert set(again.summary["recap"]) == {"l2", "far"} and failed_hosts(again) == ["far"]
        assert "running the stored content" in q.store.log_path(again.id).read_text()
        manifest = ContentStore(q.store.path).manifest(job.spec["content"])
        assert manifest.main == "site.yml" and "site.yml" in manifest.files
    finally:
        await q.stop()
        await q.executor.close()
        q.store.close()


ROLE_BOOK = """\
- hosts: l1
  gather_facts: false
  vars_files: [vars/main.yml]
  roles: [app]
"""


async def test_requeue_runs_the_stored_role_template_and_vars_file(tmp_path: Path) -> None:
    """Roles (tasks, templates) and vars files are content of the job too."""
    inv = tmp_path / "inv.yml"
    inv.write_text("all:\n  hosts:\n    l1:\n      ansible_connection: local\n")
    (tmp_path / "vars").mkdir()
    (tmp_path / "vars" / "main.yml").write_text("colour: blue\n")
    tasks, templates = tmp_path / "roles/app/tasks", tmp_path / "roles/app/templates"
    tasks.mkdir(parents=True)
    templates.mkdir(parents=True)
    (tasks / "main.yml").write_text("- template: src=app.conf.j2 dest={{ out }}\n")
    (templates / "app.conf.j2").write_text("colour={{ colour }} v1\n")
    book, out = tmp_path / "site.yml", tmp_path / "app.conf"
    book.write_text(ROLE_BOOK)
    q = JobQueue(StateStore.open(tmp_path / "state"), executor=Executor(load_inventory([str(inv)])), heartbeat=0.05)
    register_builtin(q)
    await q.start()
    try:
        job = await q.wait((await enqueue_playbook(q, book, options={"extra_vars": {"out": str(out)}})).id)
        assert job.state == "succeeded", job.reason
        assert out.read_text() == "colour=blue v1\n"
        files = set(ContentStore(q.store.path).manifest(job.spec["content"]).files)
        assert {"site.yml", "vars/main.yml", "roles/app/tasks/main.yml", "roles/app/templates/app.conf.j2"} <= files
        (templates / "app.conf.j2").write_text("colour={{ colour }} v2\n")
        (tmp_path / "vars" / "main.yml").write_text("colour: red\n")
        out.unlink()
        again = await q.wait((await q.requeue(job.id)).id)
        assert again.state == "succeeded" and again.summary["ran"] == "stored", again.reason
        assert out.read_text() == "colour=blue v1\n"
        fresh = await q.wait((await enqueue_playbook(q, book, options={"extra_vars": {"out": str(out)}})).id)
        assert fresh.summary["ran"] == "live" and out.read_text() == "colour=red v2\n"
    finally:
        await q.stop()
        await q.executor.close()
        q.store.close()
    shown = subprocess.run([sys.executable, "-m", "ftltui", "jobs", "show", str(again.id), "--state-dir",
                            str(tmp_path / "state")], capture_output=True, text=True)
    assert f"content sha256:{job.spec['content']} of {book} (ran the stored copy" in shown.stdout, shown.stdout


async def test_cancel_closes_the_hosts_and_rerun_holds_them(tmp_path: Path) -> None:
    import asyncio

    inv = tmp_path / "inv.yml"
    inv.write_text("all:\n  hosts:\n    l1:\n      ansible_connection: local\n")
    book = tmp_path / "site.yml"
    book.write_text("- hosts: l1\n  gather_facts: false\n  tasks:\n    - command: sleep 60\n")
    q = JobQueue(StateStore.open(tmp_path / "state"), executor=Executor(load_inventory([str(inv)])), heartbeat=0.05,
                 grace=5.0)
    register_builtin(q)
    await q.start()
    started = asyncio.Event()
    q.bus.subscribe(lambda e: started.set() if getattr(getattr(e, "event", None), "type", "") == "TaskStarted"
                    else None)
    try:
        job = await enqueue_playbook(q, book)
        await asyncio.wait_for(started.wait(), 60)
        await q.cancel(job.id)
        job = await q.wait(job.id)
        assert job.state == "cancelled", job.reason
        # cancelled mid-task: the task may have run, so a re-run from failure leaves it alone
        # (README "Retries", hR finding 7); a requeue is the explicit re-run
        assert job.per_host["l1"]["state"] == "cancelled" and failed_hosts(job) == []
        assert held_hosts(job) == {"l1": "cancelled while it ran"}
        assert await rerun_from_failure(q, job) is None
    finally:
        await q.stop()
        await q.executor.close()
        q.store.close()


async def test_a_private_answer_printed_by_a_task_is_masked_for_every_listener(tmp_path: Path) -> None:
    """A private ``vars_prompt`` answer is a job secret: a task that prints it (debug, shell
    output) reaches the job log and the queue's subscribers (the console, API clients)
    masked. The playbook runner's own events used to pass unredacted."""
    from ftltui.jobs.events import JobOutput

    secret = "pr1vate-Answer-93"
    inv = tmp_path / "hosts.yml"
    inv.write_text("all:\n  vars: {ansible_connection: local}\n  hosts: {l1: {}}\n")
    book = tmp_path / "site.yml"
    book.write_text("- hosts: all\n  gather_facts: false\n"
                    "  vars_prompt:\n    - name: token\n      private: true\n  tasks:\n"
                    "    - debug: msg='token {{ token }}'\n    - command: echo {{ token }}\n")
    q = JobQueue(StateStore.open(tmp_path / "state"), executor=Executor(load_inventory([str(inv)])), heartbeat=0.05)
    register_builtin(q)
    seen: list[str] = []
    q.bus.subscribe(lambda ev: seen.append(repr(ev.event)) if isinstance(ev, JobOutput) else None)
    await q.start()
    try:
        job = await enqueue_playbook(q, book, answers={"token": secret}, private=["token"])
        job = await q.wait(job.id)
        assert job.state == "succeeded", job.reason
        log = q.store.log_path(job.id).read_text()
    finally:
        await q.stop()
    assert any("token" in s for s in seen) and "********" in " ".join(seen)
    assert not [s for s in seen if secret in s]
    assert secret not in log
