"""``Templar``: render playbook values and evaluate conditions with Ansible's semantics.

One Templar per host and task (the runner builds it over that host's variables, without
copying them); ``with_vars`` makes a cheap child for loop items and task vars. Errors are
:class:`ftltui.errors.TemplateError` with a one-line reason (``'x' is undefined``); the
caller adds the file and line of the keyword it was rendering.
"""

from __future__ import annotations

import contextlib
import re
from collections import ChainMap, OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from types import GeneratorType
from typing import Any

from jinja2 import nodes
from jinja2.exceptions import (
    SecurityError,
    TemplateNotFound,
    TemplateSyntaxError,
    UndefinedError,
)
from jinja2.parser import Parser
from jinja2.runtime import Undefined

from ftltui.errors import TemplateError
from ftltui.templating.environment import environment
from ftltui.templating.lazyvars import LazyVars, Resolving, UnsafeText
from ftltui.templating.loader import template_dirs
from ftltui.templating.omit import OMIT  # noqa: F401  (re-exported by the package)
from ftltui.templating.plugins import PluginFailed, reason
from ftltui.templating.value_origin import attach
from ftltui.vault.envelope import VaultError
from ftltui.vault.values import VaultValue

_MARKERS = ("{{", "{%", "{#")
_BARE_NAME = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_LITERALS = frozenset({"true", "false", "none", "True", "False", "None"})


def is_template(value: Any) -> bool:
    """Does ``value`` (walked through dicts and lists) hold a string Jinja2 would change?
    Other mappings (``hostvars``, views built on demand) are never walked: they render
    their own values when asked."""
    if isinstance(value, str):
        return not isinstance(value, UnsafeText) and any(m in value for m in _MARKERS)
    if isinstance(value, (dict, list, tuple)):
        key = id(value)
        if _PLAIN.get(key) is value:
            with contextlib.suppress(KeyError):  # another thread may have dropped it meanwhile
                _PLAIN.move_to_end(key)
            return False
        # One pass in C first: text without any marker holds no template (facts, results)
        text = repr(value)
        if any(m in text for m in _MARKERS) and _walk(value):
            return True
        if len(text) > 2048:  # worth remembering: facts, registered results, big var files
            _PLAIN[key] = value
            if len(_PLAIN) > _PLAIN_MAX:
                _PLAIN.popitem(last=False)
        return False
    return False


# Big values known to hold no template, by identity (the object is kept, so its id stays
# its own): a host's facts are looked up by every task and need not be scanned each time.
# Values are data once loaded; a dict that gains a template in place afterwards would be
# missed, which nothing in a run does (set_fact and register make new objects).
_PLAIN: OrderedDict[int, Any] = OrderedDict()
_PLAIN_MAX = 1024


