"""``--json``'s event lines: every playbook event has a documented name, every line is
JSON with the schema version, and the recap comes last with Ansible's counts."""

from __future__ import annotations

import dataclasses
import io
import json

from ftltui.playbook import events as ev
from ftltui.playbook.output_json import EVENT_NAMES, RECAP_EVENT, JsonOutput, event_doc


def _events() -> list[ev.PlaybookEvent]:
    return [ev.PlaybookStarted(path="site.yml", check=True),
            ev.PlayStarted(index=0, label="web", hosts=("b", "a"), location="site.yml:1:3"),
            ev.TaskStarted(play=0, task_id="t1", label="copy", action="copy", path="site.yml:4:7"),
            ev.HostOutput(play=0, task_id="t1", host="a", stream="stdout", text="line"),
            ev.ItemResult(play=0, task_id="t1", host="a", status="ok", label="x", result={"item": "x"}),
            ev.HostTaskResult(play=0, task_id="t1", host="a", status="changed", result={"changed": True}),
            ev.Included(play=0, task_id="t2", file="inc.yml", hosts=("a",)),
            ev.NoHostsMatched(play=1), ev.PlaybookWarning(text="careful"),
            ev.PlaybookFinished(stats={"b": ev.HostStats(ok=1), "a": ev.HostStats(failed=1)}, exit_code=2)]


def test_every_playbook_event_class_has_a_documented_name():
    classes = {c.__name__ for c in vars(ev).values()
               if isinstance(c, type) and issubclass(c, ev.PlaybookEvent) and c is not ev.PlaybookEvent}
    assert classes == set(EVENT_NAMES)
    assert len(set(EVENT_NAMES.values())) == len(EVENT_NAMES)


def test_lines_are_json_with_schema_and_the_recap_comes_last_sorted():
    buf = io.StringIO()
    out = JsonOutput(buf)
    for e in _events():
        out(e)
    out.recap(job=7, state="failed")
    docs = [json.loads(line) for line in buf.getvalue().splitlines()]
    assert all(d["schema"] == ev.SCHEMA_VERSION for d in docs)
    assert [d["event"] for d in docs[:-1]] == [EVENT_NAMES[type(e).__name__] for e in _events()]
    recap = docs[-1]
    assert recap["event"] == RECAP_EVENT and list(recap["stats"]) == ["a", "b"]
    assert recap["stats"]["a"]["failed"] == 1 and recap["exit_code"] == 2 and recap["job"] == 7


def test_fields_are_the_events_fields():
    e = _events()[5]
    doc = event_doc(e)
    assert set(doc) == {"schema", "event"} | {f.name for f in dataclasses.fields(e)}


def test_live_output_lines_can_be_left_out():
    buf = io.StringIO()
    out = JsonOutput(buf, with_output=False)
    for e in _events():
        out(e)
    assert "task.host_output" not in buf.getvalue()
