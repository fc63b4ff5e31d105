"""The ``[ERROR]: Task failed: ...`` block ansible-playbook 2.19 prints before a failure.

Ansible names what failed (``Module failed:`` for a module, ``Action failed:`` for a
controller-side action such as ``fail`` or ``assert``, nothing more for a host it could
not reach; for a template error, which stops the task before anything ran, the error:
``Finalization of task args for 'ansible.builtin.copy' failed: ...``), then the task's origin with up to two lines of context and a caret under
the column, read from the playbook file:

    [ERROR]: Task failed: Module failed: non-zero return code
    Origin: /srv/site.yml:11:7

     9     - name: touch
    10       file: path=/tmp/x state=touch
    11     - name: fail one
             ^ column 7

"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from ftltui.playbook.model import CONTROLLER_ACTIONS, builtin_name

CONTEXT_LINES = 2  # lines shown before the task's own line


def failure_text(status: str, result: dict[str, Any], action: str) -> str:
    """``Task failed: ...`` as Ansible words it for this kind of failure."""
    error = result.get("_ftl_error")
    if isinstance(error, str):  # a template error: the task never ran, no module or action failed
        args_of = result.get("_ftl_args_of")
        stage = f"Finalization of task args for '{args_of}' failed: " if args_of else ""
        return f"Task failed: {stage}{error.strip()}"
    msg = str(result.get("msg") or "").strip()
    if msg.startswith("Task failed"):
        return msg
    if status == "unreachable":
        return f"Task failed: {msg}" if msg else "Task failed."
    if result.get("failed_when_result"):
        return "Task failed: Action failed."
    kind = "Action failed" if builtin_name(action) in CONTROLLER_ACTIONS else "Module failed"
    return f"Task failed: {kind}: {msg}" if msg else f"Task failed: {kind}."


def parse_origin(path: str) -> tuple[str, int, int]:
    """``file:line[:col]`` -> (file, line, col); 0 where not known."""
    parts = path.rsplit(":", 2)
    numbers: list[int] = []
    while len(parts) > 1 and parts[-1].isdigit() and len(numbers) < 2:
        numbers.insert(0, int(parts.pop()))
    file = ":".join(parts)
    line = numbers[0] if numbers else 0
    col = numbers[1] if len(numbers) > 1 else 0
    return file, line, col


@lru_cache(maxsize=32)
def _file_lines(file: str) -> tuple[str, ...]:
    try:
        with open(file, encoding="utf-8", errors="replace") as f:
            return tuple(f.read().splitlines())
    except OSError:
        return ()


def origin_lines(path: str) -> list[str]:
    """``Origin: file:line:col``, a blank line, the context and the caret, a blank line."""
    file, line, col = parse_origin(path)
    if not file or not line:
        return []
    out = [f"Origin: {path}", ""]
    text = _file_lines(file)
    if not text or line > len(text):
        return out
    first = max(1, line - CONTEXT_LINES)
    width = len(str(line))
    out.extend(f"{n:>{width}} {text[n - 1]}".rstrip() if not text[n - 1] else f"{n:>{width}} {text[n - 1]}"
               for n in range(first, line + 1))
    if col:
        out.append(" " * (width + col) + f"^ column {col}")
    out.append("")
    return out


def error_block(status: str, result: dict[str, Any], action: str, path: str, *, with_origin: bool = True) -> str:
    """The block; a template failure also names, as Ansible's last ``caused by``, where the
    value whose template failed was written (a task argument, a play var, a vars file,
    a role default: ``_ftl_origin`` of the result)."""
    lines = [f"[ERROR]: {failure_text(status, result, action)}"]
    if with_origin and path:
        lines.extend(origin_lines(path))
    value_origin = result.get("_ftl_origin")
    why = str(result.get("_ftl_error") or result.get("msg") or "").strip()  # no_log: the template error's alone
    if with_origin and why and isinstance(value_origin, str) and value_origin != path:
        cause = origin_lines(value_origin)
        if cause:
            if lines[-1] != "":
                lines.append("")
            lines.extend(["<<< caused by >>>", "", why, *cause])
    return "\n".join(lines)
