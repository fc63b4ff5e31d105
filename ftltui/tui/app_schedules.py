"""The console's schedules: the ``:schedule`` command and the Schedules view's actions.

The console core does the work (:class:`~ftltui.console.schedules.ScheduleDesk`: rows,
guarded edits, the firing loop of an owner; an attached console's edits are the owner's
API ops); this mixin of :class:`~ftltui.tui.app.FtlApp` parses the ``:`` words, asks
before a removal and shows what happened. Every edit runs as a worker (a durable write
or a request to the owner is never made on the loop).

``:schedule`` (or ``:schedule list``) opens the view; ``:schedule add CRON [--tz ZONE]
[--misfire run-once|skip] [--allow-overlap] [--paused] run|play|drift scan ...`` adds,
as ``ftl-tui schedule add`` does (quote a CRON with spaces); ``:schedule rm|pause|resume ID``.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable

from ftltui.console.schedules import ScheduleDesk, ScheduleRow
from ftltui.engine.sanitize import safe_text
from ftltui.errors import FtlError
from ftltui.schedule.model import MISFIRE_POLICIES
from ftltui.tui.app_base import ConsoleAppBase
from ftltui.tui.commands import CommandError
from ftltui.tui.screens.confirm import ConfirmScreen
from ftltui.tui.widgets.schedules_view import ScheduleAction

ADD_USAGE = ("schedule add CRON [--tz ZONE] [--misfire run-once|skip] [--allow-overlap] [--allow-no-hosts] "
             "[--paused] run|play|drift scan ...")


def parse_add(words: list[str]) -> tuple[str, list[str], dict[str, object]]:
    """``CRON [options] COMMAND...`` -> (cron, command words, add options)."""
    if not words:
        raise CommandError(f"usage: {ADD_USAGE}")
    cron, rest = words[0], list(words[1:])
    options: dict[str, object] = {}
    while rest and rest[0].startswith("--"):
        flag = rest.pop(0)
        name, eq, value = flag.partition("=")
        if name in ("--tz", "--misfire"):
            if not eq:
                if not rest:
                    raise CommandError(f"{name}: expected a value")
                value = rest.pop(0)
            if name == "--misfire" and value not in MISFIRE_POLICIES:
                raise CommandError(f"--misfire {value!r}: expected one of {', '.join(MISFIRE_POLICIES)}")
            options["tz" if name == "--tz" else "misfire"] = value
        elif name == "--allow-overlap":
            options["overlap"] = True
        elif name == "--allow-no-hosts":
            options["allow_no_hosts"] = True
        elif name == "--paused":
            options["paused"] = True
        else:
            raise CommandError(f"unknown option {name!r}; usage: {ADD_USAGE}")
    if not rest:
        raise CommandError(f"give the command after CRON; usage: {ADD_USAGE}")
    return cron, rest, options


class SchedulesMixin(ConsoleAppBase):
    _schedule_desk: ScheduleDesk | None = None

    def schedule_desk(self) -> ScheduleDesk:
        """The desk of the current session (the session's own: a take-over brings a new one)."""
        desk = self._schedule_desk
        if desk is None or desk.session is not self.services:
            desk = self._schedule_desk = ScheduleDesk.of(self.services)
            desk.subscribe(lambda _changed: self._refresh_schedules())
        return desk

    def _refresh_schedules(self) -> None:
        """The schedules changed (an edit, a firing, another client's edit): an open view
        re-reads them. Only then: not on every batch of job updates."""
        from ftltui.tui.screens.schedules import SchedulesScreen

        for screen in self.screen_stack:
            if isinstance(screen, SchedulesScreen):
                screen.reload()

    async def _schedule_rows(self) -> list[ScheduleRow]:
        return await self.schedule_desk().rows()

    def _schedule_note(self) -> str:
        desk = self.schedule_desk()
        if self.services.readonly:
            return "read-only: schedules are shown, not changed or fired"
        if desk.firing:
            return "this console fires them (it owns the state directory)"
        if desk.attached:
            return "fired by the owner of the state directory; changes here are made there"
        return "not fired by this console (it does not own the state directory)"

    def open_schedules(self) -> None:
        from ftltui.tui.screens.schedules import SchedulesScreen

        if not any(isinstance(s, SchedulesScreen) for s in self.screen_stack):
            self.push_screen(SchedulesScreen(self._schedule_rows, self._schedule_note))

    # -- :schedule ------------------------------------------------------------------------
    def cmd_schedule(self, args: list[str]) -> None:
        action = args[0] if args else "list"
        if action in ("list", "view"):
            self.open_schedules()
            return
        if action == "add":
            cron, words, options = parse_add(args[1:])
            self.run_worker(self._schedule_add(cron, words, options, os.getcwd()), group="schedules")
            return
        if action not in ("rm", "pause", "resume") or len(args) < 2:
            raise CommandError("usage: schedule [list] | " + ADD_USAGE + " | schedule rm|pause|resume ID")
        try:
            schedule_id = int(args[1])
        except ValueError:
            raise CommandError(f"expected a schedule id, got {args[1]!r}") from None
        if action == "rm":
            self.confirm_schedule_removal(schedule_id)
        else:
            self._schedule_edit(lambda: self._schedule_paused(schedule_id, action == "pause"))

    def _schedule_edit(self, edit: Callable[[], Awaitable[None]]) -> None:
        """Run an edit as a worker (a durable write, or a request to the owner: never on
        the loop); its error is shown as one line."""
        async def guarded() -> None:
            try:
                await edit()
            except FtlError as exc:
                self.notify(safe_text(str(exc)), title="schedule", severity="error")

        self.run_worker(guarded(), group="schedules")

    async def _schedule_add(self, cron: str, words: list[str], options: dict[str, object], cwd: str) -> None:
        try:
            sched = await self.schedule_desk().add(
                cron, words, tz=str(options.get("tz") or "UTC"), misfire=str(options.get("misfire", "run-once")),
                overlap=bool(options.get("overlap")), paused=bool(options.get("paused")), cwd=cwd,
                allow_no_hosts=bool(options.get("allow_no_hosts")))
        except FtlError as exc:
            self.notify(safe_text(str(exc)), title="schedule add", severity="error")
            return
        self.notify(safe_text(f"schedule {sched.id} added: {sched.cron} ({sched.tz}) {sched.command}"))
        self.open_schedules()

    async def _schedule_paused(self, schedule_id: int, paused: bool | None) -> None:
        """Pause (True), resume (False) or toggle (None)."""
        desk = self.schedule_desk()
        sched = await (desk.toggle(schedule_id) if paused is None else desk.set_paused(schedule_id, paused))
        self.notify(f"schedule {sched.id} {'paused' if sched.paused else 'resumed'}")

    def confirm_schedule_removal(self, schedule_id: int) -> None:
        self._schedule_edit(lambda: self._confirm_removal(schedule_id))

    async def _confirm_removal(self, schedule_id: int) -> None:
        sched = await self.schedule_desk().get(schedule_id)  # a wrong id says so before asking

        def answer(yes: bool | None) -> None:
            if yes:
                self._schedule_edit(lambda: self._removed(schedule_id))

        self.push_screen(ConfirmScreen(safe_text(f"Remove schedule {sched.id} ({sched.cron}: {sched.command})?")),
                         answer)

    async def _removed(self, schedule_id: int) -> None:
        removed = await self.schedule_desk().remove(schedule_id)
        self.notify(f"schedule {removed.id} removed")

    # -- the view's keys ------------------------------------------------------------------
    def on_schedule_action(self, event: ScheduleAction) -> None:
        action = {"toggle": "schedule pause", "remove": "schedule rm", "add": "schedule add"}[event.action]
        if self.refuse_readonly(action):
            return
        if event.action == "add":
            from ftltui.tui.screens.schedules import SchedulesScreen

            if isinstance(self.screen, SchedulesScreen):
                self.screen.dismiss(None)
            self.call_after_refresh(self.main.action_command_line, "schedule add ")
        elif event.action == "remove":
            self.confirm_schedule_removal(event.schedule_id)
        else:
            self._schedule_edit(lambda: self._schedule_paused(event.schedule_id, None))
