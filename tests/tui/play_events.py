"""A recorded playbook run as the runner reports it (real event dataclasses, fixed
timestamps): two plays, a loop, an ignored failure, a skip, an unreachable host, a diff,
a handler, live output and a recap. Shared by the matrix snapshot and pilot tests."""

from __future__ import annotations

from ftltui.jobs.model import Job
from ftltui.playbook import events as pe

HOSTS = ("web1.example.invalid", "web2.example.invalid", "db1.example.invalid")
TS = 1_700_000_000.0


def _r(**kw):
    return kw


def recorded_run(finished: bool = True) -> list[pe.PlaybookEvent]:
    w1, w2, d1 = HOSTS
    ev: list[pe.PlaybookEvent] = [
        pe.PlaybookStarted("/srv/infra/site.yml", ts=TS),
        pe.PlayStarted(0, "web and db", HOSTS, "/srv/infra/site.yml:1", ts=TS),
        pe.TaskStarted(0, "t1", "Gathering Facts", "gather_facts", "/srv/infra/site.yml:1", ts=TS),
    ]
    ev += [pe.HostTaskResult(0, "t1", h, "ok", {}, ts=TS) for h in (w1, w2)]
    ev += [pe.HostTaskResult(0, "t1", d1, "unreachable",
                             {"msg": "Failed to connect to the host via ssh: [Errno 111] refused",
                              "unreachable": True}, ts=TS)]
    ev += [pe.TaskStarted(0, "t2", "common : install packages", "package", "roles/common/tasks/main.yml:2", ts=TS)]
    for h in (w1, w2):
        for item, st in (("nginx", "changed"), ("[bold]curl[/]", "ok")):
            ev.append(pe.ItemResult(0, "t2", h, st, item, {"item": item, "changed": st == "changed"}, ts=TS))
        ev.append(pe.HostTaskResult(0, "t2", h, "changed", {"changed": True, "results": [
            {"item": "nginx", "changed": True}, {"item": "[bold]curl[/]", "changed": False}]}, ts=TS))
    ev += [pe.TaskStarted(0, "t3", "write config", "template", "roles/common/tasks/main.yml:8", ts=TS),
           pe.HostOutput(0, "t3", w1, "stdout", "rendering app.conf", ts=TS),
           pe.HostTaskResult(0, "t3", w1, "changed", {"changed": True, "diff": [{
               "before": "port = 80\n", "after": "port = 8080\n",
               "before_header": "/etc/app.conf", "after_header": "/etc/app.conf"}]}, ts=TS),
           pe.HostTaskResult(0, "t3", w2, "ok", {"changed": False}, ts=TS),
           pe.TaskStarted(0, "t4", "check migrations [x]", "command", "site.yml:14", ts=TS),
           pe.HostOutput(0, "t4", w1, "stderr", "\x1b[31mno such table\x1b[0m", ts=TS),
           pe.HostTaskResult(0, "t4", w1, "failed", {"rc": 1, "stdout": "", "stderr": "no such table",
                                                     "msg": "non-zero return code"}, ignored=True, ts=TS),
           pe.HostTaskResult(0, "t4", w2, "skipped", {"skipped": True, "false_condition": "primary"}, ts=TS),
           pe.TaskStarted(0, "h1", "restart app", "service", "roles/common/handlers/main.yml:1", handler=True,
                          ts=TS),
           pe.HostTaskResult(0, "h1", w1, "changed", {"changed": True}, ts=TS),
           pe.PlayStarted(1, "db", (d1,), "/srv/infra/site.yml:20", ts=TS),
           pe.NoHostsMatched(1, ts=TS)]
    if finished:
        ev.append(pe.PlaybookFinished({
            w1: pe.HostStats(ok=5, changed=3, ignored=1),
            w2: pe.HostStats(ok=3, changed=1, skipped=1),
            d1: pe.HostStats(unreachable=1)}, 4, ts=TS))
    return ev


def running_play() -> list[pe.PlaybookEvent]:
    """The first play while task t4 runs: web2 has not reported yet."""
    out = []
    for e in recorded_run(finished=False):
        if e.type == "TaskStarted" and e.task_id == "h1":
            break
        if not (e.type == "HostTaskResult" and e.task_id == "t4" and e.host == HOSTS[1]):
            out.append(e)
    return out


def play_job(state: str = "failed") -> Job:
    return Job(id=7, kind="playbook", state=state, title="playbook site.yml -l web",
               spec={"playbook": "/srv/infra/site.yml", "content": "ab12" * 16, "options": {"limit": "web"}},
               summary={"ran": "live"}, reason="exit 4; db1.example.invalid: Gathering Facts: refused"
               if state == "failed" else "")
