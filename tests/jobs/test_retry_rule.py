"""The retry rule (issue 12, defect 1): a retry never runs a module again on a host whose
attempt finished; only hosts that failed transiently run again, and only when that is safe.

Real parts throughout: the real queue and job kinds, the real executor on local hosts,
and an SSH host on a loopback port the test checked is closed (unreachable at connect)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jobs_helpers import builtin_queue, close_queue, inventory_with_unreachable

from ftltui.jobs import JobQueue, RetryPolicy
from ftltui.jobs.kinds import enqueue_run, enqueue_workflow
from ftltui.jobs.retry import HELD_MSG, HostLedger, decide

FAST = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.02)


async def _queue(state: Path, inv: Path) -> JobQueue:
    return await builtin_queue(state, [str(inv)])


def _lines(path: Path) -> list[str]:
    return sorted(path.read_text().split()) if path.exists() else []


async def test_run_retry_skips_finished_hosts(tmp_path: Path) -> None:
    """The issue's scenario: `shell echo {{ inventory_hostname }} >> FILE` on two local
    hosts and one unreachable host, with retries: each healthy host appends once."""
    out = tmp_path / "x"
    q = await _queue(tmp_path / "state", inventory_with_unreachable(tmp_path / "inv.yml"))
    job = await enqueue_run(q, "all", "shell", {"cmd": f"echo {{{{ inventory_hostname }}}} >> {out}"}, retry=FAST)
    job = await q.wait(job.id)
    assert _lines(out) == ["l1", "l2"]
    assert job.state == "dead" and job.attempts == 3
    assert job.reason.startswith("gave up after 3 attempts (unreachable: 1 host(s) failed: far1: ")
    assert "far1: far1" not in job.reason and "far1: far1" not in " ".join(h[2] for h in job.history)
    per_host = q.store.table("jobs").get(job.id)["per_host"]  # durable, not only in memory
    assert [a["attempt"] for a in per_host["l1"]["attempts"]] == [1]
    assert [a["attempt"] for a in per_host["far1"]["attempts"]] == [1, 2, 3]
    assert {a["error_kind"] for a in per_host["far1"]["attempts"]} == {"unreachable"}
    assert job.summary["counts"] == {"changed": 2, "unreachable": 1}
    await close_queue(q)


async def test_workflow_step_retries_do_not_multiply(tmp_path: Path) -> None:
    out = tmp_path / "x"
    wf = tmp_path / "wf.yml"
    wf.write_text(textwrap.dedent(f"""
        name: append
        hosts: all
        steps:
          - name: append
            module: shell
            retries: 2
            args: {{cmd: "echo {{{{ inventory_hostname }}}} >> {out}"}}
          - {{name: after, module: ping, depends_on: [append]}}
    """))
    q = await _queue(tmp_path / "state", inventory_with_unreachable(tmp_path / "inv.yml"))
    job = await q.wait((await enqueue_workflow(q, wf, retry=FAST)).id)
    assert _lines(out) == ["l1", "l2"]
    step = job.steps["append"]
    assert step["state"] == "failed" and job.steps["after"]["state"] == "upstream_failed"
    assert job.state == "failed" and job.attempts == 1  # the step's retries are the only ones
    assert [a["attempt"] for a in step["per_host"]["far1"]["attempts"]] == [1, 2, 3]
    assert [a["attempt"] for a in step["per_host"]["l2"]["attempts"]] == [1]
    assert step["results"]["l1"]["status"] == "changed" and step["results"]["far1"]["status"] == "unreachable"
    assert "far1: far1" not in step["message"]
    await close_queue(q)


async def test_uncertain_timeout_is_retried_only_when_idempotent(tmp_path: Path) -> None:
    """A timeout may come after the command ran: not repeated unless creates/removes
    make it idempotent."""
    inv = inventory_with_unreachable(tmp_path / "inv.yml", local=("l1",), far=())
    q = await _queue(tmp_path / "state", inv)
    unsafe, safe = tmp_path / "unsafe", tmp_path / "safe"
    job = await q.wait((await enqueue_run(q, "l1", "shell", {"cmd": f"echo run >> {unsafe}; sleep 5"},
                                          timeout=1.0, retry=FAST)).id)
    assert _lines(unsafe) == ["run"]
    assert job.state == "failed" and HELD_MSG in job.reason and job.attempts == 1
    assert job.per_host["l1"]["state"] == "held"
    job = await q.wait((await enqueue_run(q, "l1", "shell", {"cmd": f"echo run >> {safe}; sleep 5",
                                                             "creates": str(tmp_path / "never")},
                                          timeout=1.0, retry=FAST)).id)
    assert _lines(safe) == ["run"] * 3
    assert job.state == "dead" and job.attempts == 3
    await close_queue(q)


async def test_ad_hoc_runs_are_not_retried_by_default(tmp_path: Path) -> None:
    q = await _queue(tmp_path / "state", inventory_with_unreachable(tmp_path / "inv.yml"))
    job = await q.wait((await enqueue_run(q, "all", "ping", {})).id)
    assert job.state == "failed" and job.attempts == 1 and job.max_attempts == 1  # not "dead": no retry was due
    assert job.reason.startswith("unreachable: 1 host(s) failed: far1: ")
    await close_queue(q)


# -- the rule as a property ---------------------------------------------------------------

OUTCOMES = ("ok", "changed", "module_failed", "unreachable", "timeout", "gate_failed", "lost", "auth_failed")


def _status(outcome: str) -> tuple[str, str | None]:
    if outcome in ("ok", "changed"):
        return outcome, None
    return ("unreachable" if outcome in ("unreachable", "auth_failed") else "failed"), outcome


class _HR:  # the shape of an engine HostResult the ledger reads
    def __init__(self, host: str, outcome: str) -> None:
        self.host = host
        self.status, self.error_kind = _status(outcome)

    def to_dict(self) -> dict:
        return {"host": self.host, "status": self.status, "error_kind": self.error_kind, "duration": 0.0,
                "result": {"msg": f"{self.host}: {self.status}"}}


@settings(max_examples=300, deadline=None)
@given(script=st.dictionaries(st.sampled_from(["a", "b", "c", "d"]), st.lists(st.sampled_from(OUTCOMES), min_size=4,
                                                                              max_size=4), min_size=1),
       is_idempotent=st.booleans(), attempts=st.integers(1, 4), budget=st.sampled_from([None, 1, 2, 3]))
def test_ledger_never_reruns_a_finished_host(script, is_idempotent, attempts, budget) -> None:
    """Over random outcomes per host and attempt (including a controller dying mid-run,
    ``lost``), with the ledger round-tripped through its stored form between attempts."""
    doc: dict = {}
    ran: dict[str, list[int]] = {h: [] for h in script}
    for n in range(1, attempts + 1):
        ledger = HostLedger(doc, is_idempotent)
        todo = ledger.plan(list(script), budget)
        for h in ran:  # what the plan runs follows from the host's own history alone
            hist = ran[h]
            last = script[h][hist[-1] - 1] if hist else None
            finished = last is not None and decide(*_status(last), is_idempotent) != "retry"
            spent = budget is not None and sum(script[h][i - 1] != "lost" for i in hist) >= budget
            assert (h in todo) == (not finished and not spent), (h, hist, last)
        ledger.start(todo, n)
        for h in todo:
            ran[h].append(n)
            if script[h][n - 1] != "lost":  # lost: the process died before recording it
                ledger.record(n, _HR(h, script[h][n - 1]))
        doc = ledger.doc()
    ledger = HostLedger(doc, is_idempotent)
    ledger.close_interrupted()
    for h, hist in ran.items():
        atts = ledger.entries[h]["attempts"] if hist else []
        assert [a["attempt"] for a in atts] == hist  # every run recorded, once
        if hist:  # the merged result is the last attempt that ran
            want = script[h][hist[-1] - 1]
            assert ledger.last(h)["status"] == _status(want)[0]
            assert ledger.last(h)["error_kind"] == _status(want)[1]


LOCAL = ("l1", "l2", "l3")
SCRIPT = ("f={d}/{{{{ inventory_hostname }}}}; echo run >> $f.runs; n=$(wc -l < $f.runs); "
          "case $(sed -n \"${{n}}p\" $f.script) in ok) exit 0;; fail) exit 1;; *) sleep 5;; esac")


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(script=st.fixed_dictionaries({h: st.lists(st.sampled_from(["ok", "fail", "timeout"]), min_size=3, max_size=3)
                                     for h in LOCAL}),
       is_idempotent=st.booleans(), far=st.booleans())
def test_real_queue_runs_a_host_only_while_the_rule_allows(script, is_idempotent, far) -> None:
    """The same property end to end: the module counts its own runs on each host."""
    import asyncio
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        for h, outcomes in script.items():
            (tmp / f"{h}.script").write_text("\n".join(outcomes) + "\n")
        inv = inventory_with_unreachable(tmp / "inv.yml", local=LOCAL, far=("far1",) if far else ())
        args = {"argv": ["sh", "-c", SCRIPT.format(d=tmp)]}
        if is_idempotent:
            args["creates"] = str(tmp / "never")

        async def go():
            q = await _queue(tmp / "state", inv)
            job = await q.wait((await enqueue_run(q, "all", "command", args, timeout=1.0, retry=FAST)).id)
            await close_queue(q)
            return job

        job = asyncio.run(go())
        for h, outcomes in script.items():
            stop = next((i for i, o in enumerate(outcomes, 1) if o != "timeout" or not is_idempotent), 3)
            runs = (tmp / f"{h}.runs").read_text().count("run")
            assert runs == stop, (h, outcomes, runs, job.per_host[h])
            last = job.per_host[h]["attempts"][-1]
            want = {"ok": "changed", "fail": "failed", "timeout": "failed"}[outcomes[stop - 1]]
            assert last["status"] == want and len(job.per_host[h]["attempts"]) == runs, job.per_host[h]
        if far:
            assert len(job.per_host["far1"]["attempts"]) == job.attempts


def test_idempotence_is_judged_by_the_module_not_by_how_it_is_named() -> None:
    """FQCNs of command/shell/raw are as unsafe to repeat as the short names, and a module
    the rule knows nothing about (an installed Ansible or collection module) is not assumed
    to converge: a timed-out ``ansible.builtin.shell`` must not run twice."""
    from ftltui.jobs.retry import idempotent

    for name in ("shell", "ansible.builtin.shell", "ansible.legacy.command", "ansible.builtin.raw", "script"):
        assert not idempotent(name, {"cmd": "echo x >> /tmp/x"}), name
    assert idempotent("ansible.builtin.shell", {"cmd": "x", "creates": "/tmp/y"})
    assert not idempotent("ansible.builtin.service", {"name": "nginx", "state": "restarted"})
    assert idempotent("ansible.builtin.lineinfile", {"path": "/x", "line": "y"})
    assert idempotent("copy", {"content": "x", "dest": "/tmp/x"})
    assert not idempotent("community.general.make", {"chdir": "/src"})
