"""The ftl-tui console: a Textual App over the service layer.

Engine and job events arrive through ``ConsoleServices.sink`` into a deque (cheap,
thread-safe); a timer drains it every 80 ms and updates the panes in one batch, so
tens of thousands of lines a second cost one screen update per tick. Everything
slow (inventory loading, file watching, runs) happens in workers.
"""

from __future__ import annotations

import gc
import time
from collections import deque
from pathlib import Path
from typing import Any, Callable, Iterable

from textual import work
from textual.app import App
from textual.notifications import SeverityLevel
from textual.binding import Binding

from ftltui.engine.events import HostFinished, HostStarted, OutputLine, RunFinished, RunStarted, Warning_
from ftltui.engine.sanitize import safe_text
from ftltui.jobs import events as jev
from ftltui.paths import THEMES_DIR
from ftltui.playbook.events import PlaybookEvent
from ftltui.tui import inventory_source
from ftltui.tui.app_commands import CommandsMixin
from ftltui.tui.commands import History, Registry
from ftltui.tui.history import MAX_LINE, host_label, result_text, run_note, step_prefix, warning_note
from ftltui.tui.key_prompt import KeyPassphrasePrompt
from ftltui.tui.keymap import load_keymap
from ftltui.tui.main_screen import MainScreen
from ftltui.tui.palette import FtlCommands
from ftltui.tui.screens.confirm import ConfirmScreen
from ftltui.tui.screens.help import HelpScreen, help_sections
from ftltui.tui.services import ConsoleServices
from ftltui.tui.themes import DEFAULT_THEME, load_themes, save_theme, saved_theme
from ftltui.tui.vault_prompt import VaultAsker
from ftltui.vault import VaultKeyring

FLUSH_SECONDS = 0.08


class QuitScreen(ConfirmScreen):
    """The running-jobs question before quitting (never two on the stack)."""


