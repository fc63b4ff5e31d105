"""Property tests: random event sequences never take an illegal transition, and every
job ends in a terminal state."""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ftltui.jobs import TERMINAL, TRANSITIONS, IllegalTransition, JobQueue, RetryPolicy
from ftltui.jobs.model import STATES, check_transition
from ftltui.state import StateStore

from jobs_helpers import scripted

steps = st.sampled_from(["ok", "transient", "permanent", "hang"])
job_plans = st.fixed_dictionaries({
    "script": st.lists(steps, min_size=1, max_size=4),
    "priority": st.integers(0, 3),
    "host": st.sampled_from([None, "web1", "web2"]),
    "cancel_after": st.one_of(st.none(), st.floats(0, 0.03)),
    "max_attempts": st.integers(1, 4),
    "lost": st.booleans(),
})


@given(st.lists(st.sampled_from(STATES), max_size=40))
def test_table_walk_only_legal_moves(targets: list[str]) -> None:
    state = "queued"
    for new in targets:
        try:
            check_transition(state, new)
        except IllegalTransition:
            assert new not in TRANSITIONS[state]
            continue
        assert new in TRANSITIONS[state]
        state = new


def test_every_state_can_reach_a_terminal_state() -> None:
    for start in STATES:
        seen, todo = {start}, [start]
        while todo:
            for nxt in TRANSITIONS[todo.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        assert seen & TERMINAL, start


async def _run_plans(state_dir: Path, plans: list[dict]) -> list:
    store = StateStore.open(state_dir)
    now = time.time()
    lost_ids = []
    for p in plans:  # jobs a dead process left "running"
        if p["lost"]:
            lost_ids.append(store.table("jobs").insert({
                "kind": "scripted", "spec": {"script": [x if x != "hang" else "ok" for x in p["script"]]},
                "state": "running", "attempts": 1,
                "max_attempts": p["max_attempts"], "history": [["queued", now, ""], ["running", now, ""]],
                "owner": {"pid": 2 ** 22 + 7, "start": 1.0, "heartbeat": now},
                "retry": {**RetryPolicy(max_attempts=p["max_attempts"], base_delay=0.001).to_doc()}}))
    q = JobQueue(store, concurrency=3, per_host=1, grace=0.05, heartbeat=0.02)
    q.register_kind("scripted", scripted)
    errors: list[BaseException] = []
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(lambda _l, ctx: errors.append(ctx.get("exception")))
    await q.start()
    ids = list(lost_ids)
    for p in plans:
        script = [s if s != "hang" or p["cancel_after"] is not None else "ok" for s in p["script"]]
        job = await q.enqueue("scripted", {"script": script}, priority=p["priority"],
                              hosts=[p["host"]] if p["host"] else [],
                              retry=RetryPolicy(max_attempts=p["max_attempts"], base_delay=0.001, max_delay=0.005))
        ids.append(job.id)
        if p["cancel_after"] is not None:
            async def later(jid: int = job.id, d: float = p["cancel_after"]) -> None:
                await asyncio.sleep(d)
                await q.cancel(jid)
            asyncio.create_task(later())
    await asyncio.wait_for(q.drain(), 20)
    jobs = [q.get(i) for i in ids]
    await q.stop()
    store.close()
    assert not [e for e in errors if e is not None]
    return jobs


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(job_plans, min_size=1, max_size=6))
def test_random_runs_end_terminal_with_legal_histories(plans: list[dict]) -> None:
    with tempfile.TemporaryDirectory() as d:
        jobs = asyncio.run(_run_plans(Path(d), plans))
        reopened = StateStore.open(d, readonly=True)
    for job in jobs:
        assert job.state in TERMINAL, (job.id, job.state, job.history)
        states = [h[0] for h in job.history]
        for a, b in zip(states, states[1:]):
            assert b in TRANSITIONS[a], (a, b, states)
        assert job.attempts <= job.max_attempts
        assert reopened.table("jobs").get(job.id)["state"] == job.state
