"""The ftl-tui console: a Textual App, a face on :class:`~ftltui.console.ConsoleSession`.

The session's typed view updates (:mod:`ftltui.console.updates`) arrive in a deque
(cheap); a timer drains it every 80 ms and updates the panes in one batch, so tens of
thousands of lines a second cost one screen update per tick. Everything slow
(inventory loading, file watching, runs) happens in workers.
"""

from __future__ import annotations

import gc
import time
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Iterable

from rich.text import Text
from textual import events, work
from textual.binding import Binding, BindingType
from textual.notifications import SeverityLevel

from ftltui.console import updates as up
from ftltui.console.guard import Guard
from ftltui.console.session import ConsoleSession
from ftltui.drift.model import DriftReport
from ftltui.engine.events import HostResult
from ftltui.engine.sanitize import safe_text
from ftltui.errors import FtlError, Location
from ftltui.jobs.play_record import log_lines
from ftltui.paths import THEMES_DIR
from ftltui.tui.app_attach import AttachMixin, attach_if_owned, owns_jobs
from ftltui.tui.app_commands import CommandsMixin
from ftltui.tui.app_drift import DriftCommandsMixin
from ftltui.tui.app_guard import GuardMixin
from ftltui.tui.app_schedules import SchedulesMixin
from ftltui.tui.commands import History, Registry
from ftltui.tui.history import (
    MAX_LINE,
    host_label,
    result_text,
    run_note,
    step_prefix,
    warning_note,
)
from ftltui.tui import keypath
from ftltui.tui.key_prompt import KeyPassphrasePrompt
from ftltui.tui.keymap import load_keymap
from ftltui.tui.main_screen import MainScreen
from ftltui.tui.palette import FtlCommands
from ftltui.tui.screens.confirm import ConfirmScreen
from ftltui.tui.screens.help import HelpScreen, help_sections
from ftltui.tui.services import console_session
from ftltui.tui.themes import DEFAULT_THEME, load_themes, save_theme, saved_theme
from ftltui.tui.vault_prompt import VaultAsker
from ftltui.tui.widgets.status_header import StatusHeader
from ftltui.vault import VaultKeyring

FLUSH_SECONDS = 0.08
# While a big job streams (updates arriving at BUSY_RATE a second or more: a 1,000-host
# `command` brings 150-200), the panes are updated every BUSY_FLUSH_SECONDS instead of every
# tick: each flush costs a repaint, and at 1,000 hosts on the controller's own 2 cores the
# console's thread waited 15-24 s for a core in a 21-28 s run (0.03-0.24 s for the GIL:
# bench/scale_notes.md, session 9), so a repaint took ~10x its CPU in wall time and key
# presses waited behind it. Keys are handled as they arrive; the views catch up at the next
# flush, and the timer keeps running, so they end on the true state.
BUSY_RATE = 100.0
BUSY_FLUSH_SECONDS = 0.5
LogLine = tuple[str, str, str, str]  # job, host, stream, text: what the Logs pane takes

if TYPE_CHECKING:
    from ftltui.api.server import ApiServer


def inventory_name(sources: list[str]) -> str:
    """The header's name of the inventory: its files' names."""
    return ", ".join(Path(s).name or s for s in sources)


def inventory_failure(name: str, where: Location | None, reload: bool = False) -> str:
    """The header's words for an inventory that failed to load: the file:line first, so
    80 columns show it (the pane above the tree has the whole message)."""
    failed = "failed to reload" if reload else "failed to load"
    if where is None:
        return f"{name} {failed} (see Inventory)"
    at = Location(Path(where.file).name or where.file, where.line, where.col)
    return f"{at} {failed}" if at.file == name else f"{name} {failed}: {at}"


