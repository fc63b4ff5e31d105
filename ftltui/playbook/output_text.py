"""A playbook run as ``ansible-playbook`` prints it (its default stdout callback).

Users compare the two side by side, and scripts grep for ``fatal: [`` and the recap,
so the words, brackets, blank lines and spacing are Ansible's, checked line by line
against ansible-playbook 2.19 in tests/playbook/test_output_text.py:

    PLAY [name] ****...    TASK [role : name] ****...    RUNNING HANDLER [name] ****...
    ok: [h1]   changed: [h1 -> h2]   skipping: [h1]   fatal: [h1]: FAILED! => {...}
    ok: [h1] => (item=a)   failed: [h1] (item=b) => {...}   ...ignoring
    h1                         : ok=1    changed=0    unreachable=0    failed=0 ...

Banners are padded with ``*`` to the terminal's width (at least 80 columns; 80 when
stdout is not a terminal). Colours only on a terminal (never with ``NO_COLOR``), and
no text from a host or a playbook can drive the terminal: everything goes through
:func:`safe_text` (JSON bodies escape control characters themselves).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import unicodedata
from typing import Any, TextIO

from ftltui.engine.result_format import diff_lines
from ftltui.engine.sanitize import safe_text
from ftltui.playbook import events as ev
from ftltui.playbook.error_origin import error_block
from ftltui.playbook.model import builtin_name
from ftltui.playbook.pauses import HIDDEN, HINT

MIN_WIDTH = 80
INCLUDE_ACTIONS = frozenset({"include_tasks", "include_role"})
NO_MORE_HOSTS = "NO MORE HOSTS LEFT"
CENSORED_LABEL = "(censored due to no_log)"  # a no_log loop item's label
RECAP_FIELDS = ("ok", "changed", "unreachable", "failed", "skipped", "rescued", "ignored")

# Ansible's default colours (ansible.cfg [colors]) as SGR codes
GREEN, YELLOW, CYAN, RED, BRIGHT_RED, BRIGHT_PURPLE, PURPLE, DARK_GRAY = (
    "0;32", "0;33", "0;36", "0;31", "1;31", "1;35", "0;35", "1;30")
STATUS_COLOUR = {"ok": GREEN, "changed": YELLOW, "skipped": CYAN, "failed": RED, "unreachable": BRIGHT_RED}
RECAP_COLOUR = {"ok": GREEN, "changed": YELLOW, "unreachable": BRIGHT_RED, "failed": RED, "skipped": CYAN,
                "rescued": GREEN, "ignored": BRIGHT_PURPLE}

# keys Ansible's output leaves out of a result (internal, or shown another way: the
# status words say failed/skipped)
_HIDDEN = frozenset({"invocation", "diff", "exception", "results", "failed", "skipped"})
_DEBUG_NOISE = frozenset({"changed", "failed", "skipped", "skip_reason", "ansible_loop_var", "ansible_index_var",
                          "ansible_loop"})


def text_width(text: str) -> int:
    """Columns ``text`` takes on a terminal (wide East Asian characters take two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 0 if unicodedata.combining(c) else 1
               for c in text)


def banner(title: str, width: int = MIN_WIDTH) -> str:
    """``TITLE ****``: stars to ``width`` columns, and at least three."""
    return f"{title} " + "*" * max(width - text_width(title) - 1, 3)


def recap_line(host: str, stats: ev.HostStats, colour: bool = False) -> str:
    """One PLAY RECAP line with Ansible's exact spacing (and its colours on a terminal)."""
    counts = stats.to_dict()
    if not colour:
        return f"{host:<26} : " + " ".join(f"{k}={counts[k]:<4}" for k in RECAP_FIELDS)
    if counts["failed"] or counts["unreachable"]:
        host_colour = RED
    else:
        host_colour = YELLOW if counts["changed"] else GREEN
    fields = []
    for k in RECAP_FIELDS:
        text = f"{k}={counts[k]:<4}"
        fields.append(_sgr(RECAP_COLOUR[k], text) if counts[k] else text)
    # Ansible pads the coloured name to 37 characters, escapes included
    return f"{_sgr(host_colour, host):<37} : " + " ".join(fields)


def _sgr(code: str, text: str) -> str:
    return f"\x1b[{code}m{text}\x1b[0m"


def _diff_colour(line: str) -> str | None:
    return GREEN if line[:1] == "+" else RED if line[:1] == "-" else CYAN if line[:2] == "@@" else None


