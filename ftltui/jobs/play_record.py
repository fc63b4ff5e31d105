"""A playbook run as play → task → host cells, built from its events (live or from the
job's log on disk): what the console's matrix shows and what enter on a cell opens.

Plain Python (no textual): the TUI draws it, tests check it without a screen. Events
are taken as the dataclasses of :mod:`ftltui.playbook.events` or as their ``to_dict()``
records (the job log), so a job of an earlier session reads the same as a live one.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, Iterable

from ftltui.engine.sanitize import safe_text

PENDING, RUNNING, BLANK = "pending", "running", ""
MAX_SECTION = 20_000  # characters of one stdout/stderr/diff shown in a cell's result


def as_event(ev: Any) -> Any:
    """A job log record (``{"event": "TaskStarted", ...}``) read like the event it was."""
    if isinstance(ev, dict):
        return SimpleNamespace(type=ev.get("event"), **{k: v for k, v in ev.items() if k != "event"})
    return ev


@dataclass
class TaskRow:
    task_id: str
    label: str
    action: str
    path: str
    handler: bool = False


@dataclass
class Cell:
    """One host's outcome of one task; ``status`` is ``running`` while loop items arrive."""

    status: str
    result: dict[str, Any] = field(default_factory=dict)
    ignored: bool = False
    items: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)  # (status, label, result)
    delegated_to: str | None = None


@dataclass
class PlayView:
    index: int
    label: str
    hosts: list[str]
    location: str = ""
    tasks: dict[str, TaskRow] = field(default_factory=dict)  # in the order they started
    cells: dict[tuple[str, str], Cell] = field(default_factory=dict)
    no_hosts: bool = False


class PlayRecord:
    """Everything the matrix needs; ``version`` grows with every change (the view redraws
    only when it moved)."""

    def __init__(self) -> None:
        self.path = ""
        self.plays: dict[int, PlayView] = {}
        self.recap: dict[str, dict[str, int]] = {}
        self.exit_code: int | None = None
        self.version = 0
        self.last_task: dict[int, str] = {}  # play -> task running now

    @classmethod
    def from_records(cls, records: Iterable[dict[str, Any]]) -> PlayRecord:
        rec = cls()
        for r in records:
            rec.apply(r)
        return rec

    @property
    def finished(self) -> bool:
        return self.exit_code is not None

    def apply(self, ev: Any) -> bool:
        """Take one event (dataclass or log record); True when the record changed."""
        ev = as_event(ev)
        handler = getattr(self, "_on_" + str(getattr(ev, "type", "")), None)
        if handler is None:
            return False
        handler(ev)
        self.version += 1
        return True

    def _play(self, index: int) -> PlayView:
        if index not in self.plays:
            self.plays[index] = PlayView(index, f"play {index + 1}", [])
        return self.plays[index]

    def _on_PlaybookStarted(self, ev: Any) -> None:
        self.path = str(ev.path)

    def _on_PlayStarted(self, ev: Any) -> None:
        play = self._play(int(ev.index))
        play.label, play.location = str(ev.label), str(ev.location)
        play.hosts += [h for h in ev.hosts if h not in play.hosts]  # serial: batches add up

    def _on_NoHostsMatched(self, ev: Any) -> None:
        self._play(int(ev.play)).no_hosts = True

    def _on_TaskStarted(self, ev: Any) -> None:
        play = self._play(int(ev.play))
        play.tasks.setdefault(ev.task_id, TaskRow(ev.task_id, str(ev.label), str(ev.action), str(ev.path),
                                                  bool(getattr(ev, "handler", False))))
        self.last_task[play.index] = ev.task_id

    def _host(self, play: PlayView, host: str) -> None:
        if host not in play.hosts:  # add_host, delegated facts: a column appears
            play.hosts.append(host)

    def _on_ItemResult(self, ev: Any) -> None:
        play = self._play(int(ev.play))
        self._host(play, ev.host)
        cell = play.cells.setdefault((ev.task_id, ev.host), Cell(RUNNING))
        cell.items.append((str(ev.status), str(ev.label), dict(ev.result or {})))

    def _on_HostTaskResult(self, ev: Any) -> None:
        play = self._play(int(ev.play))
        self._host(play, ev.host)
        cell = play.cells.setdefault((ev.task_id, ev.host), Cell(RUNNING))
        cell.status, cell.result = str(ev.status), dict(ev.result or {})
        cell.ignored, cell.delegated_to = bool(ev.ignored), getattr(ev, "delegated_to", None)

    def _on_PlaybookFinished(self, ev: Any) -> None:
        stats = ev.stats or {}
        self.recap = {h: (s.to_dict() if hasattr(s, "to_dict") else dict(s)) for h, s in stats.items()}
        self.exit_code = int(ev.exit_code)

    def status(self, play: PlayView, task_id: str, host: str) -> str:
        """A cell's status; ``pending`` for a host the running task has not reported yet."""
        cell = play.cells.get((task_id, host))
        if cell is not None:
            return cell.status
        if not self.finished and self.last_task.get(play.index) == task_id and host in play.hosts:
            return PENDING
        return BLANK

    def current_play(self) -> int | None:
        return max(self.plays) if self.plays else None


def _block(title: str, text: Any) -> list[str]:
    if text in (None, "", [], {}):
        return []
    body = text if isinstance(text, str) else json.dumps(text, indent=2, sort_keys=True, default=str)
    body = body[:MAX_SECTION] + ("\n… (cut)" if len(body) > MAX_SECTION else "")
    return [f"{title}:"] + ["  " + line for line in body.splitlines()] + [""]


