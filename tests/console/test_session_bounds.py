"""A long-lived session (``ftl-tui daemon`` runs for months) keeps per-host outcomes of
its newest jobs only (issue 16 review hQ #7): older jobs' outcomes are their stored
summary, so memory does not grow with every host of every job."""

from __future__ import annotations

from pathlib import Path

from ftltui.console.session import MAX_JOB_HOSTS, ConsoleSession
from ftltui.engine.events import HostFinished, HostResult
from ftltui.jobs import events as jev
from ftltui.jobs.model import Job


def test_per_host_outcomes_are_kept_for_the_newest_jobs_only(tmp_path: Path) -> None:
    session = ConsoleSession(tmp_path / "state")  # not opened: events are fed as the queue would
    jobs = MAX_JOB_HOSTS + 30
    for job_id in range(1, jobs + 1):
        for host in ("a", "b"):
            result = HostResult(host=host, status="ok", result={})
            session.on_domain_event(jev.JobOutput(job_id=job_id, event=HostFinished(run_id="r", host=host, result=result)))
    assert len(session.job_hosts) == MAX_JOB_HOSTS
    assert session.host_results(Job(id=jobs, kind="run", spec={})) == {"a": "ok", "b": "ok"}  # the newest: from events
    old = Job(id=1, kind="run", spec={}, summary={"hosts": {"a": "ok", "b": "failed"}})
    assert session.host_results(old) == {"a": "ok", "b": "failed"}  # evicted: its stored summary
