"""``:play`` and the play form: which playbook, with ansible-playbook's everyday options.

``:play site.yml -l web -t deploy -C -D -e version=1.4 -b`` parses here
(:func:`parse_play_args`); ``:play`` alone opens :class:`PlayFormScreen`, which lists
recent playbooks (from the ``:play`` history) and the playbooks in the inventory's
project directory, with fields for limit, tags, extra vars, check, diff and become.
A workflow file (a mapping, not a list of plays) still runs as a workflow.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, NoReturn

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Static, Switch
from textual.widgets.option_list import Option

from ftltui.console.job_secrets import PlaybookSecrets
from ftltui.errors import FtlError
from ftltui.tui.commands import CommandError
from ftltui.tui.screens.form import FORM_CSS

if TYPE_CHECKING:
    from ftltui.jobs.playbook_kind import PlayOptionsDoc

MAX_CANDIDATES = 40


def _no_options() -> PlayOptionsDoc:
    return {}


@dataclass
class PlayRequest:
    path: str
    options: PlayOptionsDoc = field(default_factory=_no_options)  # playbook_kind.options_doc
    # the form's become password (-K) and the vars_prompt answers: job secrets, never in
    # options (stored), a notification or a log; see enqueue_playbook's answers/private
    secrets: dict[str, Any] = field(default_factory=dict, repr=False)

    def job_secrets(self) -> PlaybookSecrets:
        """What ``submit_playbook`` takes besides the options (empty when nothing was asked)."""
        answers = self.secrets.get("answers")
        return PlaybookSecrets(dict(answers) if answers is not None else None,
                               tuple(self.secrets.get("private") or ()) if answers is not None else (),
                               self.secrets.get("become_password") or None)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise CommandError(f"play: {message}")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="play", add_help=False, allow_abbrev=False)
    p.add_argument("path")
    p.add_argument("-l", "--limit")
    p.add_argument("-t", "--tags", action="append", default=[])
    p.add_argument("--skip-tags", action="append", default=[])
    p.add_argument("-C", "--check", action="store_true")
    p.add_argument("-D", "--diff", action="store_true")
    p.add_argument("-e", "--extra-vars", action="append", default=[])
    p.add_argument("-b", "--become", action="store_true")
    p.add_argument("--become-user")
    p.add_argument("--start-at-task")
    p.add_argument("-v", "--verbose", action="count", default=0)
    return p


def _split_tags(values: Iterable[str]) -> list[str]:
    return [t.strip() for v in values for t in v.split(",") if t.strip()]


def parse_play_args(args: list[str]) -> PlayRequest:
    """The ``:play`` line's words as a request; bad options raise :class:`CommandError`."""
    from ftltui.commands.options import parse_extra_vars
    from ftltui.jobs.playbook_kind import options_doc

    ns = _parser().parse_args(args)
    try:
        extra = parse_extra_vars(ns.extra_vars)
    except FtlError as exc:
        raise CommandError(str(exc)) from None
    opts = options_doc(limit=ns.limit, tags=_split_tags(ns.tags), skip_tags=_split_tags(ns.skip_tags),
                       check=ns.check, diff=ns.diff, extra_vars=extra, become=True if ns.become else None,
                       become_user=ns.become_user, start_at_task=ns.start_at_task, verbosity=ns.verbose)
    return PlayRequest(ns.path, opts)


def is_playbook(path: str) -> bool:
    """A list of plays (else a workflow file, or something the loader will explain)."""
    try:
        from ftltui.playbook.loader import is_playbook as loader_is_playbook
    except ImportError:  # pragma: no cover - the loader ships with the runner
        return False
    try:
        return bool(loader_is_playbook(Path(path)))
    except (FtlError, OSError):
        return False


def candidates(history: Iterable[str], sources: Iterable[str], cwd: Path | None = None) -> list[str]:
    """Recent ``:play`` files first, then ``*.yml``/``*.yaml`` playbooks in the current
    directory and in the inventory's project directory (the inventory's, and its parent
    when the inventory is a directory of its own such as ``inventory/``)."""
    seen: dict[str, None] = {}
    for line in reversed(list(history)):
        words = line.split()
        if len(words) > 1 and words[0] == "play" and Path(words[1]).is_file():
            seen.setdefault(str(Path(words[1]).resolve()), None)
    dirs = [cwd or Path.cwd()]
    for src in sources:
        p = Path(src).resolve()
        d = p if p.is_dir() else p.parent
        dirs += [d, d.parent]
    for d in dict.fromkeys(dirs):
        for f in sorted(list(d.glob("*.yml")) + list(d.glob("*.yaml"))):
            if len(seen) >= MAX_CANDIDATES:
                break
            if str(f.resolve()) not in seen and is_playbook(str(f)):
                seen.setdefault(str(f.resolve()), None)
    return list(seen)


