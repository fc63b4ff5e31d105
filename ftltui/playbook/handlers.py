"""Handlers: notified by name (``role : name`` too) or by ``listen`` topic, run once per
notified host, in the order they are declared, when handlers are flushed (end of
pre_tasks, of roles+tasks, of post_tasks, and ``meta: flush_handlers``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from ftltui.playbook.playctx import HandlerEntry, PlayRun
from ftltui.playbook.scope import Scope, as_list

RunHandler = Callable[[HandlerEntry, list[str]], Awaitable[None]]


def add_handlers(pc: PlayRun, tasks: list[Any], scope: Scope) -> None:
    known = {id(e.task) for e in pc.handlers}
    for t in tasks:
        if id(t) not in known:
            pc.handlers.append(HandlerEntry(t, scope))


def _names(entry: HandlerEntry, templar: Any) -> set[str]:
    names: set[str] = set()
    task = entry.task
    if task.name:
        name = str(templar.render(task.name)) if templar is not None else task.name
        names.add(name)
        if task.role is not None:
            names.add(f"{task.role.name} : {name}")
    return names


def notify(pc: PlayRun, host: str, notified: Any, templar: Any) -> list[str]:
    """Mark the handlers ``notified`` names (or listens to) for ``host``; returns names that
    matched no handler."""
    missing = []
    for raw in as_list(notified):
        wanted = str(templar.render(raw)) if templar is not None else str(raw)
        found = False
        for entry in pc.handlers:
            listens = {str(x) for x in as_list(entry.task.keywords.get("listen"))}
            if wanted in _names(entry, templar) or wanted in listens:
                found = True
                if host not in entry.notified:
                    entry.notified.append(host)
        if not found:
            missing.append(wanted)
    return missing


async def flush(pc: PlayRun, run_handler: RunHandler, *, force: bool = False, only: list[str] | None = None) -> None:
    """Run every notified handler for its notified hosts that are still running (of
    ``only``, for the free strategy's per-host flushes); a handler notified by another
    handler runs in the same flush."""
    for _ in range(len(pc.handlers) + 1):
        pending = False
        for entry in pc.handlers:
            mine = [h for h in entry.notified if only is None or h in only]
            if not mine:
                continue
            hosts = [h for h in mine if h in pc.batch and (force or pc.run.host(h).active)]
            entry.notified = [h for h in entry.notified if h not in mine]
            if hosts and not pc.ended:
                pending = True
                await run_handler(entry, hosts)
        if not pending:
            return
