"""One host's result as the ``ansible`` command prints it: the one formatter.

The CLI (``ftl-tui run``) and the console's Logs pane both call :func:`format_result`,
so a user sees the same words, rc, stdout, stderr and module result in both places:

    web1 | SUCCESS => {"changed": false, "ping": "pong"}       (indented, keys sorted)
    web1 | CHANGED | rc=0 >>                                    (command, shell, raw)
    web1 | FAILED! => {...}   web1 | UNREACHABLE! => {...}   web1 | SKIPPED

These shapes follow the output of Ansible's ad-hoc command (its "minimal" and
"oneline" callbacks), checked against ``ansible`` in tests/engine/test_cli_ansible_shape.py.
Every line goes through :func:`safe_text`, so remote text cannot drive the terminal.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from typing import Any

from ftltui.engine.sanitize import safe_text

# Modules whose result Ansible prints as "rc=N >>" and the output rather than as JSON.
COMMAND_MODULES = frozenset({"command", "shell", "raw"})
WORDS = {"ok": "SUCCESS", "changed": "CHANGED", "failed": "FAILED!", "unreachable": "UNREACHABLE!",
         "skipped": "SKIPPED", "cancelled": "CANCELLED!"}
HIDDEN_KEYS = frozenset({"invocation", "diff", "stdout_lines", "stderr_lines"})  # noise in the text form


@dataclass(frozen=True)
class Formatted:
    """A result as text: ``lines[0]`` is the headline (``host | WORD ...``), then the body."""

    status: str
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def status_word(status: str) -> str:
    """Ansible's word for a status: ``ok`` -> ``SUCCESS``, ``failed`` -> ``FAILED!``."""
    return WORDS.get(status, status.upper())


def visible_result(result: dict[str, Any]) -> dict[str, Any]:
    """The result without what Ansible's output leaves out (``failed: false``, internals)."""
    out = {k: v for k, v in result.items() if k not in HIDDEN_KEYS and not k.startswith("_ansible")}
    # ansible-core 2.19's callbacks leave out failed (the word says it), warnings and
    # deprecations (printed as [WARNING] lines) and the exception (a traceback only at -vvv)
    for key in ("failed", "warnings", "deprecations"):
        out.pop(key, None)
    if out.get("exception") == "(traceback unavailable)":
        del out["exception"]
    return out


def _dump(value: Any, *, one_line: bool) -> str:
    if one_line:  # Ansible: indent=0 with the newlines removed
        return json.dumps(value, indent=0, sort_keys=True, default=str).replace("\n", "")
    return json.dumps(value, indent=4, sort_keys=True, default=str)


def format_result(host: str, status: str, result: dict[str, Any], *, module: str = "",
                  one_line: bool = False, diff: bool = False) -> Formatted:
    """``host``'s result as ``ansible`` prints it; ``diff`` adds the module's diff first."""
    lines: list[str] = diff_lines(result.get("diff")) if diff and status in ("ok", "changed") else []
    word = status_word(status)
    if status == "skipped" and one_line or status == "skipped" and not result.get("msg"):
        lines.append(f"{host} | SKIPPED")
    elif module in COMMAND_MODULES and "rc" in result and status in ("ok", "changed", "failed"):
        lines.extend(_command_lines(host, status, result, one_line))
    else:
        shown = visible_result(result)
        if status == "ok" and not one_line and module.rsplit(".", 1)[-1] == "debug":  # the msg or var alone, as Ansible
            shown = {"msg": shown["msg"]} if "msg" in shown else {k: v for k, v in shown.items() if k != "changed"}
        body = _dump(shown, one_line=one_line)
        lines.extend(f"{host} | {word} => {body}".split("\n"))
    return Formatted(status, tuple(safe_text(line) for line in lines))


def _command_lines(host: str, status: str, result: dict[str, Any], one_line: bool) -> list[str]:
    word = "FAILED" if status == "failed" else status_word(status)
    rc = result.get("rc", -1)
    stdout, stderr = str(result.get("stdout") or ""), str(result.get("stderr") or "")
    if one_line:
        line = f"{host} | {word} | rc={rc} | (stdout) {stdout}".replace("\n", "\\n")
        if stderr:
            line += " (stderr) " + stderr.replace("\n", "\\n")
        return [line]
    body = [part for part in (stdout, stderr, str(result.get("msg") or "") if status == "failed" else "") if part]
    return [f"{host} | {word} | rc={rc} >>", *"\n".join(body).split("\n")] if body else [
        f"{host} | {word} | rc={rc} >>"]


def diff_lines(diff: Any) -> list[str]:
    """A module's ``diff`` (one or a list of before/after dicts, or ``prepared`` text) as a unified diff."""
    if not diff:
        return []
    out: list[str] = []
    for d in diff if isinstance(diff, list) else [diff]:
        if not isinstance(d, dict):
            continue
        if d.get("prepared"):
            out.extend(str(d["prepared"]).splitlines())
            continue
        if "before" not in d and "after" not in d:
            continue
        before, after = _diff_lines(d.get("before")), _diff_lines(d.get("after"))
        before_name = "before" + (f": {d['before_header']}" if d.get("before_header") else "")
        after_name = "after" + (f": {d['after_header']}" if d.get("after_header") else "")
        shown = False
        for line in difflib.unified_diff(before, after, before_name, after_name, lineterm="\n"):
            out.extend(line[:-1].split("\n") if line.endswith("\n") else line.split("\n"))
            shown = True
        if shown:
            out.append("")
    return out


def _diff_lines(value: Any) -> list[str]:
    """One side of a diff as lines with their ends; a last line without one is marked
    as Ansible (and diff) mark it, so the marker follows that side's line."""
    lines = _diff_text(value).splitlines(True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n\\ No newline at end of file\n"
    return lines


def _diff_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, indent=4, sort_keys=True, default=str) + "\n"
    return str(value)