def _walk(value: Any) -> bool:
    if isinstance(value, str):
        return not isinstance(value, UnsafeText) and any(m in value for m in _MARKERS)
    if isinstance(value, dict):
        return any(_walk(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_walk(v) for v in value)
    return False


# Compiled templates by source text: the same argument is rendered for every host.
@lru_cache(maxsize=1024)
def _compiled_template(source: str) -> Any:
    return environment().from_string(source)


@lru_cache(maxsize=1024)
def _compiled_expression(source: str) -> Any:
    """A bare expression (``x is defined and y``) as a template yielding its value."""
    env = environment()
    parser = Parser(env, source, state="variable")
    expr = parser.parse_expression()
    if not parser.stream.eos:
        token = parser.stream.current
        raise TemplateSyntaxError(f"unexpected {token.value or token.type!r}", token.lineno, None, None)
    return env.from_string(nodes.Template([nodes.Output([expr], lineno=1)], lineno=1))


def _finalize(value: Any) -> Any:
    """Fail on undefined values inside a result; turn iterators (``map``...) into lists."""
    if isinstance(value, Undefined):
        value._fail_with_undefined_error()
    if isinstance(value, (GeneratorType, map, filter, zip, reversed)) or type(value).__name__ in {
        "dict_keys", "dict_values", "dict_items", "generator"
    }:
        value = list(value)
    if isinstance(value, list):
        return [_finalize(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_finalize(v) for v in value)
    if isinstance(value, dict) and not isinstance(value, VaultValue):  # undecrypted: stays, its use raises
        return {_finalize(k): _finalize(v) for k, v in value.items()}
    return value


def _as_text(value: Any) -> str:
    if isinstance(value, Undefined):
        value._fail_with_undefined_error()
    if value is None:
        return ""
    return str(value)


def _keep_trailing_newlines(source: str, text: str) -> str:
    missing = (len(source) - len(source.rstrip("\n"))) - (len(text) - len(text.rstrip("\n")))
    return text + "\n" * missing if missing > 0 else text


def concat(chunks: Iterable[Any]) -> Any:
    """One output node keeps its native value; several are joined as text."""
    parts = list(chunks)
    if not parts:
        return ""
    if len(parts) == 1:
        return _finalize(parts[0])
    return "".join(_as_text(p) for p in parts)


class Templar:
    """Renders values for one set of variables (see the module docstring)."""

    def __init__(self, variables: Mapping[str, Any], *, base_dir: Path, search_paths: Sequence[Path] = (),
                 _resolving: Resolving | None = None) -> None:
        self.variables = variables
        self.base_dir = Path(base_dir)
        self.search_paths = tuple(Path(p) for p in search_paths)
        self._env = environment()
        self._resolving = _resolving or Resolving()
        self._context_vars = LazyVars(self, variables, self._env.globals)
        self._include_dirs = [d for root in (*self.search_paths, self.base_dir) for d in (root / "templates", root)]

    # -- public API ------------------------------------------------------------------

    def render(self, value: Any) -> Any:
        """``value`` with every template in it rendered (dicts and lists walked)."""
        return self._public(self._render, value)

    def evaluate(self, expr: Any) -> Any:
        """The value of a bare expression (``when:``, ``changed_when:``...); a
        ``"{{ x }}"`` string is accepted too; non-strings (``true``) are rendered as values."""
        return self._public(self._evaluate, expr)

    def is_template(self, value: Any) -> bool:
        return is_template(value)

    def with_vars(self, extra: Mapping[str, Any]) -> Templar:
        """A child seeing ``extra`` over this Templar's variables (nothing copied)."""
        return Templar(ChainMap(dict(extra), self.variables), base_dir=self.base_dir,  # type: ignore[arg-type]
                       search_paths=self.search_paths, _resolving=self._resolving)

    def lookup(self, name: str, terms: Any, *, task_action: str = "", **kwargs: Any) -> list[Any]:
        """Run lookup ``name`` for a ``with_<name>`` loop: always a list. ``task_action``
        (the looping task's module) picks where ``with_first_found`` looks: ``templates/``
        for template tasks, ``vars/`` for include_vars, ``files/`` otherwise (Ansible's rule)."""
        from ftltui.templating.lookups import run_lookup

        if name.removeprefix("ansible.builtin.") == "first_found":
            kind = next((k for k in ("template", "var") if k in task_action), "file")
            kwargs["_subdir"] = kind + "s"
        return self._public(lambda _: run_lookup(self, name, terms, kwargs, wantlist=True), None)

    # -- for lookups, filters and LazyVars ---------------------------------------------

    def resolve_variable(self, name: str, raw: Any) -> Any:
        """A variable's value as a template sees it: rendered if it holds templates. A
        variable whose template uses something undefined is itself undefined (so
        ``a is defined`` is false and ``a | default(1)`` works, as in Ansible)."""
        if not is_template(raw):
            return raw
        self._resolving.enter(name)
        try:
            return self._render(raw)
        except UndefinedError as exc:
            attach(exc, raw)
            return self._undefined_from(exc)
        finally:
            self._resolving.leave()

    def render_text(self, source: str, *, path: Path | None = None) -> str:
        """A template file's text rendered for the ``template`` module: always text, with
        the file's trailing newlines kept when the result is text. A file whose whole text
        is one expression (``{{ flag }}\n``: Jinja2 drops the last newline) gives that
        value, which ansible-core 2.19 writes as ``str(value)`` with no newline added back
        (``True``, ``[1, 'two']``, ``''`` for None). ``path`` (the file) lets
        ``{% include %}`` find templates beside it."""
        value = self.render_file(source, path=path)
        return value if isinstance(value, str) else _as_text(value)

    def render_file(self, source: str, *, path: Path | None = None) -> Any:
        """A template file rendered as the ``template`` lookup returns it (a lone
        ``{{ expr }}`` keeps its value)."""
        return self._public(self._render_string, source, path=path)

    @property
    def context_vars(self) -> LazyVars:
        return self._context_vars

    # -- internals -------------------------------------------------------------------

    def _undefined_from(self, exc: UndefinedError) -> Any:
        """The undefined value a variable whose template used something undefined becomes:
        using it raises the same message, still naming where that variable was written."""
        origin = getattr(exc, "ftl_origin", None)
        if not origin:
            return self._env.undefined(hint=exc.message)

        def failure(message: str) -> UndefinedError:
            err = UndefinedError(message)
            err.ftl_origin = origin  # type: ignore[attr-defined]
            return err

        return self._env.undefined(hint=exc.message, exc=failure)  # type: ignore[arg-type]

    def _public(self, func: Any, value: Any, path: Path | None = None) -> Any:
        """Run ``func(value)`` with ``{% include %}`` looking beside ``path`` and in the
        search paths; Jinja2's and the plugins' exceptions become TemplateError, carrying
        (``origin``) where the value whose template failed was written, when known."""
        try:
            return self._public_inner(func, value, path)
        except TemplateError as err:
            cause = err.__context__
            origin = getattr(err, "ftl_origin", None) or getattr(cause, "ftl_origin", None)
            if origin and not getattr(err, "origin", None):
                err.origin = origin  # type: ignore[attr-defined]
            raise

    def _public_inner(self, func: Any, value: Any, path: Path | None = None) -> Any:
        dirs = self._include_dirs if path is None else [path.parent, *self._include_dirs]
        try:
            with template_dirs(dirs):
                return func(value)
        except TemplateError:
            raise
        except UndefinedError as exc:
            raise TemplateError(str(exc.message)) from None
        except PluginFailed as exc:
            raise TemplateError(exc.message) from None
        except TemplateNotFound as exc:
            raise TemplateError(f"Template not found: {exc.message}") from None
        except TemplateSyntaxError as exc:  # and TemplateAssertionError: an unknown filter or test
            message = str(exc.message)
            if message.startswith(("No filter named", "No test named")) and message.count(".") > 1:
                message += " (ftl-tui does not load collection plugins; write it with builtin filters)"
            raise TemplateError(f"Syntax error in template: {message}") from None
        except SecurityError as exc:
            raise TemplateError(f"not allowed in a template: {exc}") from None
        except RecursionError:
            raise TemplateError("template nests too deeply") from None
        except Exception as exc:  # an operator on wrong types (1 + 'a'), a method call...
            raise TemplateError(f"Error rendering template: {reason('', exc)}") from None

    def _render(self, value: Any) -> Any:
        if isinstance(value, str):
            if isinstance(value, UnsafeText) or not any(m in value for m in _MARKERS):
                return value
            try:
                return self._render_string(value)
            except Exception as exc:
                if isinstance(exc, VaultError) and exc.location and not getattr(exc, "ftl_origin", None):
                    exc.ftl_origin = str(exc.location)  # type: ignore[attr-defined]  # the !vault value's place
                attach(exc, value)
                raise
        if isinstance(value, VaultValue):  # undecrypted: stays itself, so its every use raises its reason
            return value
        if isinstance(value, dict):  # other mappings (hostvars...) render their own values
            return {k: self._render(v) for k, v in value.items()}  # keys stay as written (Ansible 2.19)
        if isinstance(value, (list, tuple)):
            return [self._render(v) for v in value]
        return value

    def _render_string(self, source: str) -> Any:
        m = _BARE_NAME.fullmatch(source)
        if m is not None and m.group(1) not in _LITERALS:  # "{{ item }}": no Jinja2 needed
            name = m.group(1)
            try:
                value = self._context_vars[name]
            except KeyError:
                value = self._env.undefined(name=name)
            return _finalize(value)
        template = _compiled_template(source)
        context = template.new_context(self._context_vars, shared=True)  # type: ignore[arg-type]
        value = concat(template.root_render_func(context))
        # Text keeps as many trailing newlines as the source had (Jinja2 drops one, and
        # trim_blocks one after a closing block); "{{ n }}\n" stays the number, as in Ansible.
        return _keep_trailing_newlines(source, value) if isinstance(value, str) else value

    def _evaluate(self, expr: Any) -> Any:
        if not isinstance(expr, str) or isinstance(expr, UnsafeText):
            return self._render(expr)
        text = expr.strip()
        if text.startswith("{{") and text.endswith("}}") and text.count("{{") == 1:
            return self._render_string(text)
        template = _compiled_expression(text)
        context = template.new_context(self._context_vars, shared=True)  # type: ignore[arg-type]
        return concat(template.root_render_func(context))
