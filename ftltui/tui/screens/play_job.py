"""A playbook job's detail: its header (state, content version, recap) over the live
play → task → host matrix; ``[`` ``]`` change play, enter opens a cell's result; the pause
bar under it while the job waits at a ``pause`` (widgets/pause_bar.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from ftltui.engine.sanitize import safe_text
from ftltui.jobs.play_record import PlayRecord, cell_text
from ftltui.tui.widgets.jobs_pane import STATE_STYLE
from ftltui.tui.widgets.pause_bar import PauseBar
from ftltui.tui.widgets.play_matrix import LEGEND, PlayMatrix

CSS_TEXT = Path(__file__).with_suffix(".tcss").read_text(encoding="utf-8")


def header_text(job: Any, record: PlayRecord, play_index: int | None) -> Text:
    """Job, content version, which play of how many, and the recap once it is there."""
    t = Text()
    t.append(f"job {job.id}  ", style="bold")
    t.append(job.state, style=STATE_STYLE.get(job.state, ""))
    t.append("  " + safe_text(job.title or job.kind, 200))
    spec = job.spec or {}
    if spec.get("content"):
        ran = (job.summary or {}).get("ran")
        t.append(f"\ncontent {spec['content'][:12]}" + (f" ({ran})" if ran else "")
                 + f" · {safe_text(str(spec.get('playbook', '')), 200)}")
    if job.reason and job.terminal:
        t.append("\n" + safe_text(job.reason, 300))
    play = record.plays.get(play_index) if play_index is not None else None
    if play is not None:
        n = len(record.plays)
        where = f"  ({safe_text(play.location, 200)})" if play.location else ""
        t.append(f"\nPLAY [{safe_text(play.label, 200)}]  {play.index + 1}/{n}{where}", style="bold")
        if play.no_hosts:
            t.append("  skipping: no hosts matched")
    elif not record.plays:
        t.append("\nwaiting for the first play…")
    if record.recap:  # compact: the counts that are not zero (ok always)
        width = max(len(h) for h in record.recap)
        for host, s in record.recap.items():
            t.append(f"\n{safe_text(host):<{width}} : " + " ".join(f"{k}={v}" for k, v in s.items()
                                                                   if v or k == "ok"))
    return t


class HostResultScreen(ModalScreen[None]):
    """One host's result for one task, as plain text."""

    DEFAULT_CSS = CSS_TEXT

    BINDINGS = [Binding("escape,q,enter", "close", "Back", id="hostresult.close")]

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="host-result", classes="dialog"):
            yield Static(Text(self.text))

    def action_close(self) -> None:
        self.dismiss(None)


class PlayJobScreen(Screen[None]):
    BINDINGS = [
        Binding("escape,q", "close", "Back", id="playjob.close"),
        Binding("left_square_bracket", "play(-1)", "Prev play", id="playjob.prev_play"),
        Binding("right_square_bracket", "play(1)", "Next play", id="playjob.next_play"),
    ]
    DEFAULT_CSS = CSS_TEXT

    def __init__(self, job: Any, record: PlayRecord, job_source: Callable[[], Any] | None = None,
                 pauses: Any = None) -> None:
        super().__init__()
        self.pauses = pauses  # the session's PauseDesk: the job waiting at a pause (the bar)
        self.job = job
        self.record = record
        self.job_source = job_source  # the live job record (state, reason) while the screen is open
        self.play_index = record.current_play()
        self.pinned = False  # the operator chose a play: stop following the newest
        self._seen = -1

    def compose(self) -> ComposeResult:
        yield Static(id="play-header")
        yield PlayMatrix(id="play-matrix")
        yield PauseBar(self.pauses, self.job.id, id="pause-bar")
        yield Static(Text(LEGEND + "   [ ] play · enter result · esc back"), id="play-legend")

    def on_mount(self) -> None:
        self.query_one(PlayMatrix).focus()
        self.refresh_view(force=True)  # after: a waiting pause takes the focus (its bar)

    def refresh_view(self, force: bool = False) -> None:
        """Redraw after new events (the app calls this once per batch)."""
        if self.job_source is not None:
            self.job = self.job_source() or self.job
        if not self.pinned:
            self.play_index = self.record.current_play()
        if force or self.record.version != self._seen:
            self._seen = self.record.version
            self.query_one(PlayMatrix).show(self.record, self.play_index)
        self.query_one("#play-header", Static).update(header_text(self.job, self.record, self.play_index))
        self.query_one(PauseBar).show()

    def action_play(self, step: int) -> None:
        plays = sorted(self.record.plays)
        if not plays:
            return
        at = plays.index(self.play_index) if self.play_index in plays else len(plays) - 1
        self.play_index = plays[max(0, min(len(plays) - 1, at + step))]
        self.pinned = self.play_index != plays[-1]
        self.refresh_view(force=True)

    def on_play_matrix_cell_chosen(self, event: PlayMatrix.CellChosen) -> None:
        play = self.record.plays.get(event.play)
        if play is None or event.task_id not in play.tasks:
            return
        cell = play.cells.get((event.task_id, event.host))
        self.app.push_screen(HostResultScreen(cell_text(play, play.tasks[event.task_id], event.host, cell)))

    def action_close(self) -> None:
        self.dismiss(None)
