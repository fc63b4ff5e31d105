"""Running a loaded playbook with ansible-core 2.19's semantics: plays in order, each on
its hosts in ``serial`` batches, facts gathered first, then pre_tasks, roles, tasks and
post_tasks with handlers flushed after each section; the recap and the exit status
ansible-playbook would give (0 ok, 2 a host failed, 4 a host unreachable, 1 an error,
99 interrupted).

Public API: :func:`run_playbook`. Every event goes to ``on_event`` as it happens.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from ftltui.engine.redact import Redactor
from ftltui.errors import FtlError
from ftltui.playbook.error_origin import origin_lines
from ftltui.playbook.events import (
    NoHostsMatched,
    PlaybookEvent,
    PlaybookFinished,
    PlaybookStarted,
    PlaybookWarning,
    PlayStarted,
)
from ftltui.playbook.handlers import add_handlers
from ftltui.playbook.model import (
    Block,
    Item,
    Play,
    Playbook,
    PlayKeywordError,
    RoleUse,
    Task,
    builtin_name,
)
from ftltui.playbook.options import PlayOptions
from ftltui.playbook.play_setup import (
    batches,
    gather_task,
    load_vars_files,
    play_hosts,
    prompt_vars,
)
from ftltui.playbook.playctx import PlayRun
from ftltui.playbook.run_inventory import run_copy
from ftltui.playbook.scope import Scope
from ftltui.playbook.state import RunState
from ftltui.playbook.strategy import Strategy

NO_START_TASK = 'No matching task "{name}" found. Note: --start-at-task can only follow static includes.'


async def run_playbook(playbook: Playbook, executor: Any, options: PlayOptions,
                       on_event: Callable[[PlaybookEvent], None]) -> PlaybookFinished:
    """Run every play of ``playbook`` through ``executor``; never raises for host failures.

    Cancelling the awaiting task stops the run: the recap so far is emitted with exit
    status 99 and ``interrupted``, then the cancellation propagates.
    """
    run = RunState(on_event, run_copy(executor.inventory), redactor=_run_redactor(executor))
    run.emit(PlaybookStarted(str(playbook.path), check=options.check, diff=options.diff))
    started = [not options.start_at_task]
    error = False
    try:
        for index, play in enumerate(playbook.plays):
            if not await _run_play(run, executor, options, play, index, started):
                break
    except asyncio.CancelledError:
        finished = PlaybookFinished(_processed(run), 99, interrupted=True)
        run.emit(finished)
        raise
    except PlayKeywordError as exc:  # ansible-playbook's parser error out of its executor: 4, no recap
        origin = origin_lines(str(exc.location)) if exc.location else []
        run.emit(PlaybookWarning("\n".join([f"ERROR! {exc.message}", *origin])))
        finished = PlaybookFinished(_processed(run), 4, aborted=True)
        run.emit(finished)
        return finished
    except FtlError as exc:
        run.emit(PlaybookWarning(f"ERROR! {exc}"))
        error = True
    if not started[0] and not error:  # ansible-playbook says so (exit status unchanged), never silent
        run.emit(PlaybookWarning(f"ERROR! {NO_START_TASK.format(name=options.start_at_task)}"))
    stats = _processed(run)
    finished = PlaybookFinished(stats, _exit_code(stats, error))
    run.emit(finished)
    return finished


def _run_redactor(executor: Any) -> Redactor:
    """The executor's secrets for every inventory host (the same rule as a module's output)."""
    hosts = getattr(executor.inventory, "hosts", None) or {}
    redactor_for = getattr(executor, "redactor_for", None)
    return redactor_for(list(hosts.values())) if redactor_for is not None else Redactor()


def _processed(run: RunState) -> dict[str, Any]:
    """The recap's hosts: those something was counted for. A host whose every task was
    left out (``--tags``) has no recap line in ansible-playbook."""
    return {h: s for h, s in run.stats().items() if any(s.to_dict().values())}


def _exit_code(stats: dict[str, Any], error: bool) -> int:
    if error:
        return 1
    if any(s.unreachable for s in stats.values()):
        return 4
    if any(s.failed for s in stats.values()):
        return 2
    return 0


async def _run_play(run: RunState, executor: Any, options: PlayOptions, play: Play, index: int,
                    started: list[bool]) -> bool:
    """One play; False when the playbook must stop (every host failed)."""
    hosts = play_hosts(executor, run.inventory, options, play)
    free = builtin_name(str(play.keywords.get("strategy") or "linear")) == "free"  # as _run_batch reads it
    if not hosts:
        run.emit(PlayStarted(index, play.label, (), str(play.location), free=free))
        run.emit(NoHostsMatched(index))
        return True
    play_vars = {**play.vars, **prompt_vars(play, options)}
    for batch in batches(play, hosts, executor, options):
        pc = PlayRun(run, executor, options, play, index, hosts, batch, play_vars=play_vars)
        for h in batch:
            run.touch(h)
            run.host(h).ended = False
        live = pc.active()
        run.emit(PlayStarted(index, play.label, tuple(batch), str(play.location), free=free))
        if options.batch_started is not None:
            await options.batch_started(tuple(batch))
        if not live:
            run.emit(PlaybookWarning("NO MORE HOSTS LEFT"))
            return False
        pc.vars_files = load_vars_files(pc)
        await _run_batch(pc, started)
        if pc.stop_playbook:
            return False
        if not pc.active() and all(run.host(h).failed or run.host(h).unreachable for h in batch):
            return False
    return True


async def _run_batch(pc: PlayRun, started: list[bool]) -> None:
    play = pc.play
    scope = Scope().enter({k: v for k, v in play.keywords.items() if k not in ("vars", "when")})
    add_handlers(pc, play.handlers, scope)
    for use in _role_uses(play):
        _role_handlers(pc, use, scope)
    for use in play.roles:
        _public_role_vars(pc, use)
    kind = builtin_name(str(play.keywords.get("strategy") or "linear"))  # a template gives it here
    if kind not in ("linear", "free"):
        raise FtlError(f"strategy {kind!r} is not supported by ftl-tui (linear and free are)", play.location)
    gather = gather_task(play, pc.options)
    if gather is not None:
        saved = started[0]
        started[0] = True  # --start-at-task never skips fact gathering
        await Strategy(pc, started=started).run_task(gather, scope, pc.active())
        started[0] = saved
    if kind == "linear":
        await _sections(Strategy(pc, started=started), scope, None)
        return
    # free: every host runs the whole play at its own pace (its own --start-at-task state)
    await asyncio.gather(*(_sections(Strategy(pc, started=[started[0]], only=[h]), scope, [h])
                           for h in pc.active()))


async def _sections(strategy: Strategy, scope: Scope, hosts: list[str] | None) -> None:
    """pre_tasks, roles + tasks, post_tasks, with the handlers flushed after each."""
    pc = strategy.pc
    play = pc.play
    await strategy.run_items(play.pre_tasks, scope, pc.active(hosts))
    await strategy.flush_handlers()
    for use in play.roles:
        await strategy.run_role(use, scope, pc.active(hosts))
    await strategy.run_items(play.tasks, scope, pc.active(hosts))
    await strategy.flush_handlers()
    await strategy.run_items(play.post_tasks, scope, pc.active(hosts))
    await strategy.flush_handlers()


def _role_uses(play: Play) -> list[RoleUse]:
    out = list(play.roles)

    def walk(items: list[Item]) -> None:
        for it in items:
            if isinstance(it, Block):
                if it.role_use is not None:
                    out.append(it.role_use)
                walk(it.block)
                walk(it.rescue)
                walk(it.always)

    for section in (play.pre_tasks, play.tasks, play.post_tasks):
        walk(section)
    return out


def _public_role_vars(pc: PlayRun, use: RoleUse) -> None:
    for dep in use.role.dependencies:
        _public_role_vars(pc, dep)
    pc.role_defaults.update(use.role.defaults)
    pc.role_vars.update(use.role.vars)


def _role_handlers(pc: PlayRun, use: RoleUse, scope: Scope) -> None:
    for dep in use.role.dependencies:
        _role_handlers(pc, dep, scope)
    add_handlers(pc, use.role.handlers, scope.enter(use.keywords, role=use))


__all__ = ["Task", "run_playbook"]
