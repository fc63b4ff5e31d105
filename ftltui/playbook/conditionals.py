"""Conditionals (``when``, ``changed_when``, ``failed_when``, ``until``, ``assert``'s
``that``) with ansible-core 2.19's rule: the expression must give a boolean.

``when: flag`` where ``flag`` is ``"yes"``, ``1``, ``""`` or a list is an error in 2.19
("Conditional result (True) was derived from value of type 'str' ... Conditionals must
have a boolean result."), not a truthiness test; the task fails on that host (and
``ignore_errors`` applies). A condition written as a YAML number is refused ("Conditional
expressions must be strings."); a template (``"{{ x }}"``) that renders a string is that
string evaluated again as an expression, as Ansible does.

Ansible names where the offending value was defined (its data tagging); ftl-tui does
not track value origins and names the task instead.

Keywords that are plain booleans (``ignore_errors``, ``no_log``, ``check_mode``) are not
conditionals: they keep ``actions_controller.evaluate_condition``'s conversion.
"""

from __future__ import annotations

from typing import Any

from ftltui.errors import FtlError, Location


class ConditionalError(FtlError):
    """A conditional that Ansible 2.19 refuses; ``message`` is Ansible's ``msg`` text."""


def conditional(templar: Any, cond: Any, where: Location | str | None = None) -> bool:
    """The boolean value of one condition, or :class:`ConditionalError`."""
    if isinstance(cond, bool):
        return cond
    if cond is None:
        return False
    if not isinstance(cond, str):
        raise ConditionalError("Task failed: Conditional expressions must be strings.")
    text = cond.strip()
    if "{{" in text or "{%" in text:
        value = templar.render(text)
        if isinstance(value, str):
            value = templar.evaluate(value) if value.strip() else value
    else:
        value = templar.evaluate(text)
    if isinstance(value, bool):
        return value
    origin = str(where) if where is not None else "<unknown>"
    raise ConditionalError(f"Task failed: Conditional result ({bool(value)}) was derived from value of type "
                           f"'{type_name(value)}' at '{origin}'. Conditionals must have a boolean result.")


def type_name(value: Any) -> str:
    """The Python type name Ansible reports (``str`` for ftl-tui's unsafe text too)."""
    for base in (bool, str, int, float, list, dict):
        if isinstance(value, base):
            return base.__name__
    return "NoneType" if value is None else type(value).__name__


def first_false(templar: Any, conditions: list[Any], where: Location | str | None = None) -> Any:
    """The first condition that does not hold (None when all do)."""
    for cond in conditions:
        if not conditional(templar, cond, where):
            return cond
    return None


def conditional_failure(message: str) -> dict[str, Any]:
    """A task's result when its ``when`` could not be decided: failed with the message
    alone, shown on one line even for ``debug`` (the action never ran)."""
    return {"failed": True, "msg": message, "_ansible_verbose_always": False}
