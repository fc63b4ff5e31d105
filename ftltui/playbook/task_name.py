"""A task's name as ansible-playbook 2.19 prints it in ``TASK [...]``: templated.

Ansible's strategy templates ``name`` once per task, just before the banner, with the
variables of the first host that runs it (play and host vars, registered results, an
include's ``vars`` and loop variable), and best-effort: a part that fails becomes
``<< error N - message >>`` and one warning lists the errors with the name's origin
(``Encountered 1 template error.``). The loop's own ``item`` is not bound yet, so a
name using it shows the undefined error, as Ansible's does.

What fails in place and what stops the rest follows Ansible's marker rules: an undefined
variable or a missing attribute is replaced where it stands and the other expressions
still render; a syntax error replaces the whole name; any other error (or any error in
a template with ``{% %}`` blocks) ends the name with ``<< error N+1 - template
potentially truncated >>``.
"""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING, Any

from ftltui.errors import FtlError, TemplateError
from ftltui.playbook.error_origin import origin_lines
from ftltui.playbook.events import PlaybookWarning
from ftltui.playbook.model import Task
from ftltui.playbook.templar import has_template
from ftltui.templating.value_origin import origin_of

if TYPE_CHECKING:
    from ftltui.playbook.task_exec import TaskRun

TRUNCATED = "template potentially truncated"
_EXPRESSION = re.compile(r"\{\{.*?\}\}", re.DOTALL)
# errors Ansible turns into a marker in place (its Marker values: undefined, missing attribute)
_IN_PLACE = re.compile(r"is undefined$|has no attribute |has no element ")


def banner_task(tr: TaskRun, hosts: list[str]) -> Task:
    """``tr``'s task with its name templated for the banner (warning emitted first, as
    Ansible prints it before ``TASK [...]``); the task itself when there is nothing to
    template or no host to template it for."""
    task = tr.task
    if not task.name or not hosts or not has_template(task.name):
        return task
    try:
        templar = tr.templar_for(hosts[0])[0]
    except FtlError:  # the task's vars fail: the task reports that itself
        return task
    text, errors = render_name(templar, task.name)
    if errors:
        tr.pc.run.emit(PlaybookWarning(template_errors_warning(errors, origin_of(task.name))))
    return dataclasses.replace(task, name=text.strip())  # Ansible's callback strips the name it prints


def render_name(templar: Any, name: str) -> tuple[str, list[str]]:
    """The rendered name and the messages of the parts that failed (numbered in order)."""
    try:
        return _text(templar.render(name)), []
    except TemplateError as exc:
        first = exc.message
    if first.startswith("Syntax error in template") or "{%" in name or "{{-" in name or "-}}" in name:
        whole = [first] if first.startswith("Syntax error") else [first, TRUNCATED]
        return "".join(_marker(i, m) for i, m in enumerate(whole, 1)), whole
    errors: list[str] = []
    out: list[str] = []
    end = 0
    for m in _EXPRESSION.finditer(name):
        out.append(name[end:m.start()])
        end = m.end()
        try:
            out.append(_text(templar.render(m.group())))
            continue
        except TemplateError as exc:
            errors.append(exc.message)
        out.append(_marker(len(errors), errors[-1]))
        if not _IN_PLACE.search(errors[-1]):
            errors.append(TRUNCATED)
            out.append(_marker(len(errors), TRUNCATED))
            return "".join(out), errors
    out.append(name[end:])
    return "".join(out), errors


def template_errors_warning(errors: list[str], origin: str | None) -> str:
    """Ansible's warning for a best-effort template: the count, each error, the origin."""
    lines = [f"Encountered {len(errors)} template error{'s' if len(errors) > 1 else ''}."]
    lines += [f"error {i} - {m}" for i, m in enumerate(errors, 1)]
    return "\n".join(lines + (origin_lines(origin) if origin else []))


def _marker(number: int, message: str) -> str:
    return f"<< error {number} - {message} >>"


def _text(value: Any) -> str:
    return "" if value is None else str(value)
