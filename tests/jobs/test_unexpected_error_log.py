"""A job whose handler raises what no layer expected keeps the traceback in its log.

``JobQueue._call`` turned such an exception into the job's reason (``internal:
KeyError: 'pattern'``) and threw the traceback away: nothing said where the bug was. Now
the job's log holds ansible-playbook 2.19's words (``[ERROR]: Unexpected Exception, this
is probably a bug: MSG``), a blank line and the traceback, one ``JobNote`` a line, so
``ftl-tui jobs logs N`` prints them; frames and source lines only, never frame locals,
and each line redacted as every log line is.

The trigger is real: the built-in ``run`` kind given a spec without its ``pattern`` (as a
hand-edited or foreign state record can hold) raises ``KeyError`` in ``run_kind``. The
redaction test registers a handler of its own, a genuinely raising callable on the queue's
public ``register_kind``, because no built-in kind raises with a secret in its message.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

from jobs_helpers import builtin_queue, close_queue

from ftltui.jobs import Job, JobQueue, Outcome
from ftltui.state import StateStore

REPO = Path(__file__).resolve().parents[2]
HEADER = "[ERROR]: Unexpected Exception, this is probably a bug: "


def _notes(store: StateStore, job_id: int) -> list[str]:
    lines = store.log_path(job_id).read_text().splitlines()
    return [rec["text"] for rec in map(json.loads, lines) if rec.get("event") == "JobNote"]


async def test_a_run_job_whose_spec_lacks_its_pattern_keeps_the_traceback(tmp_path: Path) -> None:
    state = tmp_path / "state"
    q = await builtin_queue(state, ["localhost,"])
    try:
        job = await q.wait((await q.enqueue("run", {"module": "ping"}, hosts=["localhost"])).id)
        assert (job.state, job.reason) == ("failed", "internal: KeyError: 'pattern'")
        notes = _notes(q.store, job.id)
    finally:
        await close_queue(q)
    assert notes[:3] == [HEADER + "'pattern'", "", "Traceback (most recent call last):"], notes
    assert any(", in run_kind" in n for n in notes), notes  # where the bug is
    assert notes[-1] == "KeyError: 'pattern'", notes
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    shown = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "ftltui", "--state-dir", str(state), "jobs", "logs", str(job.id)],
        capture_output=True, text=True, env=env, timeout=120, check=False)
    assert shown.returncode == 0, shown.stderr
    out = shown.stdout.splitlines()
    start = out.index(HEADER + "'pattern'")
    assert out[start:start + len(notes)] == notes, shown.stdout


async def test_the_logged_traceback_never_holds_locals_and_is_redacted(queue: JobQueue) -> None:
    secret, local_only = "s3cr3t-in-message", "s3cr3t-only-in-a-local"

    async def broken(job: Job, ctx: object) -> Outcome:
        token = local_only  # a frame local: never written
        spec = job.spec
        raise ValueError(f"cannot use {spec['pw']} with {len(token)} chars")

    queue.register_kind("broken", broken)
    job = await queue.wait((await queue.enqueue("broken", {"pw": secret}, secrets=[secret])).id)
    notes = _notes(queue.store, job.id)
    assert notes[0] == HEADER + "cannot use ******** with 22 chars", notes
    assert any(", in broken" in n for n in notes) and notes[-1].startswith("ValueError: cannot use ********"), notes
    queue.store.checkpoint()
    for path in queue.store.path.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert secret.encode() not in data and local_only.encode() not in data, path
