"""The one command registry behind the ``:`` line, the ctrl+p palette and the help screen.

Each :class:`Command` names the app method that runs it (``cmd_<name>``), its usage,
help text and, per positional argument, a *kind* used for completion (``pattern``,
``module``, ``theme``, ...). The app supplies the values of each kind through a
``CompletionSource``. Plain Python (no textual) so parsing, completion and history
are tested without a screen.
"""

from __future__ import annotations

import io
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from ftltui.errors import StateError
from ftltui.state.storage import atomic_write
from ftltui.tui.fuzzy import rank

PANES: tuple[str, ...] = ("inventory", "logs", "drift", "jobs")


class CommandError(ValueError):
    """A ``:`` line that cannot run; the message is shown as a notification."""


@dataclass(frozen=True)
class Command:
    name: str
    usage: str
    help: str
    arg_kinds: tuple[str, ...] = ()  # completion kind of each positional argument
    rest_kind: str | None = None  # kind of every argument past ``arg_kinds``
    min_args: int = 0
    palette: tuple[str, ...] = ()  # ready-made lines offered in the palette ("" = bare name)
    palette_kind: str | None = None  # also offer ``name VALUE`` for each value of this kind

    @property
    def method(self) -> str:
        return "cmd_" + self.name.replace("-", "_")


class Words(list[str]):
    """A ``:`` line's arguments, shell-split, that also remember the text as typed.

    ``typed_from(i)`` is the line from argument ``i`` to its end, quotes and spacing
    kept: a free-form command (``:run web shell rm -rf '/srv/old release'``) must reach
    the module as the user wrote it; re-joining the split words loses the quotes and
    lets quoted shell syntax run (hR #1)."""

    def __init__(self, words: Iterable[str] = (), typed: Iterable[str] = ()) -> None:
        super().__init__(words)
        self._typed = tuple(typed)

    def typed_from(self, index: int) -> str:
        if index < len(self._typed):
            return self._typed[index]
        return " ".join(self[index:])  # built by hand (tests): no typed text to keep


def _split_typed(line: str) -> tuple[list[str], list[str]]:
    """``shlex.split(line)`` and, per word, the rest of ``line`` from where it starts."""
    stream = io.StringIO(line)
    lexer = shlex.shlex(stream, posix=True)
    lexer.whitespace_split = True
    lexer.commenters = ""
    words: list[str] = []
    typed: list[str] = []
    pos = 0
    while True:
        start = len(line) - len(line[pos:].lstrip())
        word = lexer.get_token()
        if word is None:
            break
        words.append(word)
        typed.append(line[start:])
        pos = stream.tell()  # just past the word (and the one blank that ended it)
    return words, typed


@dataclass(frozen=True)
class Invocation:
    command: Command
    args: list[str]


COMMANDS: tuple[Command, ...] = (
    Command("run", "run [PATTERN [MODULE [k=v ...]]]",
            "Run a module on a host pattern (as a job); without a module: the run form",
            ("pattern", "module"), rest_kind="arg", palette=("",)),
    Command("play", "play [FILE [-l LIMIT] [-t TAGS] [-C] [-D] [-e K=V] [-b]]",
            "Run a playbook or workflow file (as a job); no FILE: the play form", ("file",),
            rest_kind="text"),
    Command("drift", "drift scan|baseline|accept [PATTERN]", "Scan drift, pin a baseline, accept drift",
            ("drift_action", "pattern"), min_args=1,
            palette=("drift scan all", "drift baseline all", "drift accept all")),
    Command("theme", "theme NAME", "Switch the colour theme (persisted)", ("theme",), min_args=1,
            palette_kind="theme"),
    Command("pane", "pane NAME", "Jump to a pane", ("pane",), min_args=1,
            palette=tuple(f"pane {p}" for p in PANES)),
    Command("jobs", "jobs logs|cancel|retry|rerun|requeue|purge ID", "Act on a job",
            ("job_action", "job"), min_args=2),
    Command("logs", "logs follow|wrap|timestamps|clear|copy|save PATH|job ID|host NAME|all",
            "Control the logs pane", ("logs_action", "logs_value"), min_args=1,
            palette=("logs follow", "logs wrap", "logs timestamps", "logs copy", "logs all", "logs clear")),
    Command("filter", "filter REGEX", "Filter the focused pane (! inverts, empty clears)", rest_kind="text"),
    Command("mark", "mark PATTERN", "Mark the hosts matching a pattern in the inventory", ("pattern",),
            min_args=1),
    Command("schedule", "schedule [list | add CRON [--tz Z] [--misfire P] run|play|drift scan ... | rm|pause|resume ID]",
            "The Schedules view; add, remove, pause or resume a schedule", ("schedule_action",), rest_kind="text",
            palette=("",)),
    Command("workers", "workers", "The site workers: site, host, heartbeat age, running shards", palette=("",)),
    Command("reload", "reload", "Reload the inventory from disk", palette=("",)),
    Command("config", "config", "Show the effective ansible.cfg settings and their origins", palette=("",)),
    Command("help", "help", "Show the bindings of the focused pane and every command", palette=("",)),
    Command("quit", "quit", "Quit (asks first when jobs are running)", palette=("",)),
)

