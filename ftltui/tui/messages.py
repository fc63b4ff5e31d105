"""App-wide messages: what panes ask the app to do, and what the engine reported."""

from __future__ import annotations

from textual.message import Message


class RunRequested(Message):
    """Open the run form for these hosts (marked hosts, or the selection)."""

    def __init__(self, hosts: list[str], label: str) -> None:
        super().__init__()
        self.hosts = hosts
        self.label = label


class HostDetailsRequested(Message):
    def __init__(self, host: str) -> None:
        super().__init__()
        self.host = host


class JobAction(Message):
    """cancel | retry | rerun | requeue | purge | details, for one job."""

    def __init__(self, action: str, job_id: int) -> None:
        super().__init__()
        self.action = action
        self.job_id = job_id


class DriftAction(Message):
    """scan | baseline | accept | details, for a host (or all hosts when ``host`` is None)."""

    def __init__(self, action: str, host: str | None) -> None:
        super().__init__()
        self.action = action
        self.host = host