class FtlApp(CommandsMixin, App[int]):
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
                 demo_inventory: bool = False, ansible_config: Any = None) -> None:
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
        self.inventory: Any = None
        self.inventory_error: str | None = None
        self.ftl_theme_names: list[str] = []
        self._pending: deque[Any] = deque()
        self.services = ConsoleServices(None, self.state_dir, clock=self.clock, sink=self._pending.append)
        self.services.ssh_options["key_passphrase"] = KeyPassphrasePrompt(self)  # once per key per session
        self.events_seen = 0
        self._run_modules: dict[str, str] = {}  # run id -> module: the Logs' result lines take its shape
        self.play_records: dict[int, Any] = {}  # playbook job -> PlayRecord (its matrix), this session
        self.demo_inventory = demo_inventory  # nothing named an inventory: the header says so
        self.ansible_config = ansible_config
        if ansible_config is not None:
            self.services.var_defaults = ansible_config.host_var_defaults()
            if ansible_config.changed("forks"):
                self.services.forks = ansible_config.forks
        if snapshot_mode:
            self.cursor_blink = False

    # -- lifecycle ----------------------------------------------------------------------
    def on_mount(self) -> None:
        # Garbage collection tuned for latency (bench/RESULTS-tui.md): at the default
        # gen-0 threshold of 700, 50 hosts streaming caused ~20 full collections in 10 s
        # of up to 180 ms each, and key presses waited behind them. With 10,000, objects
        # in flight die young instead of being promoted: one full collection, <= 40 ms.
        # Startup objects (imports, CSS) are frozen out of every later collection.
        gc.set_threshold(10_000, 10, 10)
        gc.freeze()
        self._setup_themes()
        keymap, problems = load_keymap(*self.keymap_dirs)
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
        self.set_interval(FLUSH_SECONDS, self.flush_events)
        if not self.snapshot_mode:
            self.set_interval(1.0, self._tick)
        # the inventory is loaded once the main screen is composed (MainScreen.on_mount)

    @work(group="services")
    async def start_services(self) -> None:
        await self.services.start()
        if self.services.queue is not None:  # playbook jobs decrypt vaulted files with the console's keyring
            from ftltui.jobs.playbook_kind import register as register_playbook

            register_playbook(self.services.queue, self.vault_asker.keyring)
        if self.services.warning:
            self.notify(self.services.warning, title="state", severity="warning", timeout=10)
        jobs = self.main.pane("jobs")
        for job in sorted(self.services.jobs.values(), key=lambda j: j.id):
            jobs.upsert(job)  # type: ignore[attr-defined]
        try:
            self.refresh_drift()
        except Exception as exc:  # a damaged snapshot index must not stop the console
            self.notify(safe_text(str(exc)), title="drift", severity="warning")
        self.refresh_header()

    async def on_unmount(self) -> None:
        import asyncio

        gc.unfreeze()  # frozen objects are never collected: give them back (tests run many apps)

        try:  # quitting must not hang on a stuck host: give cancellation 10 s, then leave
            await asyncio.wait_for(self.services.close(), 10)
        except (asyncio.TimeoutError, TimeoutError):
            pass

    @property
    def main(self) -> MainScreen:
        for s in self.screen_stack:
            if isinstance(s, MainScreen):
                return s
        raise LookupError("main screen not mounted")

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
    @work(thread=True, exclusive=True, group="inventory")
    def load_inventory(self) -> None:
        try:
            inv = inventory_source.load(self.sources, self.vault_asker.keyring)
        except Exception as exc:  # FtlError carries file:line; anything else is still shown, never raised
            self.call_from_thread(self._inventory_failed, str(exc))
            self.call_from_thread(self.vault_asker.ask_missing)
            return
        self.call_from_thread(self._inventory_loaded, inv)
        self.call_from_thread(self.vault_asker.ask_missing)

    def _inventory_loaded(self, inv: Any) -> None:
        first = self.inventory is None
        self.inventory = inv
        self.inventory_error = None
        self.services.set_inventory(inv)
        pane = self.main.pane("inventory")
        pane.set_inventory(inv)  # type: ignore[attr-defined]
        # the stored drift needs the hosts: whichever of inventory and state comes second shows it
        self.refresh_drift()
        if first:
            pane.focus_main()
            if self.watch_files:
                self.watch_inventory()
        else:
            self.notify(f"inventory reloaded: {len(inv.hosts)} hosts")
        self.refresh_header()

    def _inventory_failed(self, message: str) -> None:
        self.inventory_error = message
        keep = " (keeping the last good inventory)" if self.inventory is not None else ""
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

    # -- events -------------------------------------------------------------------------
    def flush_events(self) -> None:
        """Drain the event deque into the panes: one batch per tick."""
        pending = self._pending
        if not pending or not self._panes_ready():
            return
        batch = []
        while pending:
            batch.append(pending.popleft())
        self.events_seen += len(batch)
        main = self.main
        logs = main.pane("logs")
        inv = main.pane("inventory")
        jobs = main.pane("jobs")
        lines: list[tuple[str, str, str, str]] = []
        status: dict[str, str] = {}
        touched: set[int] = set()
        for ev in batch:
            if isinstance(ev, jev.JobOutput):
                self._engine_event(str(ev.job_id), ev.event, lines, status, ev.step)
            elif isinstance(ev, jev.QueueError):
                # the state disk is full (or similar): the operator must know the queue is stuck
                self.notify(safe_text(ev.message, MAX_LINE), title="job queue cannot write its state",
                            severity="error", timeout=30)
                if ev.job_id:
                    touched.add(ev.job_id)
            elif isinstance(ev, jev.JobEvent):
                touched.add(ev.job_id)
                if isinstance(ev, jev.StepChanged):
                    lines.append((str(ev.job_id), "", "note", safe_text(
                        f"job {ev.job_id} step {ev.step}: {ev.state}" + (f" - {ev.reason}" if ev.reason else ""),
                        MAX_LINE)))
                if isinstance(ev, jev._Transition) and ev.state in ("succeeded", "failed", "cancelled", "dead",
                                                                    "retry_wait"):
                    job = self.services.jobs.get(ev.job_id)
                    title = job.title if job is not None else ""
                    lines.append((str(ev.job_id), "", "note",
                                  safe_text(f"job {ev.job_id} {ev.state}: {title} - {ev.reason}", MAX_LINE)))
                    self.job_finished(ev.job_id, ev.state)
            elif isinstance(ev, tuple):  # (job, host, stream, text) from tests/bench
                lines.append(ev)
        if lines:
            logs.add(lines)  # type: ignore[attr-defined]
        refresh_view = getattr(self.screen, "refresh_view", None)  # an open playbook job: its matrix moves
        if refresh_view is not None:
            refresh_view()
        if status:
            inv.facts = self.services.facts  # type: ignore[attr-defined]
            inv.set_status(status)  # type: ignore[attr-defined]
        for job_id in touched:
            job = self.services.jobs.get(job_id)
            if job is not None:
                jobs.upsert(job)  # type: ignore[attr-defined]
        self.refresh_header()

    def _engine_event(self, job: str, ev: Any, lines: list[tuple[str, str, str, str]], status: dict[str, str],
                      step: str | None = None) -> None:
        if isinstance(ev, OutputLine):
            text = ev.text
            # fast path, same result: printable text has nothing for safe_text to strip
            clean = text if len(text) <= MAX_LINE and text.isprintable() else safe_text(text, MAX_LINE)
            lines.append((job, host_label(ev.host), ev.stream, step_prefix(step) + clean))
        elif isinstance(ev, HostStarted):
            status[ev.host] = "running"
        elif isinstance(ev, HostFinished):
            r = ev.result
            status[ev.host] = r.status
            lines.append((job, host_label(ev.host), "status", result_text(
                r.status, r.duration, r.msg, step, durations=not self.snapshot_mode, result=r.result,
                module=self._run_modules.get(ev.run_id, ""))))
        elif isinstance(ev, RunStarted):
            self._run_modules[ev.run_id] = ev.module
            lines.append((job, "", "note", run_note(job, step, ev.module, len(ev.hosts), ev.check)))
        elif isinstance(ev, Warning_):
            lines.append((job, host_label(ev.host or ""), "note", warning_note(ev.text)))
        elif isinstance(ev, RunFinished):
            pass
        elif isinstance(ev, PlaybookEvent):
            from ftltui.jobs.play_record import PlayRecord, log_lines

            record = self.play_records.get(int(job))
            if record is None:  # bounded: an evicted job's matrix is read back from its log when opened
                record = self.play_records[int(job)] = PlayRecord()
                while len(self.play_records) > 50:
                    del self.play_records[next(iter(self.play_records))]
            record.apply(ev)
            lines += log_lines(job, ev, MAX_LINE)
        elif isinstance(ev, dict) and ev.get("event") == "DriftHostScanned":
            lines.append((job, str(ev.get("host", "")), "status", "scanned" if ev.get("ok") else "scan FAILED"))

    def _panes_ready(self) -> bool:
        """True once the main screen's panes exist (timers can fire before and after)."""
        try:
            return bool(self.main.query("#jobs-table")) and self.main.is_attached
        except LookupError:
            return False

    def _tick(self) -> None:
        if self._panes_ready():
            self.main.pane("jobs").tick()  # type: ignore[attr-defined]

    def refresh_header(self) -> None:
        try:
            main = self.main
        except LookupError:
            return
        inv = self.inventory
        counts: dict[str, int] = {}
        for st in main.pane("inventory").status.values():  # type: ignore[attr-defined]
            counts[st] = counts.get(st, 0) + 1
        conns, tunnels = self.services.connections_open()
        name = inventory_source.inventory_name(self.sources)
        if self.inventory_error:
            name += " (error: see notification)"
        elif self.demo_inventory:
            name += " (DEMO inventory)"
        header = main.query("#header")
        if not header:  # being torn down: timers can still fire while the app exits
            return
        header.first().show(  # type: ignore[attr-defined]
            inventory=name, hosts=len(inv.hosts) if inv is not None else 0, counts=counts,
            connections=conns, jumps=tunnels, running=self.services.running(),
            pane=main.current)

    # -- help & quit ----------------------------------------------------------------------
    def show_help(self) -> None:
        main = self.main
        self.push_screen(HelpScreen(main.current, help_sections(main, main.current), self.registry))

    def action_quit(self) -> None:  # type: ignore[override]
        """Every way out (``q``, ``ctrl+q``, ``:quit``, the palette) comes here: when jobs
        are running, ask first (quitting cancels them)."""
        running = self.services.running()
        if not running:
            self.exit(0)
            return
        if isinstance(self.screen, QuitScreen):
            return  # already asking

        def answer(yes: bool | None) -> None:
            if yes:
                self.exit(0)

        self.push_screen(QuitScreen(f"{running} job(s) still running. Quit and cancel them?"), answer)

    action_request_quit = action_quit  # the name the ``q`` binding (id app.quit) uses

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
            return self.main.pane("logs").ring.jobs() + self.main.pane("logs").ring.hosts()  # type: ignore[attr-defined]
        return []