WORDS: dict[str, tuple[str, ...]] = {
    "drift_action": ("scan", "baseline", "accept"),
    "job_action": ("logs", "cancel", "retry", "rerun", "requeue", "purge"),
    "logs_action": ("follow", "wrap", "timestamps", "clear", "copy", "save", "job", "host", "all"),
    "pane": PANES,
    "schedule_action": ("list", "add", "rm", "pause", "resume"),
}

CompletionSource = Callable[[str], Iterable[str]]


@dataclass
class Registry:
    commands: dict[str, Command] = field(default_factory=lambda: {c.name: c for c in COMMANDS})

    def __iter__(self):
        return iter(self.commands.values())

    def get(self, name: str) -> Command | None:
        return self.commands.get(name)

    def parse(self, line: str) -> Invocation:
        """Split a ``:`` line into a command and its arguments (shell-like quoting)."""
        line = line.strip().lstrip(":").strip()
        if not line:
            raise CommandError("empty command")
        try:
            words, typed = _split_typed(line)
        except ValueError as exc:
            raise CommandError(f"cannot parse {line!r}: {exc}") from None
        name, args = words[0], Words(words[1:], typed[1:])
        cmd = self.commands.get(name)
        if cmd is None:
            close = rank(name, list(self.commands), limit=3)
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            raise CommandError(f"unknown command {name!r}{hint}")
        if len(args) < cmd.min_args:
            raise CommandError(f"usage: {cmd.usage}")
        return Invocation(cmd, args)

    def kind_at(self, cmd: Command, index: int) -> str | None:
        if index < len(cmd.arg_kinds):
            return cmd.arg_kinds[index]
        return cmd.rest_kind

    def complete(self, line: str, source: CompletionSource) -> list[str]:
        """Full-line candidates for ``line`` (the last word completed), best first."""
        raw = line.lstrip(":")
        words = raw.split(" ")
        if len(words) == 1:
            return _complete_word(words[0], list(self.commands))
        cmd = self.commands.get(words[0])
        if cmd is None:
            return []
        index = len(words) - 2
        kind = self.kind_at(cmd, index)
        if kind is None:
            return []
        values = list(WORDS.get(kind, ())) or list(source(kind))
        head = " ".join(words[:-1])
        return [f"{head} {v}" for v in _complete_word(words[-1], values)]

    def palette_entries(self, source: CompletionSource) -> list[PaletteEntry]:
        """What the ctrl+p palette offers: every command, from this registry.

        Ready-made lines run as they are; a command that takes arguments is also offered
        as its name alone, which opens the ``:`` line with it typed (completion takes over).
        """
        out: list[PaletteEntry] = []
        for cmd in self:
            out += [PaletteEntry(line or cmd.name, cmd.help, True) for line in cmd.palette]
            if cmd.palette_kind is not None:
                out += [PaletteEntry(f"{cmd.name} {v}", cmd.help, True) for v in source(cmd.palette_kind)]
            if cmd.arg_kinds or cmd.rest_kind:
                out.append(PaletteEntry(cmd.name + " ", f"type the rest: {cmd.usage}", False))
        return out


@dataclass(frozen=True)
class PaletteEntry:
    line: str  # a whole ``:`` line (ready) or its start, typed into the ``:`` line (not ready)
    help: str
    ready: bool


def _complete_word(word: str, values: list[str]) -> list[str]:
    """Prefix matches when there are any (what a shell does), else fuzzy matches."""
    prefix = [v for v in values if v.startswith(word)]
    return rank(word, prefix or values)


class History:
    """``:`` line history, newest last, persisted one line per entry."""

    def __init__(self, path: Path | None = None, limit: int = 500) -> None:
        self.path = path
        self.limit = limit
        self.items: list[str] = []
        self._pos: int | None = None
        if path is not None and path.exists():
            self.items = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()][-limit:]

    def add(self, line: str) -> None:
        line = line.strip()
        if not line:
            return
        if line in self.items:
            self.items.remove(line)
        self.items.append(line)
        del self.items[: -self.limit]
        self._pos = None
        if self.path is not None:
            try:
                atomic_write(self.path, ("\n".join(self.items) + "\n").encode("utf-8"), durable=False)
            except StateError:
                pass  # history is a convenience: never an error

    def previous(self) -> str | None:
        if not self.items:
            return None
        self._pos = len(self.items) - 1 if self._pos is None else max(0, self._pos - 1)
        return self.items[self._pos]

    def next(self) -> str | None:
        if self._pos is None:
            return None
        self._pos += 1
        if self._pos >= len(self.items):
            self._pos = None
            return ""
        return self.items[self._pos]

    def reset(self) -> None:
        self._pos = None
