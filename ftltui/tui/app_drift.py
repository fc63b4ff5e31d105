"""The console's drift commands: scan, pin a baseline, accept drift, the pane's report.

The session does the work (:class:`~ftltui.console.ConsoleSession`); this mixin of
:class:`~ftltui.tui.app.FtlApp` asks first where it must, and shows the outcome.
"""

from __future__ import annotations

from textual.worker import Worker

from ftltui.engine.sanitize import safe_text
from ftltui.errors import FtlError
from ftltui.tui.app_attach import drift_ready
from ftltui.tui.app_base import ConsoleAppBase
from ftltui.tui.messages import DriftAction
from ftltui.tui.screens.confirm import ConfirmScreen


class DriftCommandsMixin(ConsoleAppBase):
    def on_drift_action(self, event: DriftAction) -> None:
        if event.action != "details" and self.refuse_readonly(f"drift {event.action}"):
            return
        self.drift_action(event.action, event.host or "all")

    def drift_action(self, action: str, pattern: str) -> None:
        """scan (a queued job) | baseline (pin latest) | accept (confirm first) | details."""
        if action == "accept":
            def answer(yes: bool | None) -> None:
                if yes:
                    self.run_worker(self._drift_async("accept", pattern), group="drift")

            self.push_screen(ConfirmScreen(f"Accept the drift shown now on {pattern}? "
                                           "(exact entries are added to the ignore file)"), answer)
            return
        self.run_worker(self._drift_async(action, pattern), group="drift")

    async def _drift_async(self, action: str, pattern: str) -> None:
        services = self.services
        try:
            await services.ready()
            if action == "scan":
                job = await services.submit_drift_scan(pattern)
                self.jobs_pane().upsert(job)
                self.drift_pane().set_note(f"scanning {pattern} (job {job.id})…")
                self.notify(f"job {job.id} queued: {job.title}")
            elif action == "baseline":
                pinned = services.drift_pin(pattern)  # the pane follows the session's DriftChanged
                self.notify(pinned.message, severity="information" if pinned.hosts else "warning")
            elif action == "accept":
                accepted = await services.drift_accept_async(pattern)  # attached: the owner writes
                self.notify(accepted.message)
            elif action == "details":
                await self.open_drift_host(pattern)
        except FtlError as exc:
            self.notify(safe_text(str(exc)), severity="error")

    def refresh_drift(self) -> None:
        """Rebuild the drift pane's hosts x severity table (the report is built off the loop)."""
        if not drift_ready(self.services) or self.inventory is None:
            return
        # The function, not a coroutine made now: an exclusive worker replaced before it starts
        # never awaits a coroutine handed to it (a RuntimeWarning on stderr each time). The
        # annotation tells mypy the worker's result type (else it infers Never).
        _worker: Worker[None] = self.run_worker(self._refresh_drift, group="drift-report", exclusive=True)

    async def _refresh_drift(self) -> None:
        try:
            report = await self.services.drift_report_async("all")
        except Exception as exc:  # a damaged snapshot must not stop the console
            self.notify(safe_text(str(exc)), title="drift", severity="warning")
            return
        self.drift_report_cache = report
        self.drift_pane().show_report(report)

    async def open_drift_host(self, host: str) -> None:
        from ftltui.tui.screens.drift_host import DriftHostScreen

        report = self.drift_report_cache
        if report is None:
            report = await self.services.drift_report_async("all")
        changes = [c for c in report.changes if c.host == host]
        basis = next((c.basis for c in report.comparisons if c.host == host), "")
        self.push_screen(DriftHostScreen(host, changes, basis, report.problems.get(host, [])))