def coloured_diff(lines: list[str]) -> list[str]:
    """Diff lines coloured byte for byte as Ansible colours them: it colours each line
    *with* its newline, so an empty colour pair opens the next line; a ``\\ No newline``
    marker belongs to the line before it; an empty line ends one diff."""
    out: list[str] = []
    residue, previous = "", None
    for line in lines:
        if not line:
            out.append(residue)
            residue, previous = "", None
            continue
        marker = line.startswith("\\ No newline")
        code = previous if marker else _diff_colour(line)
        if code is None:
            out.append(residue + line)
            residue = ""
        else:
            out.append(("" if marker else residue) + _sgr(code, line))
            residue = _sgr(code, "")
        previous = code
    return out


def file_and_line(path: str) -> str:
    """``file:line`` of a ``file:line:col`` place: what ansible-playbook's ``task path:`` shows."""
    head, sep, tail = path.rpartition(":")
    if sep and tail.isdigit() and head.rpartition(":")[2].isdigit():
        return head
    return path


def _loop_items(result: dict[str, Any]) -> bool:
    """A loop's per-item results (each names its loop variable), not a module's own
    ``results`` list, which ansible-playbook prints as any other result."""
    items = result.get("results")
    return isinstance(items, list) and any(isinstance(i, dict) and ("ansible_loop_var" in i or "censored" in i) for i in items)


def is_debug(action: str) -> bool:
    return action.rsplit(".", 1)[-1] == "debug"


def shown_result(result: dict[str, Any], action: str, verbosity: int = 0) -> dict[str, Any]:
    """The result as Ansible prints it: without internal keys, the diff, loop results;
    a ``debug`` result shows only its message or variable."""
    out = {k: v for k, v in result.items()
           if not k.startswith("_ansible") and not k.startswith("_ftl")
           and (k not in _HIDDEN or (k == "invocation" and verbosity >= 3))}
    if is_debug(action):
        if "msg" in out:
            return {"msg": out["msg"]}
        out = {k: v for k, v in out.items() if k not in _DEBUG_NOISE}
    return out


def dump(result: dict[str, Any], indent: bool) -> str:
    if indent:
        return json.dumps(result, indent=4, sort_keys=True, ensure_ascii=False, default=str)
    return json.dumps(result, sort_keys=True, ensure_ascii=False, default=str)


def terminal_width(out: TextIO) -> int:
    try:
        if out.isatty():
            return max(shutil.get_terminal_size().columns, MIN_WIDTH)
    except (AttributeError, ValueError, OSError):
        pass
    return MIN_WIDTH


