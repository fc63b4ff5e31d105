"""Against ansible-playbook: an unreachable host (a loopback port the test closed) with
ignore_unreachable and exit status 4; vars_prompt answered by -e or defaulted when
nobody can answer; --start-at-task; strategy: free."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from runner_oracle import CORPUS, assert_same, compare

from ftltui.playbook.options import PlayOptions

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from netutil import closed_port

pytestmark = pytest.mark.skipif(__import__("shutil").which("ansible-playbook") is None,
                                reason="ansible-playbook (the oracle) is not installed")


def test_unreachable_host(tmp_path: Path) -> None:
    extra = f"u ansible_host=127.0.0.1 ansible_port={closed_port()} ansible_connection=ssh ansible_user=nobody\n"
    res = compare(CORPUS / "unreachable.yml", tmp_path, ["a"], inventory_extra=extra)
    assert_same(res)
    assert res["ftl"][0] == 4 and res["ftl"][1]["u"]["unreachable"] == 1


def test_prompts_start_at_task_free_strategy(tmp_path: Path) -> None:
    res = compare(CORPUS / "misc.yml", tmp_path, ["a", "b"], "-e", "answered=yes", "--start-at-task", "start here",
                  options=PlayOptions(extra_vars={"answered": "yes"}, start_at_task="start here"))
    assert_same(res)
    assert res["ftl"][2]["a/log"] == "yes the-default\non\n"


def test_add_host_and_group_by(tmp_path: Path) -> None:
    res = compare(CORPUS / "inventory_changes.yml", tmp_path, ["a", "b"])
    assert_same(res)
    assert res["ftl"][2]["n2/added"] == "new-n2 n1,n2\n"


def test_add_host_leaves_the_shared_inventory_alone(tmp_path: Path) -> None:
    """The console's inventory is shared by every run: a playbook's add_host changes only its own view."""
    import asyncio

    from runner_oracle import local_inventory

    from ftltui.engine.executor import Executor
    from ftltui.inventory.loader import load_inventory
    from ftltui.playbook.loader import load_playbook
    from ftltui.playbook.runner import run_playbook

    inv = load_inventory([str(local_inventory(tmp_path, ["a", "b"]))])
    before = (sorted(inv.hosts), sorted(inv.groups))

    async def go() -> int:
        ex = Executor(inv)
        try:
            done = await run_playbook(load_playbook(CORPUS / "inventory_changes.yml"), ex,
                                      PlayOptions(extra_vars={"out": str(tmp_path / "out")}), lambda e: None)
            return done.exit_code
        finally:
            await ex.close()

    assert asyncio.run(go()) == 0
    assert (tmp_path / "out" / "n1" / "added").read_text() == "new-n1 n1,n2\n"
    assert (sorted(inv.hosts), sorted(inv.groups)) == before


def test_cancelled_run_reports_interrupted_recap(tmp_path: Path) -> None:
    """Cancelling run_playbook (Ctrl+C, the console's cancel) emits the recap so far with
    exit status 99 (ansible-playbook's "interrupted"), then the cancellation propagates."""
    import asyncio

    from runner_oracle import local_inventory

    from ftltui.engine.executor import Executor
    from ftltui.inventory.loader import load_inventory
    from ftltui.playbook.events import PlaybookFinished, TaskStarted
    from ftltui.playbook.loader import load_playbook
    from ftltui.playbook.runner import run_playbook

    pb = tmp_path / "pb.yml"
    pb.write_text("- hosts: all\n  gather_facts: false\n  tasks:\n    - command: 'true'\n"
                  "    - name: long\n      command: sleep 60\n    - command: 'true'\n")
    inv = load_inventory([str(local_inventory(tmp_path, ["a", "b"]))])
    events: list = []

    async def go() -> None:
        ex = Executor(inv)
        task = asyncio.current_task()

        def on_event(e: object) -> None:
            events.append(e)
            if isinstance(e, TaskStarted) and e.label == "long":
                asyncio.get_running_loop().call_soon(task.cancel)

        try:
            await run_playbook(load_playbook(pb), ex, PlayOptions(), on_event)
        finally:
            await ex.close()

    with pytest.raises(asyncio.CancelledError):
        asyncio.run(go())
    done = [e for e in events if isinstance(e, PlaybookFinished)]
    assert len(done) == 1 and done[0].exit_code == 99 and done[0].interrupted
    assert done[0].stats["a"].ok == 1


def test_missing_handler_is_an_error(tmp_path: Path) -> None:
    res = compare(CORPUS / "nohandler.yml", tmp_path, ["a"])
    assert res["ftl"][0] == res["ansible"][0] == 1
    assert res["ftl"][2] == res["ansible"][2] == {}
    assert any("was not found" in getattr(e, "text", "") for e in res["events"])
