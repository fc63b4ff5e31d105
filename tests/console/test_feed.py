"""ViewFeed: every kind of domain event becomes typed updates (no raw dicts reach a face)."""

from __future__ import annotations

from ftltui.console import updates as up
from ftltui.console.feed import MAX_PLAY_RECORDS, ViewFeed
from ftltui.drift.events import DriftHostScanned
from ftltui.engine.events import (
    HostFinished,
    HostResult,
    HostStarted,
    OutputLine,
    RunFinished,
    RunStarted,
    Warning_,
)
from ftltui.jobs import events as jev
from ftltui.jobs.model import Job
from ftltui.playbook import events as pe


def _job(kind: str = "run") -> Job:
    return Job(id=3, kind=kind, spec={}, title="t")


def test_engine_events_of_a_job() -> None:
    feed, job = ViewFeed(), _job()
    result = HostResult("web1", "changed", {"changed": True, "rc": 0}, 0.5, None)
    events = [RunStarted("r1", module="shell", pattern="web", hosts=("web1", "web2"), check=True),
              HostStarted("r1", host="web1"), OutputLine("r1", host="web1", stream="stderr", text="oops"),
              Warning_("r1", host=None, text="careful"), HostFinished("r1", host="web1", result=result),
              RunFinished("r1", counts={}, duration=1.0, cancelled=False)]
    out = [u for e in events for u in feed.translate(jev.JobOutput(3, event=e, step="deploy"), job)]
    assert out == [up.RunBegan(3, "shell", 2, True, "deploy"), up.HostProgress(3, "web1", "running", step="deploy"),
                   up.OutputText(3, "web1", "stderr", "oops", "deploy"), up.HostWarning(3, "", "careful"),
                   up.HostProgress(3, "web1", "changed", result, "shell", "deploy")]
    assert feed.run_modules == {}  # forgotten once the run finished


def test_job_events() -> None:
    feed, job = ViewFeed(), _job()
    assert feed.translate(jev.JobQueued(3, state="queued"), job) == [up.JobChanged(3, job, "queued", "")]
    done = feed.translate(jev.JobFailed(3, state="failed", reason="1 host failed"), job)
    assert done == [up.JobChanged(3, job, "failed", "1 host failed")] and done[0].noted
    assert feed.translate(jev.JobProgress(3, done=1, total=2), job) == [up.JobChanged(3, job)]
    assert feed.translate(jev.StepChanged(3, step="a", state="running"), job) == [
        up.StepChanged(3, "a", "running", ""), up.JobChanged(3, job)]
    assert feed.translate(jev.QueueError(0, message="disk full", retrying=True), None) == [
        up.QueueProblem(0, "disk full", True)]
    assert feed.translate(jev.QueueError(3, message="disk full", retrying=True), job) == [
        up.QueueProblem(3, "disk full", True), up.JobChanged(3, job)]


def test_drift_scans_say_when_drift_changed() -> None:
    feed, scan = ViewFeed(), _job("drift_scan")
    assert feed.translate(jev.JobOutput(3, event=DriftHostScanned("web1", False)), scan) == [
        up.DriftHostScanned(3, "web1", False)]
    assert feed.translate(jev.JobSucceeded(3, state="succeeded"), scan)[1] == up.DriftChanged(
        "drift scan job 3 succeeded")
    assert len(feed.translate(jev.JobSucceeded(3, state="succeeded"), _job("run"))) == 1
    assert DriftHostScanned("web1", True).to_dict()["event"] == "DriftHostScanned"  # the job log's record


def test_playbook_events_build_the_matrix_bounded() -> None:
    feed = ViewFeed()
    started = pe.PlayStarted(0, "web", ("web1",), "site.yml:1")
    out = feed.translate(jev.JobOutput(7, event=started), _job("playbook"))
    assert len(out) == 1 and isinstance(out[0], up.PlaybookProgress)
    assert out[0].record is feed.play_records[7] and out[0].record.plays
    for job_id in range(100, 100 + MAX_PLAY_RECORDS):
        feed.translate(jev.JobOutput(job_id, event=started), None)
    assert len(feed.play_records) == MAX_PLAY_RECORDS and 7 not in feed.play_records
