"""``no_log`` is censored at the source: the executor's bus never carries the secret.

Anyone may subscribe to ``Executor.bus`` (the console, jobs, logs); a ``no_log`` task's
host result and output must reach them censored, while the playbook runner, which
asked, still gets the real result for ``register``. ansible-playbook runs the same
playbook: the registered values (written to a file by a later task) and the recap must
agree, so the real result did reach ``register``. Native modules and Ansible's own
(``ftl_ansible_modules``) both, and a queued job's state files too.
"""

from __future__ import annotations

import json
import shutil
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from ftltui.engine.executor import Executor
from ftltui.inventory.loader import load_inventory
from ftltui.jobs import JobQueue
from ftltui.jobs.kinds import register_builtin
from ftltui.jobs.playbook_kind import enqueue_playbook
from ftltui.playbook.loader import load_playbook
from ftltui.playbook.options import PlayOptions
from ftltui.playbook.runner import run_playbook
from ftltui.state import StateStore

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "playbook"))
from runner_oracle import ansible, tree

pytestmark = pytest.mark.skipif(shutil.which("ansible-playbook") is None, reason="ansible-core not installed")

PLAYBOOK = """\
- hosts: all
  gather_facts: false
  tasks:
    - file: path="{{ out }}" state=directory
      run_once: true
    - name: read the secret
      command: cat "{{ secret_file }}"
      register: got
      no_log: true
    - name: fail with the secret in the output
      shell: cat "{{ secret_file }}"; cat "{{ secret_file }}" >&2; exit 3
      register: bad
      no_log: true
      ignore_errors: true
    - name: a loop
      shell: cat "{{ secret_file }}"
      loop: [one]
      register: looped
      no_log: true
    - name: what register got
      copy:
        content: "{{ got.stdout }}|{{ bad.rc }}|{{ bad.stderr }}|{{ looped.results[0].stdout }}\\n"
        dest: "{{ out }}/{{ inventory_hostname }}"
      no_log: true
"""


def _setup(tmp_path: Path) -> tuple[str, Path, Path, Path]:
    secret = f"nolog-{uuid.uuid4().hex}"
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text(secret + "\n")
    inv = tmp_path / "hosts.ini"
    inv.write_text(f"native ansible_connection=local ansible_python_interpreter={sys.executable}\n"
                   f"ansible ansible_connection=local ansible_python_interpreter={sys.executable} "
                   f"ftl_ansible_modules=command,shell\n")
    book = tmp_path / "nolog.yml"
    book.write_text(PLAYBOOK)
    return secret, secret_file, inv, book


def _dump(events: list[Any]) -> str:
    return json.dumps([e.to_dict() for e in events], default=str)


async def test_bus_subscribers_never_see_a_no_log_result_register_gets_it(tmp_path: Path) -> None:
    secret, secret_file, inv, book = _setup(tmp_path)
    a_rc, a_recap, a_text = ansible(book, inv, tmp_path / "ansible", "-e", f"secret_file={secret_file}")
    assert a_recap, a_text[-3000:]

    ex = Executor(load_inventory([str(inv)]), base_dir=str(tmp_path))
    on_bus: list[Any] = []
    ex.bus.subscribe(on_bus.append)
    shown: list[Any] = []
    options = PlayOptions(extra_vars={"out": str(tmp_path / "ftl"), "secret_file": str(secret_file)})
    try:
        finished = await run_playbook(load_playbook(book), ex, options, shown.append)
    finally:
        await ex.close()
    assert {h: s.to_dict() for h, s in finished.stats.items()} == a_recap
    assert finished.exit_code == a_rc
    assert tree(tmp_path / "ftl") == tree(tmp_path / "ansible")
    assert (tmp_path / "ftl" / "native").read_text() == f"{secret}|3|{secret}|{secret}\n"  # register got it
    censored = [e for e in on_bus if e.type == "HostFinished" and "censored" in e.result.result]
    assert len(censored) == 2 * 4  # every host of every no_log task
    assert not [e for e in on_bus if e.type == "OutputLine"]
    assert secret not in _dump(on_bus)
    assert secret not in _dump(shown)


async def test_executor_returns_the_real_result_only_to_a_caller_that_asks(tmp_path: Path) -> None:
    secret, secret_file, inv, _ = _setup(tmp_path)
    ex = Executor(load_inventory([str(inv)]))
    on_bus: list[Any] = []
    ex.bus.subscribe(on_bus.append)
    try:
        for keep in (True, False):
            on_event: list[Any] = []
            res = await ex.run("all", "shell", {"cmd": f"cat {secret_file}; exit 1"}, no_log=True, keep_result=keep,
                               on_event=on_event.append)
            for host in ("native", "ansible"):
                got = res.results[host]
                assert got.status == "failed"
                assert (got.result.get("stdout") == secret) is keep, (host, got.result)
            assert secret not in _dump(on_event)
        plain = await ex.run("native", "shell", {"cmd": f"cat {secret_file}"}, keep_result=True)
        assert plain.results["native"].result["stdout"] == secret  # without no_log: nothing censored
    finally:
        await ex.close()
    assert secret not in _dump([e for e in on_bus if e.run_id != plain.run_id])


async def test_a_queued_playbook_job_stores_no_no_log_secret(tmp_path: Path) -> None:
    secret, secret_file, inv, book = _setup(tmp_path)
    ex = Executor(load_inventory([str(inv)]))
    on_bus: list[Any] = []
    ex.bus.subscribe(on_bus.append)
    q = JobQueue(StateStore.open(tmp_path / "state"), executor=ex, heartbeat=0.05)
    register_builtin(q)
    queued: list[Any] = []
    q.bus.subscribe(queued.append)
    await q.start()
    try:
        job = await enqueue_playbook(q, book, options={"extra_vars": {"out": str(tmp_path / "ftl"),
                                                                       "secret_file": str(secret_file)}})
        job = await q.wait(job.id)
        assert job.state == "succeeded", job.reason
    finally:
        await q.stop()
        await ex.close()
        q.store.close()
    assert (tmp_path / "ftl" / "ansible").read_text() == f"{secret}|3|{secret}|{secret}\n"
    stored = [p for p in (tmp_path / "state").rglob("*") if p.is_file()]
    assert stored and not [p for p in stored if secret.encode() in p.read_bytes()]
    assert secret not in _dump(on_bus) + json.dumps([getattr(e, "__dict__", str(e)) for e in queued], default=str)
