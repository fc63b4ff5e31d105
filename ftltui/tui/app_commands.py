"""The handlers of the command registry (``cmd_<name>``) and of the panes' requests.

Kept apart from ``app.py`` so the App class stays about lifecycle and events; every
``:`` line, palette entry and pane request ends up in one of these methods.
"""

from __future__ import annotations

from typing import Any

from ftltui.ansible_modules.docs import controller_spec
from ftltui.engine.sanitize import safe_text
from ftltui.errors import FtlError
from ftltui.tui.commands import PANES, CommandError
from ftltui.tui.messages import DriftAction, HostDetailsRequested, JobAction, RunRequested
from ftltui.tui.screens.confirm import ConfirmScreen
from ftltui.tui.screens.host_detail import HostDetailScreen
from ftltui.tui.screens.run_form import RunFormScreen, RunRequest

DESTRUCTIVE = {"cancel": "Cancel job {id}?", "purge": "Purge finished job {id} from the list?"}


class CommandsMixin:
    """Mixed into :class:`~ftltui.tui.app.FtlApp`."""

    app: Any

    def run_command_line(self, line: str) -> None:
        try:
            inv = self.registry.parse(line)  # type: ignore[attr-defined]
            getattr(self, inv.command.method)(inv.args)
        except (CommandError, FtlError) as exc:
            self.notify(safe_text(str(exc)), title=":" + line.split()[0] if line.split() else ":",
                        severity="error")

    # -- commands -----------------------------------------------------------------------
    def open_command_line(self, text: str = "") -> None:
        """The ``:`` line opened with ``text`` typed (the palette's entries that need arguments);
        after the next refresh, so focus is not handed back to the pane the palette covered."""
        self.call_after_refresh(self.main.action_command_line, text)  # type: ignore[attr-defined]

    def cmd_run(self, args: list[str]) -> None:
        from ftltui.engine.kvargs import parse_kv

        if len(args) < 2:  # no module yet: the run form, on the pattern or the Inventory's marks/selection
            self.open_run_form(args[0] if args else None)
            return
        pattern, module, rest = args[0], args[1], " ".join(args[2:])
        try:
            spec = controller_spec(module)
        except KeyError:
            raise CommandError(f"unknown module {module!r}") from None
        known = set(spec.args) | {a for arg in spec.args.values() for a in arg.aliases}
        params = parse_kv(rest, spec.free_form, known)
        check = bool(params.pop("check", False)) if "check" not in known else False
        self.submit_run(pattern, module, params, check)

    def submit_run(self, target: str | list[str], module: str, params: dict[str, Any], check: bool,
                   become: dict[str, Any] | None = None) -> None:
        """Validate now (errors show at once), then enqueue in a worker (disk fsync)."""
        from ftltui.tui.services import validate_run_args

        error = validate_run_args(module, params)
        if error:
            raise CommandError(error)
        if isinstance(target, str) and self.inventory is not None and not self.inventory.select(target):  # type: ignore[attr-defined]
            raise CommandError(f"no hosts matched {target!r}")
        self.run_worker(self._submit(target, module, params, check, become), group="submit")  # type: ignore[attr-defined]
        self.main.action_pane("logs")  # type: ignore[attr-defined]

    async def _submit(self, target: str | list[str], module: str, params: dict[str, Any], check: bool,
                      become: dict[str, Any] | None = None) -> None:
        try:
            job = await self.services.submit_run(target, module, params, check=check,  # type: ignore[attr-defined]
                                                 become=become)
        except FtlError as exc:
            self.notify(safe_text(str(exc)), severity="error")
            return
        self.main.pane("jobs").upsert(job)  # type: ignore[attr-defined]
        self.main.pane("logs").show_run(str(job.id), job.hosts)  # type: ignore[attr-defined]
        self.notify(f"job {job.id} queued: {job.title}")

    def cmd_play(self, args: list[str]) -> None:
        from ftltui.tui.screens.play_form import PlayFormScreen, candidates, is_playbook, parse_play_args

        if not args:  # the play form: recent playbooks and the project's
            def done(req: Any) -> None:
                if req is not None:
                    self.run_worker(self._play_book(req), group="submit")  # type: ignore[attr-defined]

            files = candidates(self.history.items, self.sources)  # type: ignore[attr-defined]
            self.push_screen(PlayFormScreen(files), done)  # type: ignore[attr-defined]
            return
        from pathlib import Path

        if not Path(args[0]).is_file():
            raise CommandError(f"{args[0]}: no such file (a playbook or a workflow file)")
        if not is_playbook(args[0]):  # a workflow file (or a file the workflow loader explains)
            check = "--check" in args[1:]
            self.run_worker(self._play(args[0], check), group="submit")  # type: ignore[attr-defined]
            return
        self.run_worker(self._play_book(parse_play_args(args)), group="submit")  # type: ignore[attr-defined]

    async def _play_book(self, req: Any) -> None:
        """Load (file:line errors, never a job), store its content, enqueue."""
        from ftltui.jobs.playbook_kind import enqueue_playbook

        services = self.services  # type: ignore[attr-defined]
        config = getattr(self, "ansible_config", None)
        try:
            await services.ready()
            job = await enqueue_playbook(services.queue, req.path, options=req.options,
                                         roles_path=getattr(config, "roles_path", None) or [],
                                         collections_paths=getattr(config, "collections_path", None) or [],
                                         vault=self.vault_asker.keyring)  # type: ignore[attr-defined]
        except FtlError as exc:
            self.notify(safe_text(str(exc)), title=":play", severity="error", timeout=10)
            return
        except Exception as exc:  # a loader bug must not take the console down: say what happened
            self.notify(safe_text(f"{req.path}: {type(exc).__name__}: {exc}"), title=":play (internal error)",
                        severity="error", timeout=10)
            return
        services.jobs[job.id] = job
        self.main.pane("jobs").upsert(job)  # type: ignore[attr-defined]
        self.main.pane("logs").show_run(str(job.id), job.hosts)  # type: ignore[attr-defined]
        self.notify(f"job {job.id} queued: {job.title}")
        self.main.action_pane("jobs")  # type: ignore[attr-defined]

    async def _play(self, path: str, check: bool) -> None:
        try:
            job = await self.services.submit_workflow(path, check=check)  # type: ignore[attr-defined]
        except FtlError as exc:  # a bad workflow file: file:line:col, never a job
            self.notify(safe_text(str(exc)), title=":play", severity="error", timeout=10)
            return
        self.main.pane("jobs").upsert(job)  # type: ignore[attr-defined]
        self.main.pane("logs").show_run(str(job.id), job.hosts)  # type: ignore[attr-defined]
        self.notify(f"job {job.id} queued: {job.title}")
        self.main.action_pane("jobs")  # type: ignore[attr-defined]

    def cmd_drift(self, args: list[str]) -> None:
        action = args[0]
        pattern = args[1] if len(args) > 1 else "all"
        if action not in ("scan", "baseline", "accept"):
            raise CommandError("usage: drift scan|baseline|accept [PATTERN]")
        self.drift_action(action, pattern)

    def cmd_theme(self, args: list[str]) -> None:
        if not self.switch_theme(args[0]):  # type: ignore[attr-defined]
            raise CommandError(f"unknown theme {args[0]!r} (known: {', '.join(sorted(self.available_themes))})")  # type: ignore[attr-defined]
        self.notify(f"theme {args[0]}")

    def cmd_pane(self, args: list[str]) -> None:
        if args[0] not in PANES:
            raise CommandError(f"unknown pane {args[0]!r} (known: {', '.join(PANES)})")
        self.main.action_pane(args[0])  # type: ignore[attr-defined]

    def cmd_jobs(self, args: list[str]) -> None:
        try:
            job_id = int(args[1])
        except ValueError:
            raise CommandError(f"expected a job id, got {args[1]!r}") from None
        self.job_action(args[0], job_id)

    def cmd_logs(self, args: list[str]) -> None:
        logs = self.main.pane("logs")  # type: ignore[attr-defined]
        action, value = args[0], (args[1] if len(args) > 1 else None)
        simple = {"follow": "follow", "wrap": "toggle_wrap", "timestamps": "toggle_timestamps", "clear": "clear",
                  "copy": "copy", "all": "clear_selection"}
        if action in simple:
            target = logs.main() if action == "follow" else logs
            getattr(target, "action_" + simple[action])()
        elif action == "save":
            logs.action_save(value)
        elif action == "job":
            if value is not None and value.isdigit() and int(value) in self.services.jobs:  # type: ignore[attr-defined]
                self.job_action("logs", int(value))  # reads its log from disk if it ran before this session
                return
            logs.set_selection(value, logs.host)
        elif action == "host":
            logs.set_selection(logs.job, value)
        else:
            raise CommandError("usage: " + self.registry.get("logs").usage)  # type: ignore[attr-defined]
        self.main.action_pane("logs")  # type: ignore[attr-defined]

    def cmd_filter(self, args: list[str]) -> None:
        self.main.pane().set_filter(" ".join(args))  # type: ignore[attr-defined]

    def cmd_mark(self, args: list[str]) -> None:
        if self.inventory is None:  # type: ignore[attr-defined]
            raise CommandError("no inventory loaded")
        hosts = [h.name for h in self.inventory.select(args[0])]  # type: ignore[attr-defined]
        self.main.pane("inventory").mark_hosts(hosts)  # type: ignore[attr-defined]
        self.notify(f"marked {len(hosts)} host(s)")

    def cmd_reload(self, args: list[str]) -> None:
        self.load_inventory()  # type: ignore[attr-defined]

    def cmd_config(self, args: list[str]) -> None:
        from ftltui.tui.screens.config_view import ConfigScreen

        config, error = getattr(self, "ansible_config", None), None
        if config is None:
            from ftltui.config import ConfigError, load_config

            try:
                config = load_config()
            except ConfigError as exc:
                error = str(exc)
        self.push_screen(ConfigScreen(config, error))  # type: ignore[attr-defined]

    def cmd_help(self, args: list[str]) -> None:
        self.show_help()  # type: ignore[attr-defined]

    def cmd_quit(self, args: list[str]) -> None:
        self.action_request_quit()  # type: ignore[attr-defined]

    def open_run_form(self, pattern: str | None) -> None:
        inv = self.inventory  # type: ignore[attr-defined]
        if inv is None:
            raise CommandError("no inventory loaded")
        if pattern is None:
            pane = self.main.pane("inventory")  # type: ignore[attr-defined]
            pane.request_run(pane.main().cursor_node)  # marked hosts, else the selected host or group
            return
        hosts = [h.name for h in inv.select(pattern)]
        if not hosts:
            raise CommandError(f"no hosts matched {pattern!r}")
        self.post_message(RunRequested(hosts, f"pattern {pattern}"))  # type: ignore[attr-defined]

    # -- pane requests ------------------------------------------------------------------
    def on_run_requested(self, event: RunRequested) -> None:
        def done(req: RunRequest | None) -> None:
            if req is not None:
                try:
                    self.submit_run(list(req.hosts), req.module, req.args, req.check, req.become)
                except (FtlError, CommandError) as exc:
                    self.notify(safe_text(str(exc)), severity="error")

        self.push_screen(RunFormScreen(event.hosts, event.label), done)  # type: ignore[attr-defined]

    def on_host_details_requested(self, event: HostDetailsRequested) -> None:
        inv = self.inventory  # type: ignore[attr-defined]
        if inv is None or event.host not in inv.hosts:
            return
        pane = self.main.pane("inventory")  # type: ignore[attr-defined]
        self.push_screen(HostDetailScreen(inv.hosts[event.host], pane.status.get(event.host),  # type: ignore[attr-defined]
                                          self.services.facts.get(event.host)))  # type: ignore[attr-defined]

    def on_job_action(self, event: JobAction) -> None:
        self.job_action(event.action, event.job_id)

    def job_action(self, action: str, job_id: int) -> None:
        services = self.services  # type: ignore[attr-defined]
        job = services.jobs.get(job_id)
        if job is None:
            self.notify(f"no job {job_id}", severity="warning")
            return
        if action == "details" and job.kind == "playbook":
            self.run_worker(self._open_play_job(job_id), group="job-detail", exclusive=True)  # type: ignore[attr-defined]
            return
        if action == "details":
            from ftltui.tui.screens.job_detail import JobDetailScreen

            self.push_screen(JobDetailScreen(job, self.clock, services.host_results(job),
                                             services.workflow_steps(job)))  # type: ignore[attr-defined]
            return
        if action == "logs":
            self.run_worker(self._show_job_logs(job_id), group="job-logs", exclusive=True)  # type: ignore[attr-defined]
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

            self.push_screen(ConfirmScreen(DESTRUCTIVE[action].format(id=job_id)), answer)  # type: ignore[attr-defined]
            return
        self._do_job_action(action, job_id)

    async def _open_play_job(self, job_id: int) -> None:
        """The matrix of a playbook job: live from this session's events, else read back
        from the job's log on disk."""
        from ftltui.jobs.play_record import PlayRecord
        from ftltui.tui.screens.play_job import PlayJobScreen

        services = self.services  # type: ignore[attr-defined]
        record = self.play_records.get(job_id)  # type: ignore[attr-defined]
        if record is None:
            try:
                records, _truncated = await services.job_history(job_id, 1_000_000)
            except OSError as exc:
                self.notify(safe_text(f"cannot read the log of job {job_id}: {exc}"), severity="error")
                return
            record = PlayRecord.from_records(records)
            self.play_records[job_id] = record  # type: ignore[attr-defined]
        self.push_screen(PlayJobScreen(services.jobs[job_id], record,  # type: ignore[attr-defined]
                                       lambda: services.jobs.get(job_id)))

    async def _show_job_logs(self, job_id: int) -> None:
        """The Logs pane, filtered to one job; a job that ran before this session has
        its output read back from its log file first."""
        from ftltui.tui.history import history_lines

        logs = self.main.pane("logs")  # type: ignore[attr-defined]
        job = str(job_id)
        if not logs.has_job(job):  # type: ignore[attr-defined]
            try:
                records, truncated = await self.services.job_history(job_id, logs.ring.capacity)  # type: ignore[attr-defined]
            except OSError as exc:
                self.notify(safe_text(f"cannot read the log of job {job_id}: {exc}"), severity="error")
                return
            lines = history_lines(job, records, durations=not self.snapshot_mode)  # type: ignore[attr-defined]
            older = "older lines are in the log file; " if truncated else ""
            logs.add_history(lines, f"job {job_id}: {len(lines)} line(s) from the job log on disk "  # type: ignore[attr-defined]
                                    f"({older}ftl-tui jobs logs {job_id} prints it all)")
        logs.set_selection(job, None)  # type: ignore[attr-defined]
        self.main.action_pane("logs")  # type: ignore[attr-defined]

    def _do_job_action(self, action: str, job_id: int) -> None:
        self.run_worker(self._job_action_async(action, job_id), group="job-actions")  # type: ignore[attr-defined]

    async def _job_action_async(self, action: str, job_id: int) -> None:
        services = self.services  # type: ignore[attr-defined]
        jobs_pane = self.main.pane("jobs")  # type: ignore[attr-defined]
        try:
            await self._job_action_inner(services, jobs_pane, action, job_id)
        except FtlError as exc:
            self.notify(safe_text(str(exc)), severity="error")

    async def _job_action_inner(self, services: Any, jobs_pane: Any, action: str, job_id: int) -> None:
        if action == "cancel":
            ok = await services.cancel(job_id)
            self.notify(f"job {job_id}: cancel requested" if ok else f"job {job_id} is not running",
                        severity="information" if ok else "warning")
        elif action in ("retry", "rerun") and getattr(services.jobs.get(job_id), "kind", "") == "playbook":
            await self._rerun_playbook(services, jobs_pane, job_id)
        elif action in ("retry", "rerun", "requeue"):
            fn = {"retry": services.retry, "rerun": services.rerun_failed, "requeue": services.requeue}[action]
            new = await fn(job_id)
            if new is None:
                self.notify(f"job {job_id}: nothing to {action} (must be finished"
                            + (", with failed hosts)" if action == "rerun" else ")"), severity="warning")
            else:
                jobs_pane.upsert(new)
                self.notify(f"job {new.id} queued ({action} of {job_id})")
        elif action == "purge":
            if await services.purge(job_id):
                jobs_pane.remove(job_id)
                self.notify(f"job {job_id} purged")
            else:
                self.notify(f"job {job_id} is still active", severity="warning")
        else:
            self.notify(f"unknown job action {action!r}", severity="error")

    async def _rerun_playbook(self, services: Any, jobs_pane: Any, job_id: int) -> None:
        """Re-run from failure: the stored content, on the failed/unreachable hosts only (a
        playbook never runs again on hosts that finished it; requeue runs it everywhere)."""
        from ftltui.jobs.playbook_kind import rerun_from_failure

        job = services.jobs[job_id]
        if not job.terminal:
            self.notify(f"job {job_id} is still {job.state}", severity="warning")
            return
        new = await rerun_from_failure(services.queue, job)
        if new is None:
            self.notify(f"job {job_id}: every host finished the playbook; nothing to re-run (u requeues it on all)",
                        severity="warning")
            return
        services.jobs[new.id] = new
        jobs_pane.upsert(new)
        self.notify(f"job {new.id} queued (re-run of {job_id} on {new.spec['options']['limit']})")

    def on_drift_action(self, event: DriftAction) -> None:
        self.drift_action(event.action, event.host or "all")

    def drift_action(self, action: str, pattern: str) -> None:
        """scan (a queued job) | baseline (pin latest) | accept (confirm first) | details."""
        if action == "accept":
            def answer(yes: bool | None) -> None:
                if yes:
                    self.run_worker(self._drift_async("accept", pattern), group="drift")  # type: ignore[attr-defined]

            self.push_screen(ConfirmScreen(f"Accept the drift shown now on {pattern}? "  # type: ignore[attr-defined]
                                           "(exact entries are added to the ignore file)"), answer)
            return
        self.run_worker(self._drift_async(action, pattern), group="drift")  # type: ignore[attr-defined]

    async def _drift_async(self, action: str, pattern: str) -> None:
        services = self.services  # type: ignore[attr-defined]
        try:
            await services.ready()
            if action == "scan":
                job = await services.drift_scan(pattern)
                self.main.pane("jobs").upsert(job)  # type: ignore[attr-defined]
                self.main.pane("drift").set_note(f"scanning {pattern} (job {job.id})…")  # type: ignore[attr-defined]
                self.notify(f"job {job.id} queued: {job.title}")
            elif action == "baseline":
                pinned = services.drift_pin(pattern)
                self.notify(f"baseline pinned for {len(pinned)} host(s)" if pinned
                            else "no snapshot to pin: scan first (s)", severity="information" if pinned else "warning")
                self.refresh_drift()
            elif action == "accept":
                n = services.drift_accept(pattern)
                self.notify(f"accepted {n} change(s)" if n else "nothing to accept")
                self.refresh_drift()
            elif action == "details":
                await self.open_drift_host(pattern)
        except FtlError as exc:
            self.notify(safe_text(str(exc)), severity="error")

    def refresh_drift(self) -> None:
        """Rebuild the drift pane's hosts x severity table (the report is built off the loop)."""
        services = self.services  # type: ignore[attr-defined]
        if services.queue is None or self.inventory is None:  # type: ignore[attr-defined]
            return
        self.run_worker(self._refresh_drift(), group="drift-report", exclusive=True)  # type: ignore[attr-defined]

    async def _refresh_drift(self) -> None:
        try:
            report = await self.services.drift_report_async("all")  # type: ignore[attr-defined]
        except Exception as exc:  # a damaged snapshot must not stop the console
            self.notify(safe_text(str(exc)), title="drift", severity="warning")
            return
        self.drift_report_cache = report
        self.main.pane("drift").show_report(report)  # type: ignore[attr-defined]

    async def open_drift_host(self, host: str) -> None:
        from ftltui.tui.screens.drift_host import DriftHostScreen

        report = getattr(self, "drift_report_cache", None)
        if report is None:
            report = await self.services.drift_report_async("all")  # type: ignore[attr-defined]
        changes = [c for c in report.changes if c.host == host]
        basis = next((c.basis for c in report.comparisons if c.host == host), "")
        self.push_screen(DriftHostScreen(host, changes, basis, report.problems.get(host, [])))  # type: ignore[attr-defined]

    def job_finished(self, job_id: int, state: str) -> None:
        job = self.services.jobs.get(job_id)  # type: ignore[attr-defined]
        if job is not None and job.kind == "drift_scan":
            try:
                self.refresh_drift()
            except FtlError as exc:
                self.notify(safe_text(str(exc)), severity="error")
