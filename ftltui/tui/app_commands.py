"""The handlers of the command registry (``cmd_<name>``) and of the panes' requests.

Kept apart from ``app.py`` so the App class stays about lifecycle and events; every
``:`` line, palette entry and pane request ends up in one of these methods.
"""

from __future__ import annotations

import asyncio
from typing import Any

from ftltui.console.guard import ProtectedConfirmationRequired
from ftltui.console.run_args import RunBecome, parse_run_words, run_args_problem
from ftltui.engine.sanitize import safe_text
from ftltui.errors import FtlError
from ftltui.jobs.again import GivenSecrets
from ftltui.jobs.play_record import PlayRecord
from ftltui.tui.app_base import ConsoleAppBase
from ftltui.tui.commands import PANES, CommandError, Words
from ftltui.tui.messages import HostDetailsRequested, JobAction, RunRequested
from ftltui.tui.screens.confirm import ConfirmScreen
from ftltui.tui.screens.host_detail import HostDetailScreen
from ftltui.tui.screens.play_form import PlayRequest
from ftltui.tui.screens.run_form import RunFormScreen, RunRequest
from ftltui.tui.widgets.inventory_pane import InventoryTree

DESTRUCTIVE = {"cancel": "Cancel job {id}?", "purge": "Purge finished job {id} from the list?"}


