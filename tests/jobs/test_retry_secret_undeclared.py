"""A workflow re-run's secret given again stays a secret even when the workflow file read
again no longer declares it (session 10 review, finding 9). The first run's content was not
stored (the file held the secret's value), so the retry reads the live file; that file
has dropped ``secrets: [token]``. The value given with the retry is masked in the stored
job as before. Real queue, state dir, local host."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from ftltui.console import ConsoleSession
from ftltui.inventory import load_inventory
from ftltui.jobs.again import GivenSecrets

SECRET = "tok-undeclared-5521"


def _state_has(state: Path, text: str) -> list[Path]:
    return [p for p in state.rglob("*") if p.is_file() and text.encode() in p.read_bytes()]


def test_a_given_secret_stays_secret_when_the_live_file_no_longer_declares_it(tmp_path: Path) -> None:
    state, inv, flow = tmp_path / "st", tmp_path / "inv.yml", tmp_path / "flow.yml"
    inv.write_text("all:\n  hosts:\n    h1:\n      ansible_connection: local\n")
    # the file holds the value itself, so its content is not stored: a retry reads the live file
    flow.write_text("name: tok\nhosts: all\nsecrets: [token]\nsteps:\n"
                    f"  - name: check\n    module: shell\n    args: {json.dumps(f'test {SECRET} = x')}\n")

    async def first_run() -> int:
        async with ConsoleSession(state, inventory=load_inventory([str(inv)])) as s:
            assert s.queue is not None
            first = await s.submit_workflow(str(flow), vars={"token": SECRET})
            done = await s.queue.wait(first.id)
            assert done.state == "failed", (done.state, done.reason)  # 'test VALUE = x' fails
            doc = s.queue.store.table("jobs").get(first.id)
            assert doc["spec"]["content_note"], doc["spec"]  # not stored: it held the secret
            return first.id

    async def retry_later(job_id: int) -> None:  # another owner: it never saw the value
        async with ConsoleSession(state, inventory=load_inventory([str(inv)])) as s:
            assert s.queue is not None
            again = await s.submit_again(job_id, resume=False, given=GivenSecrets(values={"token": SECRET}))
            done = await s.queue.wait(again.id)
            assert done.state == "succeeded", (done.state, done.reason)
            s.queue.store.flush()

    job_id = asyncio.run(first_run())
    flow.write_text("name: tok\nhosts: all\nsteps:\n"  # no longer declared secret
                    "  - name: check\n    module: shell\n    args: \"echo {{ token | length }}\"\n")
    asyncio.run(retry_later(job_id))
    assert _state_has(state, SECRET) == []