class QuitScreen(ConfirmScreen):
    """The running-jobs question before quitting (never two on the stack). ``c`` quits and
    cancels the queued jobs too (otherwise they stay queued for the next owner: durable jobs)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("c", "cancel_queued", "Quit, cancel queued too", id="quit.cancel_queued")]
    cancel_queued = False

    def action_cancel_queued(self) -> None:
        self.cancel_queued = True
        self.dismiss(True)


class FtlApp(CommandsMixin, DriftCommandsMixin, GuardMixin, AttachMixin, SchedulesMixin):
    CSS_PATH = "app.tcss"
    TITLE = "ftl-tui"
    # Only the app's own palette: Textual's system commands (Quit, Keys, Maximize,
    # Screenshot, Theme) bypass the app's rules (Quit skipped the running-jobs question)
    # or duplicate its commands (:theme, :help); FtlCommands offers the registry instead.
    COMMANDS = {FtlCommands}
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = [Binding("ctrl+p", "command_palette", "Palette", id="app.palette", show=False)]

    def __init__(self, sources: list[str], state_dir: Path | None = None, *,
                 clock: Callable[[], float] | None = None, snapshot_mode: bool = False,
                 watch: bool = True, themes_dir: Path = THEMES_DIR, keymap_dirs: Iterable[Path] | None = None,
                 log_capacity: int = 50_000, theme: str | None = None, vault: Any = None,
                 demo_inventory: bool = False, ansible_config: Any = None, guard: Guard | None = None,
                 attach: bool | None = None) -> None:
        super().__init__()
        self.sources = list(sources)
        self.vault_asker = VaultAsker(self, vault or VaultKeyring())  # asks once per vault id per session
        self.state_dir = Path(state_dir) if state_dir is not None else None
        self.clock = clock or time.time
        self.snapshot_mode = snapshot_mode
        self.watch_files = watch and not snapshot_mode
        self.themes_dir = themes_dir
        self.log_capacity = log_capacity
        self.keymap_dirs = list(keymap_dirs) if keymap_dirs is not None else [
            p for p in (self.state_dir, Path.home() / ".config" / "ftl-tui") if p is not None]
        self._requested_theme = theme
        self.registry = Registry()
        self.history = History(self.state_dir / "command_history" if self.state_dir else None)
        self.inventory_error: str | None = None  # the last load's error, until a load succeeds
        self.inventory_error_where: Location | None = None  # its file:line, for the header
        self.inventory_error_noted: str | None = None  # the error last toasted (:reload clears it)
        self.ftl_theme_names: list[str] = []
        # the session's updates, plus (job, host, stream, text) lines that tests and bench feed
        self._pending: deque[up.ViewUpdate | LogLine] = deque()
        self.services: ConsoleSession = console_session(
            self.state_dir, clock=self.clock, vault=self.vault_asker.keyring,
            key_passphrase=KeyPassphrasePrompt(self), ansible_config=ansible_config,  # asks once per key
            guard=guard)  # read-only and protected groups (ftltui.console.guard)
        # another process owns the state dir: a client of it (attach: True always, False never)
        self.services = attach_if_owned(self.services, self.state_dir, attach)
        self.services.subscribe(self._pending.append)
        self._api_server: ApiServer | None = None  # started with the session (start_services)
        self.events_seen = 0
        self._flush_hold_until = 0.0  # flush_clock time before which the flush timer skips (a big stream)
        self._last_flush = 0.0  # flush_clock time of the last flush that drew something
        self.flush_clock: Callable[[], float] = time.monotonic  # not ``clock``: a test's fixed clock would hold forever
        self.drift_report_cache: DriftReport | None = None
        self.demo_inventory = demo_inventory  # nothing named an inventory: the header says so
        self.ansible_config = ansible_config
        if snapshot_mode:
            self.cursor_blink = False

    # -- lifecycle ----------------------------------------------------------------------
    async def on_event(self, event: events.Event) -> None:
        # A bound key runs its binding here instead of bubbling up the focus chain one
        # loop turn per level (issue 17: ftltui/tui/keypath.py says when that is the same).
        if isinstance(event, events.Key) and not event.is_forwarded:
            self.services.input_priority.key_pressed()  # the engine's workers yield while keys come
            if self.app_focus and self.screen.maximized is None and await keypath.resolve_now(self, event):
                return
        await super().on_event(event)

    def _fatal_error(self) -> None:
        """Textual's, without the locals: its crash report prints every frame's local variables,
        and a frame of the console may hold a password it was typed or a vault secret (session
        10 review, finding 4). The traceback itself is kept."""
        from rich.segment import Segments
        from rich.traceback import Traceback

        self.bell()
        self._exit_renderables.append(Segments(self.console.render(Traceback(show_locals=False, width=None),
                                                                   self.console.options)))
        self._close_messages_no_wait()

    def on_mount(self) -> None:
        # Garbage collection tuned for latency (bench/RESULTS-tui.md): at the default
        # gen-0 threshold of 700, 50 hosts streaming caused ~20 full collections in 10 s
        # of up to 180 ms each, and key presses waited behind them. With 10,000, objects
        # in flight die young instead of being promoted: one full collection, <= 40 ms.
        # Startup objects (imports, CSS) are frozen out of every later collection.
        gc.set_threshold(10_000, 10, 10)
        gc.freeze()
        self._setup_themes()
        from textual.dom import DOMNode

        from ftltui.tui.keymap import binding_groups

        # unknown ids and bindings a remap leaves without a key are named (file:line)
        keymap, problems = load_keymap(*self.keymap_dirs, known=binding_groups(DOMNode))
        if keymap:
            self.set_keymap(keymap)
        for p in problems:
            self.notify(p, title="keymap", severity="warning")
        if self.demo_inventory:
            self.notify("No inventory given or configured: this is the bundled demo. Open yours with "
                        "ftl-tui -i INVENTORY, or set inventory in ansible.cfg.", title="demo inventory",
                        timeout=15)
        self.push_screen(MainScreen())
        self.start_services()
        self.set_interval(FLUSH_SECONDS, self._flush_tick)
        if not self.snapshot_mode:
            self.set_interval(1.0, self._tick)
        # the inventory is loaded once the main screen is composed (MainScreen.on_mount)

    @work(group="services")
    async def start_services(self) -> None:
        await self.services.open()
        await self._serve_api()
        self.schedule_desk().start()  # an owner fires the dir's schedules, as the daemon does
        if self.services.warning:
            self.notify(self.services.warning, title="state", severity="warning", timeout=10)
        jobs = self.jobs_pane()
        for job in sorted(self.services.jobs.values(), key=lambda j: j.id):
            jobs.upsert(job)
        try:
            self.refresh_drift()
        except Exception as exc:  # a damaged snapshot index must not stop the console
            self.notify(safe_text(str(exc)), title="drift", severity="warning")
        self.refresh_header()

    async def _serve_api(self) -> None:
        """Own the state dir for other ``ftl-tui`` processes too: a ``play`` or ``run`` in
        another terminal becomes a job of this console instead of failing "in use"."""
        from ftltui.api.session_server import serve_session

        try:
            self._api_server = await serve_session(self.services, self.sources)
        except Exception as exc:  # the console works without it; say why others cannot attach
            self._api_server = None
            self.notify(safe_text(f"other ftl-tui commands cannot use this state dir: {exc}"),
                        title="api", severity="warning", timeout=10)

    async def on_unmount(self) -> None:
        import asyncio

        gc.unfreeze()  # frozen objects are never collected: give them back (tests run many apps)
        if self._api_server is not None:
            await self._api_server.close()
        await self.schedule_desk().stop()

        try:  # quitting must not hang on a stuck host: give cancellation 10 s, then leave
            await asyncio.wait_for(self.services.close(), 10)
        except (asyncio.TimeoutError, TimeoutError):
            pass

    def _setup_themes(self) -> None:
        themes, problems = load_themes(self.themes_dir)
        for t in themes:
            self.register_theme(t)
            self.ftl_theme_names.append(t.name)
        for p in problems:
            self.notify(p, title="theme", severity="warning")
        wanted = self._requested_theme or (None if self.snapshot_mode else saved_theme(self.state_dir))
        if wanted not in self.available_themes:
            wanted = DEFAULT_THEME if DEFAULT_THEME in self.available_themes else "textual-dark"
        self.theme = wanted

    def switch_theme(self, name: str) -> bool:
        if name not in self.available_themes:
            return False
        self.theme = name
        save_theme(self.state_dir, name)
        return True

    # -- inventory ----------------------------------------------------------------------
    @work(exclusive=True, group="inventory")
    async def load_inventory(self) -> None:
        try:
            loaded = await self.services.reload_inventory(self.sources)
        except Exception as exc:  # FtlError carries file:line; anything else is still shown, never raised
            self._inventory_failed(str(exc), getattr(exc, "location", None))
        else:
            self._inventory_loaded(loaded)
        self.vault_asker.ask_missing()

    def _inventory_loaded(self, loaded: up.InventoryReloaded) -> None:
        self.inventory_error = self.inventory_error_where = self.inventory_error_noted = None
        pane = self.inventory_pane()
        pane.show_error(None)
        pane.set_inventory(self.inventory)
        # the stored drift needs the hosts: whichever of inventory and state comes second shows it
        self.refresh_drift()
        if loaded.first:
            pane.focus_main()
            if self.watch_files:
                self.watch_inventory()
        else:
            self.notify(f"inventory reloaded: {loaded.host_count} hosts")
        self.refresh_header()

    def _inventory_failed(self, message: str, where: Location | None = None) -> None:
        """Shown where the operator looks until a load succeeds: above the Inventory tree
        and in the header (file:line). The toast comes once per error: the file watcher
        reading the same broken file again, or a second load of it, adds none (hD finding 4)."""
        again = message == self.inventory_error_noted
        self.inventory_error = self.inventory_error_noted = message
        self.inventory_error_where = where
        kept = self.inventory is not None
        self.inventory_pane().show_error(message, kept)
        if not again:
            keep = " (keeping the last good inventory)" if kept else ""
            self.notify(safe_text(message) + keep, title="inventory error", severity="error", timeout=10)
        if self.inventory is None and self.watch_files:
            self.watch_inventory()
        self.refresh_header()

    @work(exclusive=True, group="watch")
    async def watch_inventory(self) -> None:
        from watchfiles import awatch

        paths = [p for p in self.sources if Path(p).exists()]
        if not paths:
            return
        async for _changes in awatch(*paths, debounce=200, step=50):
            self.load_inventory()

    # -- view updates -------------------------------------------------------------------
    def _flush_tick(self) -> None:
        """The flush timer: every tick, or every ``BUSY_FLUSH_SECONDS`` while a big job streams."""
        if self.flush_clock() >= self._flush_hold_until:
            self.flush_events()

    def flush_events(self) -> None:
        """Drain the session's updates into the panes: one batch per tick."""
        pending = self._pending
        if not pending or not self._panes_ready():
            return
        batch = []
        while pending:
            batch.append(pending.popleft())
        self.events_seen += len(batch)
        # a stream this fast: the next flush waits (the timer's tick after the hold ends)
        now = self.flush_clock()
        since = min(max(now - self._last_flush, FLUSH_SECONDS), 1.0)
        self._last_flush = now
        self._flush_hold_until = now + BUSY_FLUSH_SECONDS - FLUSH_SECONDS if len(batch) >= BUSY_RATE * since else 0.0
        lines: list[LogLine] = []
        status: dict[str, str] = {}
        touched: set[int] = set()
        drift_changed = False
        for item in batch:
            drift_changed |= self._apply(item, lines, status, touched)
        if lines:
            self.logs_pane().add(lines)
        refresh_view = getattr(self.screen, "refresh_view", None)  # an open playbook job: its matrix moves
        if refresh_view is not None:
            refresh_view()
        if status:
            inv = self.inventory_pane()
            inv.facts = self.services.facts
            inv.set_status(status)
        jobs = self.jobs_pane()
        for job_id in touched:
            job = self.services.jobs.get(job_id)
            if job is not None:
                jobs.upsert(job)
            elif job_id in jobs.jobs:  # archived while the console runs (issue 16): the session forgot it
                jobs.remove_job(job_id)
        if drift_changed:
            self.refresh_drift()
        self.refresh_header()

    def _apply(self, item: up.ViewUpdate | LogLine, lines: list[LogLine], status: dict[str, str],
               touched: set[int]) -> bool:
        """One update into this tick's lines, host statuses and touched jobs; True when
        the drift pane must be rebuilt."""
        match item:
            case up.OutputText(job_id=job_id, host=host, stream=stream, text=text, step=step):
                # fast path, same result: printable text has nothing for safe_text to strip
                clean = text if len(text) <= MAX_LINE and text.isprintable() else safe_text(text, MAX_LINE)
                lines.append((str(job_id), host_label(host), stream, step_prefix(step) + clean))
            case up.HostProgress(host=host, status=state, result=None):
                status[host] = state
            case up.HostProgress(job_id=job_id, host=host, status=state, result=HostResult() as r, module=module,
                                 step=step):
                status[host] = state
                lines.append((str(job_id), host_label(host), "status", result_text(
                    r.status, r.duration, r.msg, step, durations=not self.snapshot_mode, result=r.result,
                    module=module)))
            case up.RunBegan(job_id=job_id, module=module, host_count=count, check=check, step=step):
                lines.append((str(job_id), "", "note", run_note(str(job_id), step, module, count, check)))
            case up.HostWarning(job_id=job_id, host=host, text=text):
                lines.append((str(job_id), host_label(host), "note", warning_note(text)))
            case up.PlaybookProgress(job_id=job_id, event=event):
                lines += log_lines(str(job_id), event, MAX_LINE)
            case up.DriftHostScanned(job_id=job_id, host=host, ok=ok):
                lines.append((str(job_id), host, "status", "scanned" if ok else "scan FAILED"))
            case up.StepChanged(job_id=job_id, step=step, state=state, reason=reason):
                lines.append((str(job_id), "", "note", safe_text(
                    f"job {job_id} step {step}: {state}" + (f" - {reason}" if reason else ""), MAX_LINE)))
            case up.JobChanged(job_id=job_id, job=job, state=state, reason=reason) as changed:
                touched.add(job_id)
                if changed.noted:
                    title = job.title if job is not None else ""
                    lines.append((str(job_id), "", "note",
                                  safe_text(f"job {job_id} {state}: {title} - {reason}", MAX_LINE)))
                    if state == "failed" and owns_jobs(self.services):  # its own keyring ran it
                        self.vault_asker.run_failed(job_id, changed.vault_needs)  # a vault password it lacked: ask
            case up.QueueProblem(message=message):
                # the state disk is full (or similar): the operator must know the queue is stuck
                self.notify(safe_text(message, MAX_LINE), title="job queue cannot write its state",
                            severity="error", timeout=30)
            case up.DriftChanged():
                return True
            case up.InventoryReloaded():
                pass  # the header is refreshed after every batch
            case up.OwnerNotice() as notice:  # an attached console's owner fell behind or is gone
                self.owner_notice(notice)
            case up.PauseWaiting() as waiting:  # a job waits at a pause: say so wherever the operator is
                self.notify(waiting.describe(time.time()) + f" (job {waiting.job_id}: open it to answer)",
                            title=f"job {waiting.job_id} waits", severity="warning", timeout=15)
            case (str(), str(), str(), str()):  # a (job, host, stream, text) line from tests/bench
                lines.append(item)
        return False

    def _panes_ready(self) -> bool:
        """True once the main screen's panes exist (timers can fire before and after)."""
        try:
            return bool(self.main.query("#jobs-table")) and self.main.is_attached
        except LookupError:
            return False

    def _tick(self) -> None:
        if self._panes_ready():
            self.jobs_pane().tick()

    def refresh_header(self) -> None:
        try:
            main = self.main
        except LookupError:
            return
        inv = self.inventory
        counts: dict[str, int] = {}
        for st in self.inventory_pane().status.values():
            counts[st] = counts.get(st, 0) + 1
        conns, tunnels = self.services.connections_open()
        name = inventory_name(self.sources)
        if self.inventory_error:
            name = inventory_failure(name, self.inventory_error_where, reload=inv is not None)
        elif self.demo_inventory:
            name += " (DEMO inventory)"
        name += self.attached_label()
        header = main.query("#header")
        if not header:  # being torn down: timers can still fire while the app exits
            return
        header.first(StatusHeader).show(
            inventory=name, hosts=len(inv.hosts) if inv is not None else 0, counts=counts,
            connections=conns, jumps=tunnels, running=self.services.running(),
            pane=main.current, readonly=self.services.readonly)

    # -- help & quit ----------------------------------------------------------------------
    def show_help(self) -> None:
        main = self.main
        self.push_screen(HelpScreen(main.current, help_sections(main, main.current), self.registry))

    async def action_quit(self) -> None:
        """Textual's ``ctrl+q`` and its palette's quit: as ``q`` (Textual's own would exit at once)."""
        self.action_request_quit()

    def action_request_quit(self) -> None:
        """Every way out (``q``, ``ctrl+q``, ``:quit``, the palette) comes here: when jobs
        are running, ask first (quitting cancels them)."""
        running = self.services.running() if owns_jobs(self.services) else 0  # an owner's jobs run on
        if not running:
            self.exit(0)
            return
        if isinstance(self.screen, QuitScreen):
            return  # already asking

        def queued_now() -> list[int]:
            return [j.id for j in self.services.jobs.values() if j.state in ("queued", "retry_wait")]

        queued = queued_now()

        async def cancel_queued_then_exit(job_ids: list[int]) -> None:
            """Asked for: they do not run when the state directory is next opened. One that
            cannot be cancelled (read-only now, purged, the session closed) is said, on the
            screen and after it, and the app still exits cleanly: an exception here ended
            it with a traceback (the worker's exit_on_error)."""
            failed: list[str] = []
            for job_id in job_ids:
                try:
                    await self.services.cancel(job_id)
                except FtlError as exc:
                    failed.append(safe_text(f"job {job_id}: not cancelled, it stays queued: {exc}"))
                    self.notify(failed[-1], severity="error")
            self.exit(0, message=Text("\n".join(failed)) if failed else None)

        def answer(yes: bool | None) -> None:
            job_ids = queued_now()  # the ones queued while the question was open too
            if yes and screen.cancel_queued and job_ids:
                self.run_worker(cancel_queued_then_exit(job_ids), name="quit-cancel-queued")
            elif yes:
                self.exit(0)

        # quitting cancels the running jobs (JobQueue.stop); queued ones stay queued (durable jobs)
        lines = [f"{running - len(queued)} job(s) still running: quitting cancels them."] \
            if running > len(queued) else []
        if queued:
            lines.append(f"{len(queued)} queued: they stay queued and run when ftl-tui next opens this "
                         "state directory (c: quit and cancel them too).")
        screen = QuitScreen(" ".join(lines) + " Quit?")
        self.push_screen(screen, answer)

    def action_help_quit(self) -> None:
        """``ctrl+c`` (Textual's hint; plain text, not the markup Textual's own uses)."""
        self.notify("Press q (or ctrl+q) to quit", title="Do you want to quit?")

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = False) -> None:
        """Every notification is plain text: messages carry typed and remote text
        (patterns, paths, error messages), which Textual would parse as markup (``[/]``
        closed the app; ``[@click=...]`` is an action). ``markup`` is ignored on purpose:
        widgets' ``notify`` passes ``markup=True`` by default."""
        super().notify(safe_text(str(message)), title=safe_text(str(title)), severity=severity,
                       timeout=timeout, markup=False)

    def completion_values(self, kind: str) -> list[str]:
        inv = self.inventory
        if kind == "pattern":
            if inv is None:
                return ["all"]
            return ["all"] + [g for g in inv.groups if g != "all"] + list(inv.hosts)
        if kind == "host":
            return list(inv.hosts) if inv is not None else []
        if kind == "module":  # native names, then every installed Ansible module (cached per process)
            from ftltui.tui.screens.run_form import module_names

            return module_names()
        if kind == "theme":
            return sorted(self.available_themes)
        if kind == "job":
            return [str(j) for j in sorted(self.services.jobs, reverse=True)]
        if kind == "file":
            return sorted(str(p) for p in Path.cwd().glob("*.y*ml"))
        if kind == "logs_value":
            ring = self.logs_pane().ring
            return ring.jobs() + ring.hosts()
        return []

