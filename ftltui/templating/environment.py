"""The one Jinja2 environment playbooks are rendered in: sandboxed, native, strict.

- Sandboxed (``ImmutableSandboxedEnvironment``): templates come from playbooks, roles and
  vars files; they may read data, never reach Python internals (``__class__``...) or
  mutate the runner's objects (``list.append``).
- Native: a template that is exactly one ``{{ expr }}`` yields the expression's value
  (a list stays a list); anything else is joined as text (``render.concat``). Unlike
  Jinja2's NativeEnvironment nothing is ``literal_eval``-ed back from text, as in
  ansible-core 2.19.
- Strict: undefined values fail when used (``undefined.ChainedStrictUndefined``).

Filters, tests and global functions are registered by name and as ``ansible.builtin.NAME``
so playbooks written with fully qualified names work too.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

from jinja2 import Template, nodes
from jinja2.lexer import TOKEN_STRING, Lexer
from jinja2.nativetypes import NativeCodeGenerator
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import missing

from ftltui.templating.loader import SearchPathLoader
from ftltui.templating.plugins import wrap_plugin
from ftltui.templating.undefined import ChainedStrictUndefined


class NativeValuesCodeGenerator(NativeCodeGenerator):
    """Jinja2's native code generator without its constant folding, which turns
    ``{{ false }}`` into the text ``"False"`` at compile time (NativeEnvironment parses it
    back; we never parse text back into values)."""

    def _output_child_to_const(self, node: nodes.Expr, frame: Any, finalize: Any) -> Any:
        if isinstance(node, nodes.TemplateData):
            return node.as_const(frame.eval_ctx)
        raise nodes.Impossible()


class LiteralBackslashLexer(Lexer):
    """Backslashes in string literals stay backslashes (``'\\d+'``, ``'\\1'``), as in
    Ansible, where a regex written in a playbook reaches the filter as written. Jinja2
    alone would decode them as Python escapes (``'\\1'`` becoming ``chr(1)``)."""

    def wrap(self, stream: Any, name: str | None = None, filename: str | None = None) -> Any:
        def doubled() -> Any:
            for lineno, token, value in stream:
                if token == TOKEN_STRING:
                    value = value[0] + value[1:-1].replace("\\", "\\\\") + value[-1]
                yield lineno, token, value

        return super().wrap(doubled(), name, filename)


class Overlay(Mapping[str, Any]):
    """``front`` over ``back`` without copying either (a template's locals over the lazy
    variables): values are looked up, so rendered, only when used."""

    __slots__ = ("back", "front")

    def __init__(self, front: Mapping[str, Any], back: Mapping[str, Any]) -> None:
        self.front, self.back = front, back

    def __getitem__(self, key: str) -> Any:
        return self.front[key] if key in self.front else self.back[key]

    def __contains__(self, key: object) -> bool:
        return key in self.front or key in self.back

    def __iter__(self) -> Iterator[str]:
        yield from self.front
        yield from (k for k in self.back if k not in self.front)

    def __len__(self) -> int:
        return sum(1 for _ in self)


class LazyContext(Context):
    """``get_all`` (what ``{% include %}`` and ``{% import ... with context %}`` pass on)
    without copying the variables, which would render every one of them."""

    def get_all(self) -> Any:
        if isinstance(self.parent, dict):
            return super().get_all()
        return Overlay(self.vars, self.parent) if self.vars else self.parent


class LazyTemplate(Template):
    """A template whose context over lazy variables is never copied (see LazyContext)."""

    def new_context(self, vars: Any = None, shared: bool = False, locals: Any = None) -> Context:
        if not shared or vars is None or isinstance(vars, dict):
            return super().new_context(vars, shared, locals)
        parent = vars
        if locals:
            parent = Overlay({k: v for k, v in locals.items() if v is not missing}, vars)
        return self.environment.context_class(self.environment, parent, self.name, self.blocks,
                                              globals=self.globals)


class PlaybookEnvironment(ImmutableSandboxedEnvironment):
    """Sandboxed environment whose templates yield native values (see ``render``)."""

    code_generator_class = NativeValuesCodeGenerator
    context_class = LazyContext
    template_class = LazyTemplate
    # a macro's or a block's output: one value stays itself, several are joined as text
    concat = staticmethod(lambda parts: _concat(parts))

    @property
    def lexer(self) -> Lexer:
        lexer = self.__dict__.get("_playbook_lexer")
        if lexer is None:
            lexer = self.__dict__["_playbook_lexer"] = LiteralBackslashLexer(self)
        return lexer

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        # The sandbox already refuses dunders and internals; also refuse "_private"
        # attributes: nothing a playbook needs starts with an underscore.
        if attr.startswith("_"):
            return False
        return super().is_safe_attribute(obj, attr, value)


def _concat(parts: Any) -> Any:
    from ftltui.templating.render import concat

    return concat(parts)


@cache
def environment() -> PlaybookEnvironment:
    """The shared environment (filters are pure; per-render state lives in the context)."""
    from ftltui.templating import (
        filters_community,
        filters_core,
        filters_data,
        filters_formats,
        filters_text,
        lookups,
        tests,
    )

    env = PlaybookEnvironment(
        undefined=ChainedStrictUndefined,
        keep_trailing_newline=False,  # "{{ n }}\n" is the number n (see render._render_string)
        trim_blocks=True,  # Ansible's defaults for templates
        extensions=["jinja2.ext.loopcontrols", "jinja2.ext.do"],
        loader=SearchPathLoader(),  # {% include %} in template files
        auto_reload=False,
        cache_size=0,  # compiled templates are cached by render.compiled_* (by source text)
    )
    for module in (filters_core, filters_data, filters_formats, filters_text, filters_community):
        env.filters.update(module.FILTERS)
    env.tests.update(tests.TESTS)
    env.globals.update(lookups.GLOBALS)
    tables: list[tuple[str, dict[str, Any]]] = [("filter", env.filters), ("test", env.tests)]
    for kind, table in tables:
        for name in list(table):
            wrapped = wrap_plugin(kind, name, table[name])
            table[name] = wrapped
            if "." not in name:
                table[f"ansible.builtin.{name}"] = wrapped
    return env
