"""Notifications of a scheduled drift scan: POST a webhook or run a command when the
scan finds drift at or above a severity. The payload is the JSON drift report, the
same document ``ftl-tui drift show --format json --min-severity S`` prints.

* ``url``: an http(s) address the user configured; POSTed with
  ``Content-Type: application/json``. A URL carrying a token belongs in a file
  (``url_file``, read when the scan ends), so the state directory never holds it.
* ``command``: an argv (no shell) run with the report on stdin and
  ``FTL_TUI_SCHEDULE_ID`` / ``FTL_TUI_JOB_ID`` in its environment.
* What happened (posted, the command's exit status, or why not) is recorded on the
  schedule as ``last_notify``. A notification is attempted once; if the owner stops
  before the scan ends, none is sent for that scan.
"""

from __future__ import annotations

import asyncio
import os
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ftltui.drift.model import SEVERITIES
from ftltui.engine.sanitize import safe_text
from ftltui.schedule.model import Schedule, ScheduleError

POST_TIMEOUT = 10.0
COMMAND_TIMEOUT = 60.0


@dataclass(frozen=True)
class Notify:
    """Where a scheduled drift scan reports drift (stored on the schedule as a dict)."""

    min_severity: str = "high"
    url: str = ""
    url_file: str = ""
    command: list[str] = field(default_factory=list)

    def doc(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_doc(cls, doc: dict[str, Any] | None) -> Notify | None:
        return cls(**doc) if doc else None


def check_notify(notify: Notify, kind: str) -> None:
    """A clear error for a notification that cannot work; never stores a bad one."""
    if kind != "drift scan":
        raise ScheduleError(f"notifications are for scheduled drift scans; this schedule runs {kind!r}")
    if notify.min_severity not in SEVERITIES:
        raise ScheduleError(f"notify severity {notify.min_severity!r}: expected one of {', '.join(SEVERITIES)}")
    if not (notify.url or notify.url_file or notify.command):
        raise ScheduleError("a notification needs a URL, a URL file or a command")
    if notify.url:
        _check_url(notify.url, "--notify-url")
    if notify.url_file and not os.path.isabs(notify.url_file):
        raise ScheduleError(f"--notify-url-file {notify.url_file}: give an absolute path")


def _check_url(url: str, where: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ScheduleError(f"{where}: expected an http:// or https:// URL with a host")
    if parts.username or parts.password:
        raise ScheduleError(f"{where}: a URL with a user or password would be stored; use --notify-url-file")


def drift_report_json(queue: Any, job: Any, min_severity: str,
                      only: list[str] | None = None) -> tuple[bool, bytes]:
    """(drift at or above ``min_severity``?, the JSON report) for the hosts the job scanned
    (``only``: those of a partial scan)."""
    from ftltui.drift.compare import ReportOptions, Selection, build_report
    from ftltui.drift.config import load_config
    from ftltui.drift.ignore import load_ignore, read_pin_key
    from ftltui.drift.report import render_json
    from ftltui.drift.store import open_store

    state_dir = Path(queue.store.path)
    cfg = load_config(job.spec.get("drift_config"), state_dir)
    rules = load_ignore(cfg.ignore_file, read_pin_key(state_dir)) if cfg.ignore_file else []
    inv = queue.executor.inventory
    names = only if only is not None else job.spec.get("hosts") or []
    hosts = [(n, inv.hosts[n].groups) for n in names if n in inv.hosts]
    report = build_report(open_store(state_dir, state=queue.store), hosts, Selection(),
                          ReportOptions(min_severity=min_severity, rules=cfg.rules, ignore=rules))
    return report.has_drift, render_json(report).encode()


async def notify_after_scan(queue: Any, sched: Schedule, job_id: int, notify: Notify) -> str:
    """Wait for the scan job, then notify if it found drift; what happened, in words."""
    job = await queue.wait(job_id)
    # A scan that could not reach every host fails (its drift is unknown there), but the drift
    # it found on the others is reported: one host down must not silence the alert.
    scanned = sorted((job.summary or {}).get("snapshots") or {})
    partial = job.state == "failed" and bool(scanned)
    if job.state != "succeeded" and not partial:
        return f"scan job {job_id} ended {job.state}: nothing sent"
    found, payload = await asyncio.to_thread(drift_report_json, queue, job, notify.min_severity,
                                             scanned if partial else None)
    what = f"scan job {job_id}" + (f" (failed: {len(scanned)} host(s) scanned, the others not)" if partial else "")
    if not found:
        return f"{what}: no drift at or above {notify.min_severity}: nothing sent"
    said = []
    if notify.url or notify.url_file:
        said.append(await asyncio.to_thread(_post, notify, payload))
    if notify.command:
        said.append(await _run_command(notify.command, payload, sched.id, job_id))
    return f"{what}: " + "; ".join(said)


def _post(notify: Notify, payload: bytes) -> str:
    where = "the webhook" if notify.url_file else notify.url
    try:
        url = notify.url or Path(notify.url_file).read_text().strip()
        _check_url(url, notify.url_file or "--notify-url")
        req = urllib.request.Request(url, data=payload, method="POST",
                                     headers={"Content-Type": "application/json", "User-Agent": "ftl-tui"})
        with urllib.request.urlopen(req, timeout=POST_TIMEOUT) as resp:  # noqa: S310 - http(s) checked above
            return f"posted to {where}: HTTP {resp.status}"
    except urllib.error.HTTPError as exc:
        return f"POST to {where} failed: HTTP {exc.code}"
    except (OSError, ScheduleError) as exc:  # URLError is an OSError; unreadable URL file
        return f"POST to {where} failed: {safe_text(str(getattr(exc, 'reason', None) or exc))}"


async def _run_command(argv: list[str], payload: bytes, schedule_id: int, job_id: int) -> str:
    env = {**os.environ, "FTL_TUI_SCHEDULE_ID": str(schedule_id), "FTL_TUI_JOB_ID": str(job_id)}
    try:
        proc = await asyncio.create_subprocess_exec(*argv, stdin=asyncio.subprocess.PIPE,
                                                    stdout=asyncio.subprocess.DEVNULL,
                                                    stderr=asyncio.subprocess.DEVNULL, env=env)
    except OSError as exc:
        return f"command {argv[0]} could not start: {exc.strerror or exc}"
    try:
        await asyncio.wait_for(proc.communicate(payload), COMMAND_TIMEOUT)
    except asyncio.TimeoutError:
        proc.kill()
        await proc.wait()
        return f"command {argv[0]} killed after {COMMAND_TIMEOUT:.0f} s"
    return f"command {argv[0]} exited {proc.returncode}"
