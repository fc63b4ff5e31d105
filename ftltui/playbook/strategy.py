"""The linear strategy: every task runs on all the play's remaining hosts (in parallel,
``forks`` at a time) before the next task starts; blocks send failed hosts to
``rescue`` and every host to ``always``; a failed host leaves the play.

``free`` runs the same tree with one Strategy per host, each host at its own pace.
"""

from __future__ import annotations

import asyncio
import fnmatch
from typing import Any

from ftltui.errors import FtlError
from ftltui.playbook.events import TaskStarted
from ftltui.playbook.handlers import flush, notify
from ftltui.playbook.meta import run_meta
from ftltui.playbook.model import Block, Item, RoleUse, Task, builtin_name
from ftltui.playbook.playctx import HandlerEntry, PlayRun
from ftltui.playbook.results import registered
from ftltui.playbook.scope import Scope, tag_set, tags_selected
from ftltui.playbook.task_exec import HostOutcome, TaskRun, count
from ftltui.playbook.task_name import banner_task
from ftltui.templating import unsafe


class Strategy:
    def __init__(self, pc: PlayRun, *, started: list[bool], only: list[str] | None = None) -> None:
        self.pc = pc
        self.only = only  # the free strategy: this instance drives these hosts only
        self.started = started  # [False] while --start-at-task has not matched yet (shared by the run)
        self.roles_done: set[tuple[str, str]] = set()

    # -- the tree -------------------------------------------------------------------
    async def run_items(self, items: list[Item], scope: Scope, hosts: list[str]) -> None:
        for item in items:
            active = self.pc.active(hosts)
            if not active:
                return
            if isinstance(item, Block):
                await self.run_block(item, scope, active)
            else:
                await self.run_task(item, scope, active)
            self._check_fail_percentage()

    async def run_block(self, block: Block, scope: Scope, hosts: list[str]) -> None:
        inner = scope.enter(block.keywords)
        if block.role_use is not None:  # import_role: runs even when the play ran the role already
            await self.run_role(block.role_use, scope, hosts, block=block, once=False)
            return
        await self.run_items(block.block, inner, hosts)
        run = self.pc.run
        failed = [h for h in hosts if run.host(h).failed and not run.host(h).unreachable]
        if block.rescue and failed:
            for h in failed:
                st = run.host(h)
                st.failed = False
                run.uncount(h, "failed")
                run.count(h, "rescued")
                st.fact_vars.update(st.failed_task or {})
            await self.run_items(block.rescue, inner, failed)
        if block.always:
            always = [h for h in hosts if not run.host(h).unreachable and not run.host(h).ended]
            was_failed = [h for h in always if run.host(h).failed]
            for h in was_failed:
                run.host(h).failed = False
            if not self.pc.ended:
                await self.run_items(block.always, inner, always)
            for h in was_failed:
                run.host(h).failed = True

    async def run_role(self, use: RoleUse, scope: Scope, hosts: list[str], *, block: Block | None = None,
                       once: bool = True) -> None:
        """A role: its dependencies first, then its tasks with its defaults, vars and params.
        A role applied twice with the same params runs once (``once``: not for include_role)
        unless it allows duplicates."""
        entry = scope.enter(use.keywords)
        for dep in use.role.dependencies:
            await self.run_role(dep, entry, hosts)
        key = (str(use.role.path), repr(sorted(use.params.items(), key=str)))
        if once and key in self.roles_done and not use.role.allow_duplicates:
            return
        self.roles_done.add(key)
        inner = scope.enter(use.keywords, role=use)
        if block is not None:
            inner = inner.enter(block.keywords)
        tasks = block.block if block is not None else use.role.tasks
        await self.run_items(tasks, inner, self.pc.active(hosts))

    # -- one task -------------------------------------------------------------------
    def _selected(self, task: Task, scope: Scope) -> bool:
        opts = self.pc.options
        if not tags_selected(scope.tags | tag_set(task.keywords.get("tags")), opts.tags, opts.skip_tags):
            return False
        if not self.started[0]:
            wanted = opts.start_at_task or ""
            if fnmatch.fnmatchcase(task.label, wanted) or (task.name and fnmatch.fnmatchcase(task.name, wanted)):
                self.started[0] = True
            else:
                return False
        return True

    async def run_task(self, task: Task, scope: Scope, hosts: list[str]) -> None:
        if not self._selected(task, scope):
            return
        action = builtin_name(task.action)
        if action == "meta":
            await run_meta(self, task, scope, hosts)
            return
        if action in ("include_tasks", "include_role", "import_tasks", "import_role"):
            from ftltui.playbook.includes import run_include

            await run_include(self, task, scope, hosts)
            return
        await self.run_on_hosts(task, scope, hosts)

    async def run_on_hosts(self, task: Task, scope: Scope, hosts: list[str], *, handler: bool = False) -> None:
        pc = self.pc
        tid = pc.run.new_task_id()
        tr = TaskRun(pc, task, scope, tid, handler=handler)
        pc.run.emit(TaskStarted(pc.index, tid, banner_task(tr, hosts).label, task.action, str(task.location), handler))
        limit = _throttle(pc, tr)
        sem = asyncio.Semaphore(limit)

        async def one(h: str) -> HostOutcome:
            async with sem:
                return await tr.run_host(h)

        if tr.action == "pause" and len(hosts) > 1:
            # Ansible's pause bypasses the host loop: it runs for the first host only, and only
            # that host gets its result (and the ok in the recap), unlike run_once
            outcomes = [await one(hosts[0])]
        elif _run_once(tr, hosts):
            first = await one(hosts[0])
            outcomes = [first]
            for h in hosts[1:]:
                tr.apply(h, first.result, first.status)
                if task.keywords.get("register"):
                    pc.run.host(h).fact_vars[str(task.keywords["register"])] = unsafe(registered(first.result))
        else:
            outcomes = list(await asyncio.gather(*(one(h) for h in hosts)))
        fatal = False
        for o in outcomes:
            count(pc, o)
            self._after(tr, o)
            if o.status in ("failed", "unreachable") and not o.ignored:
                fatal = True
        if fatal and _truthy(tr.keyword("any_errors_fatal", pc.play.keywords.get("any_errors_fatal"))):
            for h in pc.active():
                pc.run.host(h).failed = True
                pc.failed_in_play.add(h)
            pc.ended = pc.stop_playbook = True

    def _after(self, tr: TaskRun, o: HostOutcome) -> None:
        st = self.pc.run.host(o.host)
        if o.status == "unreachable" and not o.ignored:
            st.unreachable = True
        elif o.status == "failed" and not o.ignored:
            st.failed = True
            self.pc.failed_in_play.add(o.host)
            st.failed_task = {"ansible_failed_task": {"name": tr.task.name or tr.task.action,
                                                      "action": tr.task.action},
                              "ansible_failed_result": o.result}
        notifies = o.result.get("changed") and "notify" in tr.kw
        if notifies and o.status != "unreachable" and (o.status != "failed" or o.ignored):
            missing = notify(self.pc, o.host, tr.kw["notify"], tr.templar_for(o.host)[0])
            if missing:  # ansible-playbook stops with this error (exit 1)
                raise FtlError(f"The requested handler '{missing[0]}' was not found in either the main "
                               "handlers list nor in the listening handlers list", tr.task.location)

    def _check_fail_percentage(self) -> None:
        pct = self.pc.play.keywords.get("max_fail_percentage")
        if pct is None or self.pc.ended:
            return
        batch = self.pc.batch
        failed = sum(1 for h in batch if self.pc.run.host(h).failed or self.pc.run.host(h).unreachable)
        if batch and failed * 100.0 / len(batch) > float(pct):
            self.pc.ended = self.pc.stop_playbook = True

    async def flush_handlers(self, hosts: list[str] | None = None) -> None:
        """Run the notified handlers (for ``hosts`` only: a ``meta: flush_handlers`` whose
        ``when`` held on some hosts)."""
        force = _truthy(self.pc.play.keywords.get("force_handlers"))
        only = self.only if hosts is None else [h for h in hosts if self.only is None or h in self.only]
        await flush(self.pc, self._run_handler, force=force, only=only)

    async def _run_handler(self, entry: HandlerEntry, hosts: list[str]) -> None:
        await self.run_on_hosts(entry.task, entry.scope, hosts, handler=True)


def _throttle(pc: PlayRun, tr: TaskRun) -> int:
    limit = max(1, pc.options.forks)
    throttle = tr.keyword("throttle")
    if throttle:
        limit = min(limit, int(throttle))
    return limit


def _run_once(tr: TaskRun, hosts: list[str]) -> bool:
    if tr.action == "add_host":  # Ansible bypasses the host loop for add_host
        return len(hosts) > 1
    value = tr.keyword("run_once")
    return len(hosts) > 1 and value is not None and _truthy(value)


def _truthy(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return value is not None and str(value).strip().lower() in ("yes", "true", "1", "on", "y")
