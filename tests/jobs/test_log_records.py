"""A job's log is decoded into typed records by jobs/ (which writes it), once: the Logs
pane's history matches on those types as the live path matches on events, and an odd
record (a hand-edited log, a newer writer) is read, not crashed on."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import ftltui
from ftltui.jobs.logfile import (
    LoggedHostResult,
    LoggedOutput,
    LoggedPlaybookEvent,
    LoggedRunStarted,
    LoggedTransition,
    decode_records,
    read_history,
)
from ftltui.tui.history import history_lines

TUI = Path(ftltui.__file__).parent / "tui"
EVENT_NAMES = {"OutputLine", "HostFinished", "RunStarted", "Warning_", "JobState", "StepChanged", "TaskStarted",
               "PlayStarted", "HostTaskResult", "JobNote"}


def test_read_history_types_each_record(tmp_path: Path) -> None:
    log = tmp_path / "4.jsonl"
    recs = [{"event": "JobState", "state": "running", "reason": "attempt 1", "ts": 1.0},
            {"event": "RunStarted", "run_id": "r1", "module": "shell", "hosts": ["a"], "ts": 1.0},
            {"event": "OutputLine", "host": "a", "stream": "stdout", "text": "hi", "ts": 2.0, "step": "s"},
            {"event": "HostFinished", "host": "a", "run_id": "r1", "ts": 3.0,
             "result": {"status": "changed", "duration": 0.25, "result": {"rc": 0}}},
            {"event": "RunFinished", "counts": {}, "duration": 1.0},
            {"event": "TaskStarted", "play": 0, "task_id": "t", "label": "x", "ts": 4.0},
            {"event": "StepChanged", "step": "s", "state": "succeeded", "reason": "", "ts": 5.0}]
    log.write_text("".join(json.dumps(r) + "\n" for r in recs))
    history = read_history(log, 100)
    assert not history.truncated
    assert [type(r) for r in history.records] == [LoggedTransition, LoggedRunStarted, LoggedOutput, LoggedHostResult,
                                                  LoggedPlaybookEvent, LoggedTransition]
    result = history.records[3]
    assert isinstance(result, LoggedHostResult)
    assert (result.status, result.duration, dict(result.result), result.run_id) == ("changed", 0.25, {"rc": 0}, "r1")
    assert history.playbook_records() == [recs[5]]


def test_odd_records_are_read_not_crashed_on() -> None:
    """The old replay took ``result`` for a dict and ``hosts`` for a list: a hand-edited or
    newer log stopped the Logs pane with an AttributeError/TypeError."""
    records = decode_records([
        {"event": "HostFinished", "host": "a", "result": "gone", "ts": "x"},
        {"event": "RunStarted", "module": "ping", "hosts": 5, "ts": 1},
        {"event": "OutputLine", "host": None, "text": None},
        {"event": "SomethingNewer", "x": 1},
        {"no": "event"},
    ])
    lines = history_lines("9", records)
    assert [line[2] for line in lines] == ["status", "note", "stdout"]
    assert lines[0][3].startswith("? (0.00s)") and lines[1][3] == "job 9: ping on 0 host(s)"


def test_the_tui_never_matches_log_records_by_event_name() -> None:
    """No ``x == "HostFinished"`` / ``in ("JobState", ...)`` over records anywhere in tui/."""
    found = []
    for path in sorted(TUI.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Compare):
                consts = [c for c in ast.walk(node) if isinstance(c, ast.Constant) and c.value in EVENT_NAMES]
                if consts:
                    found.append(f"{path.relative_to(TUI)}:{node.lineno}")
            elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and any(
                    isinstance(c, ast.Constant) and c.value in EVENT_NAMES for c in ast.walk(node.value)):
                found.append(f"{path.relative_to(TUI)}:{node.lineno}")
    assert found == []
