"""``vars_prompt``'s ``encrypt``/``salt``/``confirm``/``unsafe`` and quoted booleans, as
ansible-playbook 2.19 honours them (hR s11 finding 9: they were accepted and ignored, so
``encrypt: sha512_crypt`` gave the plaintext where a crypt hash belongs).

On a pty, ansible-playbook beside ftl-tui, typing the same keys: a ``confirm`` mismatch says
``***** VALUES ENTERED DO NOT MATCH ****`` and asks both again, the encrypted answer is the
same SHA-512 crypt hash, ``unsafe`` keeps ``{{ 1 + 1 }}`` literal, a plain answer is
templated (2), ``private: "False"`` echoes: the screens are the same, character for
character. The console's path (answers given before the job, a private one as a job
secret) gives the same values; an ``encrypt`` ftl-tui cannot compute is refused at load.
"""

from __future__ import annotations

import os
import select
import signal
import sys
import time
from pathlib import Path

import pytest
from ptycli import read_rest, spawn

from ftltui.engine.executor import Executor
from ftltui.inventory import load_inventory
from ftltui.jobs import JobQueue
from ftltui.jobs.kinds import register_builtin
from ftltui.jobs.playbook_kind import enqueue_playbook
from ftltui.playbook.loader import load_playbook
from ftltui.playbook.model import PlaybookError
from ftltui.state import StateStore

PLAYBOOK = """\
- hosts: h1
  gather_facts: false
  vars_prompt:
    - name: pw
      prompt: New password
      encrypt: sha512_crypt
      salt: abcdefgh12345678
      confirm: true
    - name: raw
      prompt: Raw text
      private: "False"
      unsafe: true
    - name: tmpl
      prompt: Template text
      private: false
  tasks:
    - debug: msg="pw={{ pw }} raw={{ raw }} tmpl={{ tmpl }}"
    - copy: content="{{ pw }} {{ raw }} {{ tmpl }}" dest={{ out }}
"""
# ansible-playbook's value for pw (passlib's sha512_crypt at Ansible's 656000 rounds)
HASH = ("$6$rounds=656000$abcdefgh12345678$qRU.8frLk7kqjKJJbW5mUA/CJV7ju6wRdtwU1Mz4twWH8IIU4Pmtmu0kXAQuZz0E3wrvcZVCBzJt"
        "NX0nJUB8H0")
KEYS = [(b"New password: ", "hunter22"), (b"confirm New password: ", "hunter23"),  # a mismatch: asked again
        (b"New password: ", "hunter22"), (b"confirm New password: ", "hunter22"),
        (b"Raw text: ", "{{ 1 + 1 }}"), (b"Template text: ", "{{ 1 + 1 }}")]
FTL = [sys.executable, "-m", "ftltui", "play"]


def typed_in_pty(argv: list[str], keys: list[tuple[bytes, str]], cwd: Path, env: dict[str, str],
                 timeout: float = 120) -> tuple[int, str]:
    """Run ``argv`` on a pty; type each answer when its prompt appears after the previous
    answer; return (exit code, screen). A child still running at ``timeout`` is killed."""
    pid, fd = spawn(argv, cwd=cwd, env=env)
    out, seen, i, end = b"", 0, 0, time.monotonic() + timeout
    status: int | None = None
    try:
        while status is None and time.monotonic() < end:
            if select.select([fd], [], [], 0.2)[0]:
                try:
                    out += os.read(fd, 65536)
                except OSError:  # EIO: the child closed the terminal; wait for its exit below
                    pass
            if i < len(keys) and keys[i][0] in out[seen:]:
                seen = out.index(keys[i][0], seen) + len(keys[i][0])
                os.write(fd, keys[i][1].encode() + b"\n")
                i += 1
            done, st = os.waitpid(pid, os.WNOHANG)
            if done:
                status = st
        if status is None:
            os.kill(pid, signal.SIGKILL)
            _, status = os.waitpid(pid, 0)
            out += f"\n[killed after {timeout:.0f}s]".encode()
        out += read_rest(fd)
    finally:
        os.close(fd)
    return os.waitstatus_to_exitcode(status), out.decode(errors="replace")


@pytest.fixture
def work(tmp_path: Path) -> Path:
    (tmp_path / "inv.ini").write_text("h1 ansible_connection=local ansible_python_interpreter=python3\n")
    (tmp_path / "pb.yml").write_text(PLAYBOOK)
    return tmp_path


def test_encrypt_confirm_unsafe_on_a_terminal_as_ansible_playbook(work: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update(ANSIBLE_NOCOLOR="1", NO_COLOR="1", HOME=str(work))
    screens, files = {}, {}
    for side, cmd in (("ansible", ["ansible-playbook"]), ("ftl-tui", FTL)):
        out = work / f"{side}.txt"
        screens[side] = typed_in_pty([*cmd, "-i", "inv.ini", "pb.yml", "-e", f"out={out}"], KEYS, work, env)
        files[side] = out.read_text() if out.exists() else None
    ansible = screens["ansible"][1]
    assert screens["ansible"][0] == 0, ansible
    assert "***** VALUES ENTERED DO NOT MATCH ****" in ansible and f"pw={HASH} raw={{{{ 1 + 1 }}}} tmpl=2" in ansible
    assert screens["ftl-tui"] == screens["ansible"]
    assert files["ftl-tui"] == files["ansible"] == f"{HASH} {{{{ 1 + 1 }}}} 2"
    assert "hunter2" not in ansible  # private answers are not echoed


async def test_answers_given_before_the_job_are_hashed_and_kept_from_templating(work: Path) -> None:
    """The console's path: its modal (or the CLI's terminal) answers before the job; the
    private one is a job secret holding the typed value; the run applies encrypt/unsafe."""
    out = work / "job.txt"
    q = JobQueue(StateStore.open(work / "state"), executor=Executor(load_inventory([str(work / "inv.ini")])),
                 heartbeat=0.05)
    register_builtin(q)
    await q.start()
    try:
        job = await enqueue_playbook(q, work / "pb.yml", options={"extra_vars": {"out": str(out)}},
                                     answers={"pw": "hunter22", "raw": "{{ 1 + 1 }}", "tmpl": "{{ 1 + 1 }}"},
                                     private=["pw"])
        job = await q.wait(job.id)
        assert job.state == "succeeded", job.reason
    finally:
        await q.stop()
        await q.executor.close()
        q.store.close()
    assert out.read_text() == f"{HASH} {{{{ 1 + 1 }}}} 2"


def test_an_encrypt_ftl_tui_cannot_compute_is_refused_at_load(tmp_path: Path) -> None:
    book = tmp_path / "pb.yml"
    book.write_text("- hosts: all\n  vars_prompt:\n    - name: pw\n      encrypt: sha1_crypt\n  tasks: []\n")
    with pytest.raises(PlaybookError) as exc:
        load_playbook(book)
    assert "encrypt 'sha1_crypt' is not supported" in str(exc.value)
    assert "pb.yml:4" in str(exc.value), str(exc.value)
