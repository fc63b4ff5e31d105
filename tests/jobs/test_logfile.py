"""Reading a job's log back: the tail, torn lines, and the Logs-pane shapes."""

from __future__ import annotations

import json
from pathlib import Path

from ftltui.jobs.logfile import decode_records, read_tail
from ftltui.tui.history import history_lines


def _write(path: Path, n: int, torn: bool = False) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(json.dumps({"event": "OutputLine", "ts": float(i), "host": "h1", "stream": "stdout",
                                 "text": f"line {i} " + "x" * 50}) + "\n")
        if torn:
            fh.write('{"event": "OutputLine", "te')


def test_tail_of_a_big_log_reads_only_the_end(tmp_path) -> None:
    log = tmp_path / "7.jsonl"
    _write(log, 20_000, torn=True)
    recs, truncated = read_tail(log, 100)
    assert truncated and len(recs) == 100
    assert recs[0]["text"].startswith("line 19900 ") and recs[-1]["text"].startswith("line 19999 ")


def test_tail_of_a_small_log_is_all_of_it(tmp_path) -> None:
    log = tmp_path / "8.jsonl"
    _write(log, 3)
    assert [r["ts"] for r in read_tail(log, 100)[0]] == [0.0, 1.0, 2.0]
    assert read_tail(log, 100)[1] is False
    assert read_tail(tmp_path / "missing.jsonl", 10) == ([], False)


def test_history_lines_match_the_live_shapes() -> None:
    recs = [
        {"event": "JobState", "state": "running", "reason": "attempt 1", "ts": 1.0},
        {"event": "RunStarted", "module": "command", "hosts": ["a", "b"], "check": False, "ts": 1.0},
        {"event": "OutputLine", "host": "a", "stream": "stderr", "text": "boom\x1b[31m", "ts": 2.0, "step": "s1"},
        {"event": "HostFinished", "host": "a", "ts": 3.0,
         "result": {"status": "failed", "duration": 0.5, "result": {"msg": "non-zero return code\nmore"}}},
    ]
    lines = history_lines("3", decode_records(recs))
    assert lines[0] == ("3", "", "note", "job 3: running - attempt 1", 1.0)
    assert lines[1][3] == "job 3: command on 2 host(s)"
    assert lines[2][:3] == ("3", "a", "stderr") and "\x1b" not in lines[2][3] and lines[2][3].startswith("[s1] boom")
    assert lines[3] == ("3", "a", "status", 'FAILED! (0.50s) => {"msg": "non-zero return code\\nmore"}', 3.0)
