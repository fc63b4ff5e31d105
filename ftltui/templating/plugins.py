"""Filters and tests wrapped so a failure names the plugin, as Ansible's messages do:
``The filter plugin 'ansible.builtin.from_json' failed: ...``.

Undefined values, sandbox refusals and errors already reported (a variable's own
template failing inside a filter) pass through unchanged: they name their own cause.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.runtime import Undefined

from ftltui.errors import TemplateError


class PluginFailed(Exception):
    """A filter, test or lookup raised; ``message`` is what the user sees."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


def reason(name: str, exc: BaseException) -> str:
    """The exception's text without a leading ``name:`` (our own errors start so)."""
    text = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    short = name.rsplit(".", 1)[-1]
    for prefix in (f"{short}: ", f"{short} lookup: "):
        if text.startswith(prefix):
            return text[len(prefix):]
    return text


# The plugins that look at an undefined value; every other one fails on it, naming the
# variable, as Ansible's do (Jinja2's ``none`` test alone would say "not None").
TAKES_UNDEFINED = frozenset({"default", "d", "mandatory", "defined", "undefined"})


def wrap_plugin(kind: str, name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    qualified = name if "." in name else f"ansible.builtin.{name}"
    value_index = 1 if hasattr(func, "jinja_pass_arg") else 0
    strict = name not in TAKES_UNDEFINED

    @functools.wraps(func)  # keeps jinja_pass_arg (pass_context, pass_environment...)
    def call(*args: Any, **kwargs: Any) -> Any:
        if strict and len(args) > value_index and isinstance(args[value_index], Undefined):
            args[value_index]._fail_with_undefined_error()
        try:
            return func(*args, **kwargs)
        except (UndefinedError, SecurityError, TemplateError, PluginFailed):
            raise
        except Exception as exc:
            raise PluginFailed(f"The {kind} plugin {qualified!r} failed: {reason(name, exc)}") from None

    return call
