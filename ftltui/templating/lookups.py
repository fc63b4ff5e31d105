"""Lookups: ``lookup('name', ...)``, ``query``/``q`` and the runner's ``with_<name>`` loops.

Each lookup takes the Templar (for files relative to the playbook and roles, and for
variables) and the list of terms, and returns a list. ``lookup()`` turns that list into
one value as Ansible does (strings joined with commas); ``query()`` keeps the list.
Written from ``ansible-doc -t lookup NAME`` (ansible-core 2.19); files are looked up in
the search paths' ``files/`` (``templates/`` for ``template``) and then the paths
themselves, after the playbook's directory.
"""

from __future__ import annotations

import glob
import itertools
import os
import random
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import pass_context
from jinja2.exceptions import SecurityError, UndefinedError

from ftltui.errors import TemplateError
from ftltui.templating.filters_core import FilterError
from ftltui.templating.lookup_files import (
    find_file,
    first_found,
    lookup_password,
    sequence,
)
from ftltui.templating.omit import OMIT
from ftltui.templating.plugins import PluginFailed, reason

if TYPE_CHECKING:
    from ftltui.templating.render import Templar

Lookup = Callable[..., list[Any]]


class VariableNotFound(LookupError):
    """``lookup('vars', 'x')`` of a variable that does not exist (reported as is)."""


def _env(templar: Templar, terms: list[Any], default: Any = "") -> list[Any]:
    return [os.environ.get(str(t), default) for t in terms]


def _file(templar: Templar, terms: list[Any], lstrip: bool = False, rstrip: bool = True) -> list[Any]:
    out = []
    for term in terms:
        text = find_file(templar, str(term), "files", "file").read_text(encoding="utf-8", errors="surrogateescape")
        text = text.lstrip() if lstrip else text
        out.append(text.rstrip() if rstrip else text)
    return out


def _template(templar: Templar, terms: list[Any], template_vars: Mapping[str, Any] | None = None,
              convert_data: bool = True, **_: Any) -> list[Any]:
    out = []
    for term in terms:
        path = find_file(templar, str(term), "templates", "template")
        extra = {"template_path": str(path), "template_fullpath": str(path.resolve())}
        child = templar.with_vars({**extra, **(template_vars or {})})
        out.append(child.render_file(path.read_text(encoding="utf-8"), path=path))
    return out


def _vars(templar: Templar, terms: list[Any], default: Any = None) -> list[Any]:
    out = []
    context = templar.context_vars
    for term in terms:
        if not isinstance(term, str):
            raise FilterError(f"vars lookup: invalid variable name {term!r}: expected a string")
        if term in templar.variables:
            value = context[term]
        elif default is not None:
            value = default
        else:
            raise VariableNotFound(f"No variable named {term!r} was found.")
        if hasattr(value, "_fail_with_undefined_error"):
            value._fail_with_undefined_error()
        out.append(value)
    return out


def _run_shell(command: str, base_dir: Path) -> str:
    proc = subprocess.run(command, shell=True, cwd=base_dir, stdout=subprocess.PIPE, check=False)
    if proc.returncode != 0:
        raise FilterError(f"pipe lookup: command {command!r} exited with rc={proc.returncode}")
    return proc.stdout.decode("utf-8", errors="surrogateescape")


def _pipe(templar: Templar, terms: list[Any]) -> list[Any]:
    return [_run_shell(str(t), templar.base_dir).rstrip() for t in terms]


def _lines(templar: Templar, terms: list[Any]) -> list[Any]:
    out: list[Any] = []
    for term in terms:
        out.extend(_run_shell(str(term), templar.base_dir).splitlines())
    return out


def _fileglob(templar: Templar, terms: list[Any]) -> list[Any]:
    out: list[Any] = []
    for term in terms:
        pattern = str(term)
        if os.path.isabs(pattern):
            roots = [Path(os.path.dirname(pattern))]
        else:
            roots = [p / "files" for p in (*templar.search_paths, templar.base_dir)]
            roots += [*templar.search_paths, templar.base_dir]
        for root in roots:
            found = [f for f in (glob.glob(str(root / os.path.basename(pattern))
                                                 if os.path.isabs(pattern) else str(root / pattern)))
                     if os.path.isfile(f)]
            if found:
                out.extend(found)
                break
    return out


def _items(templar: Templar, terms: list[Any]) -> list[Any]:
    out: list[Any] = []
    for term in terms:
        out.extend(term if isinstance(term, list) else [term])
    return out


def _flattened(templar: Templar, terms: list[Any]) -> list[Any]:
    out: list[Any] = []
    for term in terms:
        if isinstance(term, (list, tuple)):
            out.extend(_flattened(templar, list(term)))
        elif term not in (None, "None", "null"):
            out.append(term)
    return out


def _dict(templar: Templar, terms: list[Any]) -> list[Any]:
    out: list[Any] = []
    for term in terms:
        if not isinstance(term, Mapping):
            raise FilterError(f"with_dict expects a dict, got {type(term).__name__}")
        out.extend({"key": k, "value": v} for k, v in term.items())
    return out


def _indexed_items(templar: Templar, terms: list[Any]) -> list[Any]:
    return [[i, v] for i, v in enumerate(_items(templar, terms))]