class TextOutput:
    """Consumes a run's events (``on_event``) and writes ansible-playbook's text.

    ``verbosity`` is ``-v``'s count: from 1 every result's JSON, from 2 ``task path:``
    and the PLAYBOOK banner. ``diff`` shows module diffs of changed results (``-D``).
    """

    def __init__(self, out: TextIO | None = None, err: TextIO | None = None, *, verbosity: int = 0,
                 diff: bool | None = None, colour: bool | None = None, width: int | None = None,
                 play_count: int | None = None) -> None:
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.verbosity = verbosity
        self.diff = diff
        if colour is None:
            colour = bool(getattr(self.out, "isatty", lambda: False)()) and "NO_COLOR" not in os.environ \
                and not os.environ.get("ANSIBLE_NOCOLOR")
        self.colour = colour
        self.width = width or terminal_width(self.out)
        self.play_count = play_count
        self.tasks: dict[str, ev.TaskStarted] = {}
        self.looped: set[tuple[str, str]] = set()  # (task_id, host) that reported items
        self.errors_shown: set[str] = set()  # Ansible shows an identical error once
        self.warnings_shown: set[str] = set()  # and an identical warning once (Display.warning)
        self.free = False  # the play's strategy is free: banners wait for a result (see _task_banner)
        self.last_banner: tuple[int, str, bool] | None = None

    # -- writing ---------------------------------------------------------------------
    def _write(self, stream: TextIO, lines: list[str], colour: str | None = None) -> None:
        text = "".join((_sgr(colour, line) if colour and self.colour else line) + "\n" for line in lines)
        try:
            stream.write(text)
            stream.flush()
        except BrokenPipeError:  # `| head`: the reader left; go quiet, the run goes on
            self.out = self.err = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115

    def _line(self, text: str, colour: str | None = None) -> None:
        self._write(self.out, text.split("\n"), colour)

    def _banner(self, title: str) -> None:
        self._write(self.out, ["", banner(safe_text(title), self.width)])

    # -- events ----------------------------------------------------------------------
    def __call__(self, event: ev.PlaybookEvent) -> None:
        handler = getattr(self, f"on_{type(event).__name__}", None)
        if handler is not None:
            handler(event)

    def on_PlaybookStarted(self, e: ev.PlaybookStarted) -> None:
        if self.diff is None:
            self.diff = e.diff
        if self.verbosity >= 2:
            self._banner(f"PLAYBOOK: {os.path.basename(e.path)}")
            if self.play_count is not None:
                self._line(f"{self.play_count} plays in {safe_text(e.path)}")

    def on_PlayStarted(self, e: ev.PlayStarted) -> None:
        self.free = e.free
        self._banner(f"PLAY [{e.label}]")

    def on_NoHostsMatched(self, e: ev.NoHostsMatched) -> None:
        self._line("skipping: no hosts matched", CYAN)

    def on_TaskStarted(self, e: ev.TaskStarted) -> None:
        self.tasks[e.task_id] = e
        if not self.free:
            self._task_banner(e.task_id)

    def _task_banner(self, task_id: str) -> None:
        """``TASK [...]`` unless it is the last banner shown. Under strategy free each host
        starts each task when it gets there, so ansible-playbook's default callback prints
        no banner at task start: a result of a task other than the last banner's prints
        that task's banner first (the same task for several hosts in a row: one banner).
        A task is its play and place (Ansible's task uuid): free runs give each host its
        own task_id."""
        e = self.tasks.get(task_id)
        if e is None:
            return
        key = (e.play, e.path or task_id, e.handler)
        if self.free and key == self.last_banner:
            return
        self.last_banner = key
        self._banner(f"{'RUNNING HANDLER' if e.handler else 'TASK'} [{e.label}]")
        if self.verbosity >= 2 and e.path:
            self._line(f"task path: {safe_text(file_and_line(e.path))}")

    def on_Included(self, e: ev.Included) -> None:
        item = "" if e.label is None else f" => (item={safe_text(e.label)})"
        self._line(f"included: {safe_text(e.file)} for {safe_text(', '.join(e.hosts))}{item}", CYAN)

    def on_PauseStarted(self, e: ev.PauseStarted) -> None:
        if not e.timed:
            return  # a prompt: whoever answers shows it (the CLI's terminal)
        self._line(f"Pausing for {e.seconds} seconds{HIDDEN if e.hidden else ''}")
        if e.hint:  # a prompt with the time: Ansible prints the hint line, TTY or not ("\r" included)
            self._line(HINT + "\r")

    def on_PlaybookWarning(self, e: ev.PlaybookWarning) -> None:
        if e.text == NO_MORE_HOSTS:  # the runner's word for Ansible's banner
            self._banner(NO_MORE_HOSTS)
            return
        if e.text.startswith("ERROR! "):  # the run stopped on an error (exit 1)
            self._write(self.err, [f"[ERROR]: {safe_text(e.text[7:])}"], RED)
            return
        key = ("D: " if e.deprecation else "W: ") + e.text  # Ansible's Display shows each text once, deprecations too
        if key in self.warnings_shown:
            return
        self.warnings_shown.add(key)
        word = "[DEPRECATION WARNING]" if e.deprecation else "[WARNING]"
        self._write(self.err, [f"{word}: {safe_text(e.text)}"], PURPLE if e.deprecation else BRIGHT_PURPLE)

    def _action(self, task_id: str) -> str:
        started = self.tasks.get(task_id)
        return started.action if started else ""

    def _host(self, host: str, result: dict[str, Any], delegated_to: str | None = None) -> str:
        if delegated_to is None:
            dv = result.get("_ansible_delegated_vars")
            delegated_to = dv.get("ansible_delegated_host") if isinstance(dv, dict) else None
        shown = safe_text(host)
        return f"{shown} -> {safe_text(str(delegated_to))}" if delegated_to and delegated_to != host else shown

    def _body(self, result: dict[str, Any], action: str, *, always: bool = False, skipped: bool = False) -> str:
        """`` => {json}`` when Ansible shows the result here, else nothing. Results of
        ``debug``/``assert`` (``_ansible_verbose_always``) are always shown, indented."""
        censored = "censored" in result  # no_log: Ansible shows it only with -v, on one line
        verbose_always = result.get("_ansible_verbose_always")  # False: the action said no (or never ran)
        indent = not skipped and not censored and (is_debug(action) if verbose_always is None else bool(verbose_always))
        if not (always or indent or self.verbosity):
            return ""
        return " => " + dump(shown_result(result, action, self.verbosity), indent and not result.get("_ansible_no_log"))

    def _error(self, e: ev.HostTaskResult | ev.ItemResult, status: str) -> None:
        """The ``[ERROR]: Task failed: ...`` block ansible-playbook 2.19 prints before a failure."""
        started = self.tasks.get(e.task_id)
        block = error_block(status, e.result, started.action if started else "", started.path if started else "",
                            with_origin=True)
        if block in self.errors_shown:
            return
        self.errors_shown.add(block)
        self._write(self.out, [safe_text(line) for line in block.split("\n")], RED)

    def _diff(self, result: dict[str, Any]) -> None:
        if not self.diff or not result.get("changed") or not result.get("diff"):
            return
        lines = [safe_text(line) for line in diff_lines(result["diff"])]
        self._write(self.out, coloured_diff(lines) if self.colour else lines)

    def on_ItemResult(self, e: ev.ItemResult) -> None:
        if self.free:
            self._task_banner(e.task_id)
        self.looped.add((e.task_id, e.host))
        action = self._action(e.task_id)
        host = self._host(e.host, e.result, e.delegated_to)
        label = CENSORED_LABEL if "censored" in e.result else safe_text(e.label)
        if e.status == "skipped":
            body = self._body(e.result, action, skipped=True)
            self._line(f"skipping: [{host}] => (item={label}) {body}", CYAN)
        elif e.status in ("failed", "unreachable"):
            self._error(e, e.status)
            word = "failed" if e.status == "failed" else "fatal"
            self._line(f"{word}: [{host}] (item={label}){self._body(e.result, action, always=True)}",
                       STATUS_COLOUR[e.status])
        else:
            self._diff(e.result)  # Ansible: each item's diff right before its line (v2_on_file_diff per item)
            self._line(f"{e.status}: [{host}] => (item={label}){self._body(e.result, action)}",
                       STATUS_COLOUR[e.status])

    def on_TaskRetrying(self, e: ev.TaskRetrying) -> None:
        """``until`` will try again: the task's own name (no role prefix), and with -vvv, or
        for results always shown (debug, assert), the failed attempt's result."""
        host = self._host(e.host, e.result, e.delegated_to)
        line = f"FAILED - RETRYING: [{host}]: {safe_text(e.name)} ({e.retries_left} retries left)."
        verbose = "censored" not in e.result and bool(
            e.result.get("_ansible_verbose_always") or is_debug(self._action(e.task_id)))
        if self.verbosity > 2 or verbose:
            line += "Result was: " + dump(shown_result(e.result, "", self.verbosity), self.verbosity > 2 or verbose)
        self._line(line, DARK_GRAY)

    def on_HostTaskResult(self, e: ev.HostTaskResult) -> None:
        if self.free:
            self._task_banner(e.task_id)
        action = self._action(e.task_id)
        looped = (e.task_id, e.host) in self.looped or _loop_items(e.result)
        host = self._host(e.host, e.result, e.delegated_to)
        if looped and self.diff and (e.task_id, e.host) not in self.looped:  # items not streamed: diffs now
            for item in e.result.get("results") or []:
                if isinstance(item, dict):
                    self._diff(item)
        if e.status == "skipped":
            self._line(f"skipping: [{host}]{self._body(e.result, action, skipped=True)}", CYAN)
        elif e.status in ("failed", "unreachable"):
            if not looped:
                self._error(e, e.status)
                word = "FAILED!" if e.status == "failed" else "UNREACHABLE!"
                self._line(f"fatal: [{host}]: {word}{self._body(e.result, action, always=True)}",
                           STATUS_COLOUR[e.status])
        elif builtin_name(action) in INCLUDE_ACTIONS:
            pass  # Ansible shows an include as ``included: FILE for HOSTS`` only
        elif not looped:
            self._diff(e.result)
            self._line(f"{e.status}: [{host}]{self._body(e.result, action)}", STATUS_COLOUR[e.status])
        if e.ignored:
            self._line("...ignoring", CYAN)

    def on_PlaybookFinished(self, e: ev.PlaybookFinished) -> None:
        if e.interrupted:
            self._write(self.err, ["[ERROR]: User interrupted execution"], RED)
            return
        if e.aborted:  # the error was printed; ansible-playbook has no recap then
            return
        self._banner("PLAY RECAP")
        self._write(self.out, [recap_line(safe_text(h), e.stats[h], self.colour) for h in sorted(e.stats)] + [""])
