"""issue 15: a playbook job of an owner (a real daemon) waiting at a ``pause``, answered by
an ``ftl-tui play`` client on its own terminal through the owner's ``pause.*`` ops: a
private prompt's answer (it reaches the run, never the client's screen nor the owner's
state directory) and a timed pause continued early with ctrl+C then C. While it waits,
``pause.list``, ``jobs list`` and ``jobs show`` say so to anyone who asks."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

from daemonhelp import FTL, start_daemon
from pause_pty import drive

from ftltui.api.client import ApiClient

SECRET = "owner-pause-s3cret"
PLAYBOOK = """\
- hosts: localhost
  gather_facts: false
  tasks:
    - name: ask
      pause: {prompt: "Code", echo: false}
      register: asked
    - copy: {dest: "{{ out }}/answer", content: "{{ asked.user_input }}"}
    - name: wait
      pause: {minutes: 5}
    - copy: {dest: "{{ out }}/after", content: "continued\\n"}
"""


async def _listed(state: Path) -> list[dict[str, object]]:
    async with await ApiClient.connect(state) as client:
        return list(await client.request("pause.list"))


def test_play_client_answers_the_owners_pause_on_its_terminal(tmp_path: Path) -> None:
    state, out = tmp_path / "state", tmp_path / "out"
    out.mkdir()
    (tmp_path / "p.yml").write_text(PLAYBOOK)
    daemon = start_daemon(state)
    seen: list[object] = []

    def typed_then(keys: bytes) -> bytes:
        if not seen:  # the owner's word while the client waits, to anyone who asks
            seen.append(asyncio.run(_listed(state)))
            for words in (["jobs", "list"], ["jobs", "show", "1"]):
                seen.append(subprocess.run([*FTL, *words, "--state-dir", str(state)], capture_output=True, text=True,
                                           timeout=120, check=False).stdout)
        return keys

    try:
        env = dict(os.environ, NO_COLOR="1", ANSIBLE_NOCOLOR="1", PYTHONPATH=str(Path(__file__).resolve().parents[2]))
        code, screen = drive([*FTL, "play", "-i", "localhost,", "--state-dir", str(state), "-e", f"out={out}", "p.yml"],
                             tmp_path, [(b"(output is hidden):", SECRET.encode() + b"\r"), (b"abort)", b"\x03"),
                                        (b"or 'A' to abort", b"c")], env, keys_of=typed_then)
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.communicate(timeout=60)
    text = screen.decode(errors="replace")
    assert code == 0, text
    assert "[ask]" in text and "Pausing for 300 seconds" in text and "localhost" in text and "ok=4" in text
    assert SECRET not in text
    assert (out / "answer").read_text() == SECRET and (out / "after").read_text() == "continued\n"
    assert "(waits at pause [ask]: Code (private))" in str(seen[1]), seen[1]
    assert "  waits at pause [ask]: Code (private)" in str(seen[2]).splitlines(), seen[2]
    first = seen[0][0]  # type: ignore[index]
    assert (first["job_id"], first["task"], first["prompt"], first["private"], first["seconds"]) == (1, "ask", "Code",
                                                                                                     True, None)
    leaked = [p for p in state.rglob("*") if p.is_file() and SECRET.encode() in p.read_bytes()]
    assert leaked == [], sys.platform


CRASH = """\
- hosts: localhost
  gather_facts: false
  tasks:
    - shell: "echo ran >> {{ out }}/ran"
    - name: ask
      pause: {prompt: "Nobody is here"}
"""


async def _submit_and_wait_for_pause(state: Path, book: Path, out: Path) -> int:
    async with await ApiClient.connect(state) as client:
        ref = await client.request("playbook.submit", file=str(book), options={"extra_vars": {"out": str(out)}})
        for _ in range(3000):  # a guard against a hang, not a speed check
            if await client.request("pause.list"):
                return int(ref["id"])
            await asyncio.sleep(0.02)
    raise AssertionError("the job never waited at its pause")


def test_owner_lost_while_a_job_waits_at_a_pause(tmp_path: Path) -> None:
    """A daemon's prompt with nobody to answer waits; the daemon is SIGKILLed meanwhile: a new
    owner recovers the job like any interrupted one (not running, not run again: the task
    that finished on the host ran once)."""
    state, out = tmp_path / "state", tmp_path / "out"
    out.mkdir()
    (tmp_path / "crash.yml").write_text(CRASH)
    daemon = start_daemon(state)
    try:
        job_id = asyncio.run(_submit_and_wait_for_pause(state, tmp_path / "crash.yml", out))
    finally:
        os.kill(daemon.pid, signal.SIGKILL)
        daemon.wait(timeout=30)
    (state / "api.sock").unlink()  # the dead owner's: start_daemon waits for the new one's
    new = start_daemon(state)
    try:
        async def show() -> dict[str, object]:
            async with await ApiClient.connect(state) as client:
                for _ in range(3000):
                    doc = dict(await client.request("jobs.show", id=job_id))
                    if doc["state"] not in ("running", "queued"):
                        return doc
                    await asyncio.sleep(0.02)
            raise AssertionError("the job was never recovered")

        doc = asyncio.run(show())
        waiting = asyncio.run(_listed(state))
    finally:
        new.send_signal(signal.SIGTERM)
        new.communicate(timeout=60)
    assert doc["state"] == "failed" and "died" in str(doc["reason"]), doc  # lost: one attempt, not retried
    assert "waiting" not in doc and waiting == []
    assert (out / "ran").read_text() == "ran\n"  # never run again on the host that finished it


QUICK = """\
- hosts: localhost
  gather_facts: false
  tasks:
    - name: ask
      pause: {prompt: "Code"}
      register: asked
    - name: wait
      pause: {seconds: 1}
    - copy: {dest: "{{ out }}/answer", content: "[{{ asked.user_input }}]"}
"""


def test_play_client_without_a_terminal_as_ansible_playbook(tmp_path: Path) -> None:
    """stdin not a tty, the owner runs the job: the client does not wait for the prompt
    (ansible-playbook's warning, an empty answer) and the timed pause runs its time."""
    state, out = tmp_path / "state", tmp_path / "out"
    out.mkdir()
    (tmp_path / "q.yml").write_text(QUICK)
    daemon = start_daemon(state)
    try:
        env = dict(os.environ, NO_COLOR="1", PYTHONPATH=str(Path(__file__).resolve().parents[2]))
        proc = subprocess.run([*FTL, "play", "-i", "localhost,", "--state-dir", str(state), "-e", f"out={out}",
                               "q.yml"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
                              stdin=subprocess.DEVNULL, check=False)
        listed = asyncio.run(_listed(state))
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.communicate(timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stderr.count("[WARNING]: Not waiting for response to prompt as stdin is not interactive") == 1
    assert "Pausing for 1 seconds" in proc.stdout and "\n[ask]\n" not in proc.stdout  # no prompt shown
    assert (out / "answer").read_text() == "[]" and listed == []
