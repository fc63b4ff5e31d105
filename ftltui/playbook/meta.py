"""``meta`` tasks: they change how the play runs, not a host, and are not counted in the
recap (as with ansible-playbook). ``when`` is evaluated per host."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ftltui.errors import FtlError
from ftltui.playbook.actions_controller import evaluate_condition
from ftltui.playbook.model import Task
from ftltui.playbook.scope import Scope, as_list
from ftltui.playbook.task_exec import TaskRun

if TYPE_CHECKING:
    from ftltui.playbook.strategy import Strategy

_NOOPS = ("noop", "refresh_inventory", "reset_connection")


def meta_name(task: Task) -> str:
    args = task.args
    return str(args.get("_raw_params") or args.get("free_form") or "").strip()


async def run_meta(strategy: Strategy, task: Task, scope: Scope, hosts: list[str]) -> None:
    pc = strategy.pc
    what = meta_name(task)
    if what == "flush_handlers":
        await strategy.flush_handlers()
        return
    if what in _NOOPS:
        return
    tr = TaskRun(pc, task, scope, "")
    chosen = [h for h in hosts if _when(tr, h)]
    if what == "end_play" or what == "end_batch":
        if chosen:
            pc.ended = True
    elif what == "end_host":
        for h in chosen:
            pc.run.host(h).ended = True
    elif what == "clear_facts":
        for h in chosen:
            pc.run.host(h).facts.clear()
    elif what == "clear_host_errors":
        for h in pc.batch:
            pc.run.host(h).failed = False
    else:
        raise FtlError(f"invalid meta action requested: {what}", task.location)


def _when(tr: TaskRun, host: str) -> bool:
    conditions = list(tr.scope.whens) + as_list(tr.kw.get("when"))
    if not conditions:
        return True
    templar: Any = tr.templar_for(host)[0]
    return all(evaluate_condition(templar, c) for c in conditions)
