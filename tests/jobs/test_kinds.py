"""The run/workflow job kinds on the real engine: output, progress, classification, secrets."""

from __future__ import annotations

from pathlib import Path

from jobs_helpers import builtin_queue, close_queue

from ftltui.jobs import JobQueue, RetryPolicy
from ftltui.jobs.kinds import enqueue_run, enqueue_workflow
from ftltui.paths import SAMPLE_INVENTORY


async def _queue(tmp_path: Path, inv_sources: list[str]) -> JobQueue:
    return await builtin_queue(tmp_path / "state", inv_sources)


async def test_run_kind_logs_output_and_progress(tmp_path: Path) -> None:
    q = await _queue(tmp_path, [str(SAMPLE_INVENTORY)])
    seen = []
    q.bus.subscribe(lambda e: seen.append(e))
    job = await enqueue_run(q, "localhost,web01.example.invalid", "command", {"argv": ["echo", "hi there"]})
    job = await q.wait(job.id)
    assert job.state == "succeeded" and job.progress == {"done": 2, "total": 2}
    assert job.hosts == ["localhost", "web01.example.invalid"]
    outs = [e.event.text for e in seen if e.type == "JobOutput" and e.event.type == "OutputLine"]
    assert outs == ["hi there", "hi there"]
    assert "hi there" in q.store.log_path(job.id).read_text()
    await close_queue(q)


async def test_unreachable_is_retried_then_dead_auth_style_fails_once(tmp_path: Path) -> None:
    inv = tmp_path / "inv.yml"
    inv.write_text("all:\n  hosts:\n    nowhere:\n      ansible_host: 127.0.0.1\n      ansible_port: 1\n"
                   "      ansible_user: nobody\n")
    q = await _queue(tmp_path, [str(inv)])
    job = await enqueue_run(q, "nowhere", "ping", {}, retry=RetryPolicy(max_attempts=2, base_delay=0.01))
    job = await q.wait(job.id)
    assert job.state == "dead" and job.attempts == 2 and "unreachable" in job.reason
    bad = await enqueue_run(q, "localhost", "command", {"argv": ["false"]}, retry=RetryPolicy(base_delay=0.01))
    bad = await q.wait(bad.id)
    assert bad.state == "failed" and bad.attempts == 1  # a failing module is not transient
    await close_queue(q)


async def test_workflow_secrets_never_written(tmp_path: Path) -> None:
    q = await _queue(tmp_path, [str(SAMPLE_INVENTORY)])
    seen = []
    q.bus.subscribe(lambda e: seen.append(repr(e)))
    job = await enqueue_workflow(q, SAMPLE_INVENTORY / "workflows" / "deploy-web.yml",
                                 vars={"db_password": "Zq9-very-secret", "root": str(tmp_path / "demo")})
    job = await q.wait(job.id)
    assert job.state == "succeeded", job.reason
    assert job.steps["db_config"]["changed"] is True
    # the deployed file has it (that is its job); the state directory must not
    assert "Zq9-very-secret" in (tmp_path / "demo" / "db-a.example.invalid" / "db.conf").read_text()
    q.store.checkpoint()
    for p in q.store.path.rglob("*"):
        if p.is_file():
            assert b"Zq9-very-secret" not in p.read_bytes(), p
    assert seen and not [e for e in seen if "Zq9-very-secret" in e]  # nor the TUI's bus
    await close_queue(q)