class PlayFormScreen(ModalScreen["PlayRequest | None"]):
    DEFAULT_CSS = FORM_CSS + Path(__file__).with_suffix(".tcss").read_text(encoding="utf-8")
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="playform.cancel"),
        Binding("ctrl+r", "submit", "Run", id="playform.run"),
    ]

    def __init__(self, files: list[str], path: str = "") -> None:
        super().__init__()
        self.files = files
        self.path = path

    def compose(self) -> ComposeResult:
        # the fields scroll; the title and the buttons (docked) stay in view (form.tcss).
        # The buttons come last: tab goes through the fields first.
        with Vertical(id="play-form", classes="dialog form-box"):
            yield Label(Text("Run a playbook (a job)"), classes="form-title")
            with VerticalScroll(id="play-body", classes="form-body", can_focus=False):
                yield Input(self.path, placeholder="playbook file", id="play-path")
                yield OptionList(*[Option(Text(f), id=str(i)) for i, f in enumerate(self.files)], id="play-files")
                yield Input(placeholder="limit (-l): hosts or pattern", id="play-limit")
                yield Input(placeholder="tags (-t): a,b", id="play-tags")
                yield Input(placeholder="extra vars (-e): k=v ... or JSON", id="play-extra")
                with Horizontal(classes="form-switches"):
                    for key, label in (("check", "check -C"), ("diff", "diff -D"), ("become", "become -b")):
                        yield Switch(False, id=f"play-{key}")
                        yield Label(Text(label))
                yield Input(placeholder="become user (--become-user)", id="play-become-user")
                yield Input(placeholder="become password (-K; empty: none or the inventory's)", password=True,
                            id="play-become-pass")
            with Vertical(classes="form-footer"):
                yield Static(Text(""), id="play-error", classes="form-error")
                with Horizontal(classes="form-buttons"):
                    yield Button(Text("Run (ctrl+r)"), id="play-run", variant="primary", compact=True)
                    yield Button(Text("Cancel (esc)"), id="play-cancel", compact=True)
                yield Static(Text("enter picks a file or runs · tab next field · ctrl+r run · esc cancel"),
                             classes="form-hint")

    def on_mount(self) -> None:
        files = self.query_one("#play-files", OptionList)
        if self.files and not self.path:  # a recent or project playbook is one enter away
            files.highlighted = 0
            files.focus()
        else:
            self.query_one("#play-path", Input).focus()

    @on(OptionList.OptionSelected, "#play-files")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.query_one("#play-path", Input).value = self.files[int(event.option.id or 0)]
        self.query_one("#play-limit", Input).focus()

    @on(Input.Submitted)
    def _enter(self) -> None:
        self.action_submit()

    @on(Button.Pressed, "#play-run")
    def _run_pressed(self) -> None:
        self.action_submit()

    @on(Button.Pressed, "#play-cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    def request(self) -> PlayRequest:
        """The form as the words of a ``:play`` line, parsed the same way."""
        val = {k: self.query_one(f"#play-{k}", Input).value.strip() for k in ("path", "limit", "tags", "extra",
                                                                              "become-user")}
        if not val["path"]:
            raise CommandError("choose a playbook file")
        words = [val["path"]]
        words += ["-l", val["limit"]] if val["limit"] else []
        words += ["-t", val["tags"]] if val["tags"] else []
        words += ["-e", val["extra"]] if val["extra"] else []
        words += ["--become-user", val["become-user"]] if val["become-user"] else []
        for key, flag in (("check", "-C"), ("diff", "-D"), ("become", "-b")):
            if self.query_one(f"#play-{key}", Switch).value:
                words.append(flag)
        req = parse_play_args(words)
        password = self.query_one("#play-become-pass", Input).value
        if password:
            req.secrets["become_password"] = password
        return req

    def action_submit(self) -> None:
        try:
            req = self.request()
        except CommandError as exc:
            self.query_one("#play-error", Static).update(Text(str(exc)))
            return
        self.query_one("#play-become-pass", Input).value = ""
        self.dismiss(req)

    def action_cancel(self) -> None:
        self.query_one("#play-become-pass", Input).value = ""
        self.dismiss(None)