def _together(templar: Templar, terms: list[Any]) -> list[Any]:
    if not terms:
        raise FilterError("with_together requires at least one element in each list")
    return [list(t) for t in itertools.zip_longest(*terms, fillvalue=None)]


def _nested(templar: Templar, terms: list[Any]) -> list[Any]:
    if not terms:
        raise FilterError("with_nested requires at least one element in the nested list")
    return [list(t) for t in itertools.product(*[t if isinstance(t, list) else [t] for t in terms])]


def _random_choice(templar: Templar, terms: list[Any]) -> list[Any]:
    return [random.SystemRandom().choice(terms)] if terms else []


def _subelements(templar: Templar, terms: list[Any], **_: Any) -> list[Any]:
    from ftltui.templating.filters_data import subelements

    if len(terms) not in (2, 3):
        raise FilterError("subelements lookup expects a list of two or three items: the list, the key, flags")
    flags = terms[2] if len(terms) == 3 and isinstance(terms[2], Mapping) else {}
    return subelements(terms[0], str(terms[1]), skip_missing=bool(flags.get("skip_missing", False)))


def _varnames(templar: Templar, terms: list[Any]) -> list[Any]:
    import re

    return [n for t in terms for n in templar.variables if re.search(str(t), n)]


LOOKUPS: dict[str, Lookup] = {
    "env": _env, "file": _file, "template": _template, "vars": _vars, "pipe": _pipe, "lines": _lines,
    "fileglob": _fileglob, "first_found": first_found, "items": _items, "list": lambda t, terms: list(terms),
    "dict": _dict, "sequence": sequence, "password": lookup_password, "indexed_items": _indexed_items,
    "together": _together, "nested": _nested, "flattened": _flattened, "random_choice": _random_choice,
    "subelements": _subelements, "varnames": _varnames,
}


def _as_terms(terms: Any) -> list[Any]:
    if isinstance(terms, list):
        return terms
    if isinstance(terms, tuple):
        return list(terms)
    return [terms]


def run_lookup(templar: Templar, name: str, terms: Any, kwargs: dict[str, Any], *, wantlist: bool) -> Any:
    """Run one lookup; ``errors`` (strict, warn, ignore) as in Ansible."""
    short = name.removeprefix("ansible.builtin.")
    func = LOOKUPS.get(short)
    if func is None:
        raise TemplateError(f"The lookup plugin {name!r} was not found (ftl-tui has: {', '.join(sorted(LOOKUPS))}).")
    errors = kwargs.pop("errors", "strict")
    try:
        ran = func(templar, _as_terms(terms), **kwargs)
    except (UndefinedError, SecurityError):
        raise
    except Exception as exc:
        if errors in ("ignore", "warn"):
            return [] if wantlist else None
        if isinstance(exc, VariableNotFound):
            raise TemplateError(exc.args[0]) from None
        if isinstance(exc, TemplateError):  # a template file's own error names its cause
            raise
        raise PluginFailed(f"The lookup plugin {name!r} failed: {reason(short, exc)}") from None
    if wantlist or not ran:
        return ran
    if all(isinstance(v, str) for v in ran):
        return ",".join(ran)
    return ran[0] if len(ran) == 1 else ran


def _templar_of(context: Any) -> Templar:
    templar = getattr(context.parent, "templar", None)
    if templar is None:
        raise TemplateError("lookups need a Templar context")
    return templar


def _templar_here(context: Any) -> Templar:
    """A render outside the playbook runner (ad-hoc arguments, the ``template`` module of
    ``ftl-tui run``): a Templar over the template's variables, files relative to the
    current directory, as ``ansible`` ad-hoc (its base directory is the working one)."""
    templar = getattr(context.parent, "templar", None)
    if templar is not None:
        return templar
    from ftltui.templating.render import Templar

    return Templar(context.get_all(), base_dir=Path.cwd())


@pass_context
def _lookup_here(context: Any, name: str, *terms: Any, wantlist: bool = False, **kwargs: Any) -> Any:
    return run_lookup(_templar_here(context), name, list(terms), kwargs, wantlist=wantlist)


@pass_context
def _query_here(context: Any, name: str, *terms: Any, **kwargs: Any) -> list[Any]:
    kwargs.pop("wantlist", None)
    return run_lookup(_templar_here(context), name, list(terms), kwargs, wantlist=True)


# ``lookup``/``query``/``q`` for environments that render plain variable mappings (the
# engine's ad-hoc templating): the same lookups the playbook runner has.
STANDALONE_GLOBALS: dict[str, Any] = {"lookup": _lookup_here, "query": _query_here, "q": _query_here}


@pass_context
def lookup(context: Any, name: str, *terms: Any, wantlist: bool = False, **kwargs: Any) -> Any:
    return run_lookup(_templar_of(context), name, list(terms), kwargs, wantlist=wantlist)


@pass_context
def query(context: Any, name: str, *terms: Any, **kwargs: Any) -> list[Any]:
    kwargs.pop("wantlist", None)
    return run_lookup(_templar_of(context), name, list(terms), kwargs, wantlist=True)


GLOBALS: dict[str, Any] = {"lookup": lookup, "query": query, "q": query, "omit": OMIT}