def diff_text(diff: Any) -> str:
    """Ansible's ``diff`` result (a dict or a list of them: before/after with headers, or
    ``prepared`` text) as a unified diff."""
    parts = diff if isinstance(diff, list) else [diff]
    out: list[str] = []
    for d in parts:
        if not isinstance(d, dict):
            continue
        if d.get("prepared"):
            out.append(str(d["prepared"]))
        if "before" in d or "after" in d:
            before, after = d.get("before", ""), d.get("after", "")
            if not isinstance(before, str) or not isinstance(after, str):
                before = json.dumps(before, indent=2, sort_keys=True, default=str) + "\n"
                after = json.dumps(after, indent=2, sort_keys=True, default=str) + "\n"
            out += [ln.rstrip("\n") for ln in difflib.unified_diff(
                before.splitlines(True), after.splitlines(True),
                f"before: {d.get('before_header', '')}".rstrip(), f"after: {d.get('after_header', '')}".rstrip())]
    return "\n".join(out)


SHOWN = ("msg", "rc", "stdout", "stderr", "diff", "results", "stdout_lines", "stderr_lines", "changed", "failed",
         "skipped", "invocation", "_ansible_no_log")


def cell_text(play: PlayView, task: TaskRow, host: str, cell: Cell | None) -> str:
    """That host's result for that task, as plain text (shown without markup)."""
    status = cell.status if cell is not None else "not run"
    if cell is not None and cell.ignored:
        status += " (ignored)"
    lines = [f"host {host}", f"task {task.label}  ({task.path})", f"play {play.label}", f"status {status}"]
    if cell is not None and cell.delegated_to:
        lines.append(f"delegated to {cell.delegated_to}")
    lines.append("")
    if cell is None:
        return safe_text("\n".join(lines))
    r = cell.result
    if r.get("msg") not in (None, ""):
        lines += _block("msg", r["msg"])
    if r.get("rc") is not None:
        lines += [f"rc: {r['rc']}", ""]
    lines += _block("stdout", r.get("stdout"))
    lines += _block("stderr", r.get("stderr"))
    if r.get("diff"):
        lines += _block("diff", diff_text(r["diff"]))
    items = cell.items or [(str(i.get("failed") and "failed" or i.get("changed") and "changed" or "ok"),
                            str(i.get("item", "")), i) for i in r.get("results") or [] if isinstance(i, dict)]
    if items:
        lines.append("items:")
        for st, label, res in items:
            first = str(res.get("msg") or res.get("stdout") or "").splitlines()[:1]
            lines.append(f"  {st}: (item={label})" + (f"  {first[0][:300]}" if first else ""))
        lines.append("")
    rest = {k: v for k, v in r.items() if k not in SHOWN}
    lines += _block("result", rest)
    return safe_text("\n".join(lines).rstrip() + "\n")


LogLine = tuple[str, str, str, str]  # job, host, stream, text (the Logs pane's records)


def log_lines(job: str, ev: Any, max_line: int = 2000) -> list[LogLine]:
    """The Logs pane's lines for one playbook event (or its log record), in ansible-playbook's words."""
    ev = as_event(ev)
    t = ev.type
    if t == "HostOutput":
        return [(job, safe_text(ev.host), "stderr" if ev.stream == "stderr" else "stdout",
                 safe_text(ev.text, max_line))]
    if t == "PlayStarted":
        return [(job, "", "note", safe_text(f"PLAY [{ev.label}]", max_line))]
    if t == "TaskStarted":
        word = "RUNNING HANDLER" if ev.handler else "TASK"
        return [(job, "", "note", safe_text(f"{word} [{ev.label}]", max_line))]
    if t == "ItemResult":
        return [(job, safe_text(ev.host), "status", safe_text(f"{ev.status}: (item={ev.label})", max_line))]
    if t == "HostTaskResult":
        text = ev.status + (f" -> {ev.delegated_to}" if ev.delegated_to else "")
        msg = str(ev.result.get("msg") or "") if ev.status in ("failed", "unreachable") else ""
        if msg:
            text += ": " + msg.splitlines()[0][:300]
        if ev.ignored:
            text += " ...ignoring"
        return [(job, safe_text(ev.host), "status", safe_text(text, max_line))]
    if t == "PauseStarted":  # the Logs pane says the job is waiting (issue 15)
        if not getattr(ev, "timed", True):
            return [(job, safe_text(ev.host), "note", safe_text(f"[{ev.task}] waits for an answer: {ev.prompt}",
                                                                  max_line))]
        return [(job, safe_text(ev.host), "note", f"Pausing for {int(ev.seconds)} seconds")]
    if t == "NoHostsMatched":
        return [(job, "", "note", "skipping: no hosts matched")]
    if t == "Included":
        item = f" => (item={ev.label})" if getattr(ev, "label", None) is not None else ""
        return [(job, "", "note", safe_text(f"included: {ev.file} for {', '.join(ev.hosts)}{item}", max_line))]
    if t == "TaskRetrying":
        return [(job, safe_text(ev.host), "status",
                 safe_text(f"FAILED - RETRYING: {ev.name} ({ev.retries_left} retries left).", max_line))]
    if t == "PlaybookWarning":  # a deprecation under its own label, as play and ansible-playbook print it
        word = "[DEPRECATION WARNING]" if getattr(ev, "deprecation", False) else "[WARNING]"
        return [(job, safe_text(ev.host or ""), "note", safe_text(f"{word}: {ev.text}", max_line))]
    if t == "PlaybookFinished":
        return [(job, "", "note", safe_text(f"{h} : " + "  ".join(
            f"{k}={v}" for k, v in (s.to_dict() if hasattr(s, "to_dict") else dict(s)).items()), max_line))
            for h, s in ev.stats.items()]
    if t == "JobNote":  # which content version ran (written by the playbook job kind)
        return [(job, "", "note", safe_text(str(ev.text), max_line))]
    return []
