"""The console's job detail shows per-host attempts and per step per host results
(issue 12, defects 1 and 7), from the job's own records, drawn by the real screen."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

from textual.app import App

from ftltui.jobs.kinds import enqueue_run, enqueue_workflow
from ftltui.tui.screens.job_detail import JobDetailScreen

from jobs_helpers import builtin_queue, close_queue, inventory_with_unreachable
from test_retry_rule import FAST

sys.path.insert(0, str(Path(__file__).parent.parent / "tui"))
from tuihelpers import screen_text  # noqa: E402


async def _detail_text(job) -> str:
    app = App()
    async with app.run_test(size=(140, 60)) as pilot:
        app.push_screen(JobDetailScreen(job, hosts={h: "ok" for h in job.hosts}))
        await pilot.pause()
        return screen_text(app)


async def test_detail_lists_attempts_per_host(tmp_path: Path) -> None:
    q = await builtin_queue(tmp_path / "state", [str(inventory_with_unreachable(tmp_path / "inv.yml"))])
    job = await q.wait((await enqueue_run(q, "all", "command", {"argv": ["true"]}, retry=FAST)).id)
    await close_queue(q)
    text = await _detail_text(job)
    far = next(ln for ln in text.splitlines() if ln.split()[:2] == ["far1", "unreachable"])
    assert "(3 attempts)" in far and "far1: far1" not in far
    assert [ln.split("attempt ")[1][:14] for ln in text.splitlines() if "attempt " in ln and "unreachable" in ln
            and "far1" not in ln] == ["1: unreachable", "2: unreachable", "3: unreachable"]
    assert any(ln.split()[:3] == ["l1", "changed", "rc=0"] for ln in text.splitlines())
    assert "gave up after 3 attempts" in text


async def test_detail_shows_each_step_per_host(tmp_path: Path) -> None:
    wf = tmp_path / "wf.yml"
    wf.write_text(textwrap.dedent("""
        name: two
        hosts: l1,l2
        steps:
          - {name: first, module: command, args: {argv: [sh, -c, 'test {{ inventory_hostname }} = l1']}}
          - {name: second, module: ping, trigger: all_done, depends_on: [first]}
    """))
    q = await builtin_queue(tmp_path / "state", [str(inventory_with_unreachable(tmp_path / "inv.yml", far=()))])
    job = await q.wait((await enqueue_workflow(q, wf)).id)
    await close_queue(q)
    lines = (await _detail_text(job)).splitlines()
    first = next(i for i, ln in enumerate(lines) if "step first" in ln)
    second = next(i for i, ln in enumerate(lines) if "step second" in ln)
    block = [ln.split()[:3] for ln in lines[first + 1:second]]
    assert ["l1", "changed", "rc=0"] in block and ["l2", "failed", "rc=1"] in block  # not each host's last status
    assert ["l2", "ok"] in [ln.split()[:2] for ln in lines[second + 1:second + 3]]
