"""``{{ var }}`` in module arguments, rendered per host in Jinja2's sandbox.

Ansible users expect ``{{ inventory_hostname }}``, ``{{ hostvars[h].x }}`` and their own
vars to work. Undefined variables are errors that name the variable, the host and
the argument, never a silent empty string.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Iterator

from ftltui.errors import TemplateError

if TYPE_CHECKING:
    from ftltui.engine.host_source import HostSource
    from ftltui.inventory.model import Host


# Jinja2 is imported on the first template, not with the engine: importing it costs
# ~22 ms on the critical path of every headless run, and most runs template nothing.
@lru_cache(maxsize=None)
def _env() -> Any:
    """The sandbox with the filters and tests playbooks have (``b64encode``, ``to_json``,
    ``regex_replace`` ..., plain and ``ansible.builtin.``), taken from the one place that
    builds them (:func:`ftltui.templating.environment.environment`). Ad-hoc runs,
    ``:run``, workflow steps and the ``template`` module had only Jinja2's own, so
    ``-a 'echo {{ "abc" | b64encode }}'`` failed where ``ansible`` and a playbook print
    ``YWJj`` (hR #2). ``lookup``/``query``/``q`` too, files relative to the working
    directory, as in ``ansible`` ad-hoc (they were undefined)."""
    from jinja2 import StrictUndefined
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    from ftltui.templating.environment import environment as shared_environment
    from ftltui.templating.lookups import STANDALONE_GLOBALS

    env = ImmutableSandboxedEnvironment(undefined=StrictUndefined, keep_trailing_newline=True)
    shared = shared_environment()
    env.filters.update(shared.filters)
    env.tests.update(shared.tests)
    env.globals.update(STANDALONE_GLOBALS)
    return env


def _is_unsafe(value: str) -> bool:
    from ftltui.templating.lazyvars import UnsafeText

    return isinstance(value, UnsafeText)


# Compiled templates by source text: the same argument (``/tmp/{{ inventory_hostname }}``)
# is rendered for every host, and compiling it was 4 % of a 50-host run. Compiled
# templates are immutable and render with any context, so sharing them is safe.
@lru_cache(maxsize=512)
def _compiled_expression(source: str) -> Any:
    return _env().compile_expression(source, undefined_to_none=False)


@lru_cache(maxsize=512)
def _compiled_template(source: str) -> Any:
    return _env().from_string(source)


def has_template(value: Any) -> bool:
    if isinstance(value, str):
        return ("{{" in value or "{%" in value) and not _is_unsafe(value)
    if isinstance(value, Mapping):
        return any(has_template(k) or has_template(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(has_template(v) for v in value)
    return False


class _HostVars(Mapping[str, Any]):
    """``hostvars``: other hosts' vars, built only when a template asks for one."""

    def __init__(self, inventory: HostSource, facts: Mapping[str, dict[str, Any]]) -> None:
        self._inv = inventory
        self._facts = facts

    def __getitem__(self, name: str) -> Any:
        host = self._inv.hosts.get(name)
        if host is None:
            raise KeyError(name)
        return _LazyContext(host_context(host, self._inv, self._facts, with_hostvars=False))

    def __iter__(self) -> Iterator[str]:
        return iter(self._inv.hosts)

    def __len__(self) -> int:
        return len(self._inv.hosts)


def host_context(
    host: Host, inventory: HostSource | None, facts: Mapping[str, dict[str, Any]], *, with_hostvars: bool = True
) -> dict[str, Any]:
    """The variables a template sees on ``host``: merged vars, magic vars, last facts."""
    ctx: dict[str, Any] = {}
    host_facts, facts_view = _unsafe_facts(host.name, facts.get(host.name) or {})
    ctx.update(host_facts)  # ansible_* facts at top level, as with INJECT_FACTS_AS_VARS
    ctx["ansible_facts"] = facts_view
    ctx.update(host.vars)
    ctx["inventory_hostname"] = host.name
    ctx["inventory_hostname_short"] = host.name.split(".")[0]
    ctx["group_names"] = sorted(g for g in host.groups if g not in ("all", "ungrouped"))
    if inventory is not None:
        ctx["groups"] = _groups_of(inventory)
        if with_hostvars:
            ctx["hostvars"] = _HostVars(inventory, facts)
    return ctx


# Facts marked unsafe, per host while its facts dict is the same object (kept, so the
# identity check is sound): a run renders the same facts for every task of a host, and
# one entry per host bounds the memory (a new gather replaces the host's entry).
_UNSAFE: dict[str, tuple[Mapping[str, Any], dict[str, Any], dict[str, Any]]] = {}


def _unsafe_facts(host: str, host_facts: Mapping[str, Any]) -> tuple[Mapping[str, Any], dict[str, Any]]:
    """The host's facts marked unsafe, and the same as ``ansible_facts`` (prefix dropped):
    the same objects while the facts are, so a render's plain-value test remembers them."""
    if not host_facts:
        return host_facts, {}
    hit = _UNSAFE.get(host)
    if hit is not None and hit[0] is host_facts:
        return hit[1], hit[2]
    from ftltui.templating.lazyvars import unsafe

    marked: dict[str, Any] = unsafe(host_facts)
    view = {k.removeprefix("ansible_"): v for k, v in marked.items()}
    _UNSAFE[host] = (host_facts, marked, view)
    return marked, view


# ``groups`` is the same for every host of an inventory: built once per inventory object
# (a reload makes a new object), not once per host render, which made templating a run
# on N hosts cost N x groups pattern selections.
_GROUPS: weakref.WeakKeyDictionary[HostSource, dict[str, list[str]]] = weakref.WeakKeyDictionary()


def _groups_of(inventory: HostSource) -> dict[str, list[str]]:
    try:
        return _GROUPS[inventory]
    except (KeyError, TypeError):
        pass
    groups = dict(inventory.groups_magic())
    groups.setdefault("all", list(inventory.hosts))
    try:
        _GROUPS[inventory] = groups
    except TypeError:  # not weak-referenceable: just don't cache
        pass
    return groups


def _needs_render(value: Any) -> bool:
    """Does a variable's value hold a template? The playbook Templar's test: plain dicts
    and lists walked (other mappings, ``hostvars``, render their own values when asked),
    and big values found plain remembered by identity (a host's facts are read by every
    render: walking them each time made a render 5x slower)."""
    from ftltui.templating.render import is_template

    return is_template(value)


class _LazyContext(Mapping[str, Any]):
    """The variables a render sees, each rendered once, when a template looks it up, in
    this host's context (``a: "{{ b }}"``, ``b: 1``), as the playbook Templar does.

    The output of a render is never rendered again (Ansible 2.19 does not either). It
    was: the old loop rendered a result while it still held ``{{``, so a host's fact
    holding ``{{ lookup('pipe', ...) }}`` that passed through a filter (``| trim``,
    ``~ ''``: the unsafe mark lost) ran a command on the controller (hR s11 #1)."""

    __slots__ = ("_done", "_resolving", "_vars")

    def __init__(self, variables: Mapping[str, Any], resolving: Any = None) -> None:
        from ftltui.templating.lazyvars import Resolving

        self._vars = variables
        self._resolving = resolving if resolving is not None else Resolving()
        self._done: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        try:
            raw = self._vars[name]
        except KeyError:
            return _env().globals[name]
        if not _needs_render(raw):
            return raw
        try:
            return self._done[name]
        except KeyError:
            pass
        self._resolving.enter(name)  # loops and runaway nesting are errors that name the chain
        try:
            value = self._done[name] = self._resolve(raw)
        finally:
            self._resolving.leave()
        return value

    def _resolve(self, raw: Any) -> Any:
        if isinstance(raw, str):
            return _render_once(raw, self) if _needs_render(raw) else raw
        if isinstance(raw, dict):
            return {k: self._resolve(v) for k, v in raw.items()}
        if isinstance(raw, (list, tuple)):
            return [self._resolve(v) for v in raw]
        return raw

    def __contains__(self, name: object) -> bool:  # Jinja2 asks before it reads: never render here
        return name in self._vars or name in _env().globals

    def __iter__(self) -> Iterator[str]:
        return iter(self._vars)

    def __len__(self) -> int:
        return len(self._vars)


def render_string(text: str, context: Mapping[str, Any], *, host: str, arg: str) -> Any:
    """Render one string, once; a string that is exactly one ``{{ expr }}`` keeps the
    value's type. Variables are rendered when looked up (:class:`_LazyContext`)."""
    from jinja2 import TemplateSyntaxError, UndefinedError

    from ftltui.templating.plugins import PluginFailed

    if not has_template(text):
        return text
    try:
        return _render_once(text, _LazyContext(context))
    except UndefinedError as exc:
        raise TemplateError(f"host {host}: argument {arg!r}: {exc.message}") from None
    except TemplateSyntaxError as exc:
        raise TemplateError(f"host {host}: argument {arg!r}: template syntax error: {exc.message}") from None
    except (PluginFailed, TemplateError) as exc:  # a lookup's own words (not found, failed), a loop
        raise TemplateError(f"host {host}: argument {arg!r}: {exc}") from None
    except Exception as exc:  # sandbox violations, type errors inside filters ...
        raise TemplateError(f"host {host}: argument {arg!r}: {type(exc).__name__}: {exc}") from None


def _render_once(value: str, context: _LazyContext) -> Any:
    """One render of ``value`` over ``context`` (shared, not copied, so lookups stay lazy)."""
    from jinja2 import UndefinedError

    stripped = value.strip()
    if stripped.startswith("{{") and stripped.endswith("}}") and stripped.count("{{") == 1:
        template = _compiled_expression(stripped[2:-2].strip())._template  # jinja2.TemplateExpression's
        ctx = template.new_context(context, shared=True)
        for _ in template.root_render_func(ctx):
            pass
        result = ctx.vars["result"]
        if hasattr(result, "_undefined_name"):  # StrictUndefined leaks through expressions
            raise UndefinedError(f"'{result._undefined_name}' is undefined")
        return result
    template = _compiled_template(value)
    return "".join(template.root_render_func(template.new_context(context, shared=True)))


def render_args(args: Any, context: Mapping[str, Any], *, host: str, arg: str = "") -> Any:
    """Render every string inside ``args`` (dicts and lists walked recursively)."""
    if isinstance(args, str):
        return render_string(args, context, host=host, arg=arg)
    if isinstance(args, Mapping):
        return {k: render_args(v, context, host=host, arg=f"{arg}.{k}" if arg else str(k)) for k, v in args.items()}
    if isinstance(args, (list, tuple)):
        return [render_args(v, context, host=host, arg=f"{arg}[{i}]") for i, v in enumerate(args)]
    return args


def render_template_file(source: str, context: Mapping[str, Any], *, host: str, path: str) -> str:
    """Render a template file's text (the ``template`` module, on the controller)."""
    from jinja2 import TemplateSyntaxError, UndefinedError

    try:
        template = _compiled_template(source)
        return "".join(template.root_render_func(template.new_context(_LazyContext(context), shared=True)))
    except UndefinedError as exc:
        raise TemplateError(f"host {host}: template {path}: {exc.message}") from None
    except TemplateSyntaxError as exc:
        raise TemplateError(f"host {host}: template {path}:{exc.lineno}: {exc.message}") from None
