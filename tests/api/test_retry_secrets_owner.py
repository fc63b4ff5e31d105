"""hV2 finding 2, the owner's face: ``jobs.again`` (``jobs retry|requeue`` through an owner),
``jobs.requeue`` and ``jobs.action`` (an attached console's r/e/u) of a job whose become
password is stored only as ``********`` are refused with the ``secrets lost`` words and queue
nothing; before, they queued a copy that ran su with the mask as the password.
A real daemon process, a real state dir, the job made by a console session before it.
"""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from daemonhelp import start_daemon

from ftltui.api.client import ApiClient, ApiError
from ftltui.console import ConsoleSession
from ftltui.console.run_args import RunBecome
from ftltui.inventory import load_inventory


def test_owner_refuses_to_rerun_a_job_whose_secrets_are_lost(tmp_path: Path) -> None:
    state = tmp_path / "st"

    async def made() -> int:
        async with ConsoleSession(state, inventory=load_inventory(["localhost,"])) as s:
            assert s.queue is not None
            job = await s.submit_run("localhost", "command", {"_raw_params": "false"},
                                     become=RunBecome("nobody", "su", "hunter2SECRET"))
            await s.queue.wait(job.id)
            return job.id

    job_id = asyncio.run(made())
    daemon = start_daemon(state)
    try:
        async def ask() -> list[str]:
            answers = []
            async with await ApiClient.connect(state) as client:
                for op, args in (("jobs.again", {"resume": False}), ("jobs.again", {"resume": True}),
                                 ("jobs.requeue", {}), ("jobs.action", {"action": "requeue"})):
                    try:
                        answer = await client.request(op, id=job_id, **args)
                    except ApiError as exc:  # the owner's error answer
                        answers.append(f"{op} {args}: refused: {exc}")
                    else:
                        answers.append(f"{op} {args}: {answer}")
                jobs = await client.request("jobs.list")
            answers.append(f"jobs: {jobs}")
            return answers

        answers = asyncio.run(ask())
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.communicate(timeout=60)
    for answer in answers[:-1]:
        resume = "'resume': True" in answer
        # a re-run from failure whose host is held says so before it asks for any secret (hC, session 10)
        assert "secrets lost" in answer or (resume and "nothing to re-run" in answer), answers
        assert "queued" not in answer, answers
    assert f"'id': {job_id + 1}" not in answers[-1] and f'"id": {job_id + 1}' not in answers[-1], answers[-1]