class CommandsMixin(ConsoleAppBase):
    """The ``:`` commands, the run/play/job requests of the panes (drift: :mod:`ftltui.tui.app_drift`)."""

    def run_command_line(self, line: str) -> None:
        try:
            inv = self.registry.parse(line)
            from ftltui.tui.app_guard import write_action

            action = write_action(inv.command.name, inv.args)
            if action is not None and self.refuse_readonly(action):
                return  # a read-only console says so instead of opening a form or asking
            getattr(self, inv.command.method)(inv.args)
        except (CommandError, FtlError) as exc:
            self.notify(safe_text(str(exc)), title=":" + line.split()[0] if line.split() else ":",
                        severity="error")

    # -- commands -----------------------------------------------------------------------
    def open_command_line(self, text: str = "") -> None:
        """The ``:`` line opened with ``text`` typed (the palette's entries that need arguments);
        after the next refresh, so focus is not handed back to the pane the palette covered."""
        self.call_after_refresh(self.main.action_command_line, text)

    def cmd_run(self, args: list[str]) -> None:
        if len(args) < 2:  # no module yet: the run form, on the pattern or the Inventory's marks/selection
            self.open_run_form(args[0] if args else None)
            return
        # the arguments as typed (quotes kept), not the shell-split words re-joined (hR #1)
        rest = args.typed_from(2) if isinstance(args, Words) else " ".join(args[2:])
        run = parse_run_words(args[1], rest)
        self.submit_run(args[0], run.module, run.params, run.check)

    def submit_run(self, target: str | list[str], module: str, params: dict[str, Any], check: bool,
                   become: RunBecome | None = None) -> None:
        """Validate now (errors show at once), then enqueue in a worker (disk fsync)."""
        error = run_args_problem(module, params)
        if error:
            raise CommandError(error)
        if self.inventory is None:
            raise CommandError(self.no_inventory())
        if isinstance(target, str) and not self.inventory.select(target):
            raise CommandError(f"no hosts matched {target!r}")
        self.run_worker(self._submit(target, module, params, check, become), group="submit")
        self.main.action_pane("logs")

    async def _submit(self, target: str | list[str], module: str, params: dict[str, Any], check: bool,
                      become: RunBecome | None = None, confirmed: bool = False) -> None:
        try:
            job = await self.services.submit_run(target, module, params, check=check, become=become,
                                                 confirmed=confirmed)
        except ProtectedConfirmationRequired as exc:
            self.confirm_protected(exc, lambda: self.run_worker(
                self._submit(target, module, params, check, become, True), group="submit"))
            return
        except FtlError as exc:
            self.notify(safe_text(str(exc)), severity="error")
            return
        self.jobs_pane().upsert(job)
        self.logs_pane().show_run(str(job.id), job.hosts)
        self.notify(f"job {job.id} queued: {job.title}")

    def cmd_play(self, args: list[str]) -> None:
        from ftltui.tui.screens.play_form import (
            PlayFormScreen,
            candidates,
            is_playbook,
            parse_play_args,
        )

        if not args:  # the play form: recent playbooks and the project's
            def done(req: PlayRequest | None) -> None:
                if req is not None:
                    self.run_worker(self._play_book(req), group="submit")

            files = candidates(self.history.items, self.sources)
            self.push_screen(PlayFormScreen(files), done)
            return
        from pathlib import Path

        if not Path(args[0]).is_file():
            raise CommandError(f"{args[0]}: no such file (a playbook or a workflow file)")
        if not is_playbook(args[0]):  # a workflow file (or a file the workflow loader explains)
            check = "--check" in args[1:]
            self.run_worker(self._play(args[0], check), group="submit")
            return
        self.run_worker(self._play_book(parse_play_args(args)), group="submit")

    async def _play_book(self, req: PlayRequest, confirmed: bool = False) -> None:
        """Ask the playbook's ``vars_prompt`` first (a modal; cancelled: no job), then load
        (file:line errors, never a job), store its content, enqueue."""
        if "answers" not in req.secrets:
            from ftltui.tui.screens.prompt_vars import Answers, VarsPromptScreen, playbook_prompts

            prompts = await asyncio.to_thread(
                playbook_prompts, req.path, dict(req.options.get("extra_vars") or {}),
                roles_path=list(getattr(self.services, "roles_path", ()) or ()),
                collections_paths=list(getattr(self.services, "collections_paths", ()) or ()),
                vault=getattr(self.services, "vault", None))
            if prompts:
                def answered(answers: Answers | None) -> None:
                    if answers is not None:
                        req.secrets.update(answers=answers.values, private=answers.private)
                        self.run_worker(self._play_book(req, confirmed), group="submit")

                self.push_screen(VarsPromptScreen(req.path, prompts), answered)
                return
        secrets = req.job_secrets()  # an attached session refuses them itself (FtlError below)
        try:
            job = await self.services.submit_playbook(req.path, req.options, confirmed=confirmed, secrets=secrets)
        except ProtectedConfirmationRequired as exc:
            self.confirm_protected(exc, lambda: self.run_worker(self._play_book(req, True), group="submit"))
            return
        except FtlError as exc:
            self.notify(safe_text(str(exc)), title=":play", severity="error", timeout=10)
            return
        except Exception as exc:  # a loader bug must not take the console down: say what happened
            self.notify(safe_text(f"{req.path}: {type(exc).__name__}: {exc}"), title=":play (internal error)",
                        severity="error", timeout=10)
            return
        self.jobs_pane().upsert(job)
        self.logs_pane().show_run(str(job.id), job.hosts)
        self.notify(f"job {job.id} queued: {job.title}")
        self.main.action_pane("jobs")

    async def _play(self, path: str, check: bool, confirmed: bool = False) -> None:
        try:
            job = await self.services.submit_workflow(path, check=check, confirmed=confirmed)
        except ProtectedConfirmationRequired as exc:
            self.confirm_protected(exc, lambda: self.run_worker(self._play(path, check, True), group="submit"))
            return
        except FtlError as exc:  # a bad workflow file: file:line:col, never a job
            self.notify(safe_text(str(exc)), title=":play", severity="error", timeout=10)
            return
        self.jobs_pane().upsert(job)
        self.logs_pane().show_run(str(job.id), job.hosts)
        self.notify(f"job {job.id} queued: {job.title}")
        self.main.action_pane("jobs")

    def cmd_drift(self, args: list[str]) -> None:
        action = args[0]
        pattern = args[1] if len(args) > 1 else "all"
        if action not in ("scan", "baseline", "accept"):
            raise CommandError("usage: drift scan|baseline|accept [PATTERN]")
        self.drift_action(action, pattern)

    def cmd_theme(self, args: list[str]) -> None:
        if not self.switch_theme(args[0]):
            raise CommandError(f"unknown theme {args[0]!r} (known: {', '.join(sorted(self.available_themes))})")
        self.notify(f"theme {args[0]}")

    def cmd_pane(self, args: list[str]) -> None:
        if args[0] not in PANES:
            raise CommandError(f"unknown pane {args[0]!r} (known: {', '.join(PANES)})")
        self.main.action_pane(args[0])

    def cmd_jobs(self, args: list[str]) -> None:
        try:
            job_id = int(args[1])
        except ValueError:
            raise CommandError(f"expected a job id, got {args[1]!r}") from None
        self.job_action(args[0], job_id)

    def cmd_logs(self, args: list[str]) -> None:
        logs = self.logs_pane()
        action, value = args[0], (args[1] if len(args) > 1 else None)
        simple = {"follow": "follow", "wrap": "toggle_wrap", "timestamps": "toggle_timestamps", "clear": "clear",
                  "copy": "copy", "all": "clear_selection"}
        if action in simple:
            target = logs.main() if action == "follow" else logs
            getattr(target, "action_" + simple[action])()
        elif action == "save":
            logs.action_save(value)
        elif action == "job":
            if value is not None and value.isdigit() and int(value) in self.services.jobs:
                self.job_action("logs", int(value))  # reads its log from disk if it ran before this session
                return
            logs.set_selection(value, logs.host)
        elif action == "host":
            logs.set_selection(logs.job, value)
        else:
            raise CommandError("usage: " + self.registry.commands["logs"].usage)
        self.main.action_pane("logs")

    def cmd_filter(self, args: list[str]) -> None:
        self.main.pane().set_filter(" ".join(args))

    def cmd_mark(self, args: list[str]) -> None:
        if self.inventory is None:
            raise CommandError(self.no_inventory())
        hosts = [h.name for h in self.inventory.select(args[0])]
        self.inventory_pane().mark_hosts(hosts)
        self.notify(f"marked {len(hosts)} host(s)")

    def cmd_reload(self, args: list[str]) -> None:
        self.vault_asker.ask_again()  # a vault id whose prompt was cancelled is asked for again (hR #13)
        self.inventory_error_noted = None  # asked for: a load that fails the same way says so again
        self.load_inventory()

    def cmd_config(self, args: list[str]) -> None:
        from ftltui.tui.screens.config_view import ConfigScreen

        config, error = self.ansible_config, None
        if config is None:
            from ftltui.config import ConfigError, load_config

            try:
                config = load_config()
            except ConfigError as exc:
                error = str(exc)
        self.push_screen(ConfigScreen(config, error))

    def cmd_workers(self, args: list[str]) -> None:
        from ftltui.console.workers import WorkersDesk
        from ftltui.tui.screens.workers import WorkersScreen

        self.push_screen(WorkersScreen(WorkersDesk()))

    def cmd_help(self, args: list[str]) -> None:
        self.show_help()

    def cmd_quit(self, args: list[str]) -> None:
        self.action_request_quit()

    def no_inventory(self) -> str:
        """Why there are no hosts to act on: the load's error when it failed ("no hosts
        matched 'all'" sent the operator to the pattern, hD finding 4)."""
        if self.inventory_error:
            return f"the inventory failed to load: {self.inventory_error}"
        return "no inventory loaded"

    def open_run_form(self, pattern: str | None) -> None:
        inv = self.inventory
        if inv is None:
            raise CommandError(self.no_inventory())
        if pattern is None:
            pane = self.inventory_pane()
            pane.request_run(pane.query_one(InventoryTree).cursor_node)  # marked hosts, else the selected host or group
            return
        hosts = [h.name for h in inv.select(pattern)]
        if not hosts:
            raise CommandError(f"no hosts matched {pattern!r}")
        self.post_message(RunRequested(hosts, f"pattern {pattern}"))

    # -- pane requests ------------------------------------------------------------------
    def on_run_requested(self, event: RunRequested) -> None:
        if self.refuse_readonly("run"):
            return

        def done(req: RunRequest | None) -> None:
            if req is not None:
                try:
                    self.submit_run(list(req.hosts), req.module, req.args, req.check, req.become)
                except (FtlError, CommandError) as exc:
                    self.notify(safe_text(str(exc)), severity="error")

        self.push_screen(RunFormScreen(event.hosts, event.label), done)

    def on_host_details_requested(self, event: HostDetailsRequested) -> None:
        inv = self.inventory
        if inv is None or event.host not in inv.hosts:
            return
        self.push_screen(HostDetailScreen(inv.hosts[event.host], self.inventory_pane().status.get(event.host),
                                          self.services.facts.get(event.host)))

    def on_job_action(self, event: JobAction) -> None:
        if event.action not in ("details", "logs") and self.refuse_readonly(event.action):
            return
        self.job_action(event.action, event.job_id)

    def job_action(self, action: str, job_id: int) -> None:
        job = self.services.jobs.get(job_id)
        if job is None:
            self.notify(f"no job {job_id}", severity="warning")
            return
        if action == "details" and job.kind == "playbook":
            self.run_worker(self._open_play_job(job_id), group="job-detail", exclusive=True)
            return
        if action == "details":
            from ftltui.tui.screens.job_detail import JobDetailScreen

            self.push_screen(JobDetailScreen(job, self.clock, self.services.host_results(job),
                                             self.services.workflow_steps(job)))
            return
        if action == "logs":
            self.run_worker(self._show_job_logs(job_id), group="job-logs", exclusive=True)
            return
        if action == "cancel" and job.terminal:  # nothing to cancel: say so instead of asking
            self.notify(f"job {job_id} already finished ({job.state}): nothing to cancel", severity="warning")
            return
        if action == "purge" and not job.terminal:
            self.notify(f"job {job_id} is still {job.state}: cancel it first, then purge", severity="warning")
            return
        if action in DESTRUCTIVE:
            def answer(yes: bool | None) -> None:
                if yes:
                    self._do_job_action(action, job_id)

            self.push_screen(ConfirmScreen(DESTRUCTIVE[action].format(id=job_id)), answer)
            return
        self._do_job_action(action, job_id)

    async def _open_play_job(self, job_id: int) -> None:
        """The matrix of a playbook job: live from this session's events, else read back
        from the job's log on disk."""
        from ftltui.tui.screens.play_job import PlayJobScreen

        services = self.services
        record = self.play_records.get(job_id)
        if record is None:
            try:
                history = await services.job_history(job_id, 1_000_000)
            except OSError as exc:
                self.notify(safe_text(f"cannot read the log of job {job_id}: {exc}"), severity="error")
                return
            record = PlayRecord.from_records(history.playbook_records())
            self.play_records[job_id] = record
        self.push_screen(PlayJobScreen(services.jobs[job_id], record, lambda: services.jobs.get(job_id),
                                       services.pauses))

    async def _show_job_logs(self, job_id: int) -> None:
        """The Logs pane, filtered to one job; a job that ran before this session has
        its output read back from its log file first."""
        from ftltui.tui.history import history_lines

        logs = self.logs_pane()
        job = str(job_id)
        if not logs.has_job(job):
            try:
                history = await self.services.job_history(job_id, logs.ring.capacity)
            except OSError as exc:
                self.notify(safe_text(f"cannot read the log of job {job_id}: {exc}"), severity="error")
                return
            lines = history_lines(job, history.records, durations=not self.snapshot_mode)
            older = "older lines are in the log file; " if history.truncated else ""
            logs.add_history(lines, f"job {job_id}: {len(lines)} line(s) from the job log on disk "
                                    f"({older}ftl-tui jobs logs {job_id} prints it all)")
        logs.set_selection(job, None)
        self.main.action_pane("logs")

    def _do_job_action(self, action: str, job_id: int) -> None:
        self.run_worker(self._job_action_async(action, job_id), group="job-actions")

    async def _job_action_async(self, action: str, job_id: int, confirmed: bool = False,
                                given: GivenSecrets | None = None) -> None:
        """cancel, retry, rerun, requeue, purge: the session acts and says what happened; a
        re-run on protected hosts asks first, as a new run does (hR finding 15); a re-run of a
        job that had secrets asks for them again (never stored: ``tui/retry_secrets.py``)."""
        try:
            result = await (self.services.confirmed_job_action(action, job_id, given=given) if confirmed
                            else self.services.job_action(action, job_id, given=given))
        except ProtectedConfirmationRequired as exc:
            self.confirm_protected(exc, lambda: self.run_worker(self._job_action_async(action, job_id, True, given),
                                                                group="job-actions"))
            return
        except FtlError as exc:
            self.notify(safe_text(str(exc)), severity="error")
            return
        if result.needs_secrets and given is None:
            from ftltui.tui.retry_secrets import ask_job_secrets

            given = await ask_job_secrets(self, self.services.jobs.get(job_id), job_id, action, result.needs_secrets)
            if given is None:
                self.notify(f"{action} of job {job_id} cancelled: nothing queued", severity="warning")
                return
            await self._job_action_async(action, job_id, confirmed, given)
            return
        if result.new_job is not None:
            self.jobs_pane().upsert(result.new_job)
        elif action == "purge" and result.done:
            self.jobs_pane().remove_job(job_id)
        self.notify(result.message, severity="information" if result.done else "warning")
