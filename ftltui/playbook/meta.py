"""``meta`` tasks: they change how the play runs, not a host, and are not counted in the
recap (as with ansible-playbook). ``when`` is evaluated per host."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ftltui.errors import FtlError
from ftltui.playbook.actions_controller import evaluate_condition
from ftltui.playbook.events import HostTaskResult, TaskStarted
from ftltui.playbook.model import Task
from ftltui.playbook.scope import Scope, as_list
from ftltui.playbook.task_exec import TaskRun

if TYPE_CHECKING:
    from ftltui.playbook.strategy import Strategy

_NOOPS = ("noop", "refresh_inventory", "reset_connection")
# ansible-core 2.19's linear strategy runs these once per host (a TASK banner each, in host
# order, "skipping: [h]" where ``when`` is false); the others run once for the play, with
# ``when`` evaluated on the first host only (false there: nothing happens)
_PER_HOST = ("noop", "flush_handlers", "reset_connection", "end_host", "end_role", "role_complete")


def meta_name(task: Task) -> str:
    args = task.args
    return str(args.get("_raw_params") or args.get("free_form") or "").strip()


async def run_meta(strategy: Strategy, task: Task, scope: Scope, hosts: list[str]) -> None:
    """Banners and skips as ansible-playbook prints them (not counted in the recap), then the action."""
    pc = strategy.pc
    what = meta_name(task)
    tid = pc.run.new_task_id()
    tr = TaskRun(pc, task, scope, tid)
    if what in _PER_HOST:
        chosen = []
        for h in hosts:
            pc.run.emit(TaskStarted(pc.index, tid, task.label, task.action, str(task.location)))
            if what == "noop" or _when(tr, h):
                chosen.append(h)
            else:
                _skipped(tr, h)
    else:
        pc.run.emit(TaskStarted(pc.index, tid, task.label, task.action, str(task.location)))
        chosen = list(hosts) if not hosts or _when(tr, hosts[0]) else []
        if hosts and not chosen:
            _skipped(tr, hosts[0])
    if what == "flush_handlers":
        if chosen == list(hosts):  # every host: as the implicit flushes (force_handlers included)
            await strategy.flush_handlers()
        elif chosen:
            await strategy.flush_handlers(chosen)
        return
    if what in _NOOPS:
        return
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
        if chosen:
            for h in pc.batch:
                pc.run.host(h).failed = False
    else:
        raise FtlError(f"invalid meta action requested: {what}", task.location)


def _skipped(tr: TaskRun, host: str) -> None:
    tr.pc.run.emit(HostTaskResult(tr.pc.index, tr.task_id, host, "skipped",
                                  {"changed": False, "skipped": True, "skip_reason": "Conditional result was False"}))


def _when(tr: TaskRun, host: str) -> bool:
    conditions = list(tr.scope.whens) + as_list(tr.kw.get("when"))
    if not conditions:
        return True
    templar: Any = tr.templar_for(host)[0]
    return all(evaluate_condition(templar, c) for c in conditions)
