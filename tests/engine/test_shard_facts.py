"""Process shards get each host's facts once, not with every templated call (issue 17).

A ``template`` call, or arguments naming ``hostvars``, needs every host's facts in the
worker; they used to travel inside every request (1,000 hosts' facts pickled per task).
Real worker processes, real ``facts`` and ``shell`` runs on local hosts; the frames the
controller writes to each worker's pipe are recorded on their way out.
"""

from __future__ import annotations

from typing import Any

import pytest

from ftltui.engine.executor import Executor
from ftltui.engine.shards import process
from ftltui.inventory import load_inventory

HOSTVARS_CMD = "echo {{ hostvars['l1'].ansible_facts.hostname | default(hostvars['l1'].ansible_hostname) }}"


async def test_facts_cross_the_pipe_once_per_gathering(local_inventory, monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list[tuple[int, tuple[Any, ...]]] = []
    real = process._Worker._send

    def recording(self: process._Worker, msg: tuple[Any, ...]) -> None:
        sent.append((self.index, msg))
        real(self, msg)

    monkeypatch.setattr(process._Worker, "_send", recording)
    ex = Executor(load_inventory(local_inventory(4)), workers=2, forks=4)
    try:
        res = await ex.run("all", "facts", {})
        assert res.counts["ok"] == 4 and set(ex.facts) == {"l1", "l2", "l3", "l4"}
        hostname = ex.facts["l1"].get("hostname") or ex.facts["l1"].get("ansible_hostname")
        assert hostname
        for _ in range(3):  # every host's template reads l1's facts: the worker must hold them
            res = await ex.run("all", "shell", {"cmd": HOSTVARS_CMD})
            assert {h: r.result.get("stdout") for h, r in res.results.items()} == {
                f"l{i}": hostname for i in range(1, 5)}
        runs = [m for _, m in sent if m[0] == "run"]
        assert runs and all(m[1].facts == {} for m in runs)  # no request carries facts
        facts_msgs = [(i, m[1]) for i, m in sent if m[0] == "facts"]
        # each worker got every host's facts exactly once, before the first templated run
        assert sorted(i for i, _ in facts_msgs) == [0, 1]
        assert all(set(delta) == {"l1", "l2", "l3", "l4"} for _, delta in facts_msgs)

        # gathered again: the controller holds new facts objects, sent once more, then not again
        sent.clear()
        await ex.run("all", "facts", {})
        for _ in range(2):
            res = await ex.run("all", "shell", {"cmd": HOSTVARS_CMD})
            assert res.counts["changed"] == 4
        assert sorted(i for i, m in sent if m[0] == "facts") == [0, 1]
    finally:
        await ex.close()
