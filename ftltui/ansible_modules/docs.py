"""An Ansible module's options, read from its file: DOCUMENTATION first, argument_spec to fill in.

Why both: ``ansible-doc`` shows DOCUMENTATION (with its doc fragments merged), which is
what users read, while ``AnsibleModule(argument_spec=...)`` is what the module enforces
at run time (``no_log`` lives only there; a few options are undocumented). Both are read
as text (``ast`` for the Python, YAML for the strings); nothing is imported or executed.
"""

from __future__ import annotations

import ast
import os
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import yaml

from ftltui.ansible_modules.argspec import ArgSpec, read_argument_spec
from ftltui.ansible_modules.docfrag import merge_fragments
from ftltui.ansible_modules.finder import AnsibleModuleSource
from ftltui.ansible_modules.rules import ArgRules, rules_from
from ftltui.modules.base import ArgumentError, ModuleSpec

try:
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader


# ansible-core modules whose action plugin checks the arguments before the module does, with
# its own words ("src (or content) is required"): the controller leaves them to the action
ACTION_CHECKS_FIRST = frozenset(f"ansible.builtin.{n}" for n in (
    "copy", "unarchive", "assemble", "async_status", "template", "fetch"))


@dataclass(frozen=True)
class OptionDoc:
    """One option as Ansible documents it (``type`` defaults to ``str`` as in ansible-doc)."""

    name: str
    type: str = "str"
    required: bool = False
    default: Any = None
    choices: tuple[Any, ...] = ()
    aliases: tuple[str, ...] = ()
    elements: str | None = None
    no_log: bool = False
    description: str = ""
    suboptions: tuple[str, ...] = ()
    documented: bool = True  # False: only in argument_spec


@dataclass(frozen=True)
class ModuleDoc:
    """What ``ftl-tui modules NAME`` shows and the run form is built from."""

    name: str
    short_description: str
    options: dict[str, OptionDoc]
    source: str  # "DOCUMENTATION", "argument_spec", "DOCUMENTATION+argument_spec" or "none"
    mutually_exclusive: tuple[tuple[str, ...], ...] = ()
    required_one_of: tuple[tuple[str, ...], ...] = ()
    required_together: tuple[tuple[str, ...], ...] = ()
    supports_check_mode: bool | None = None
    free_form: str | None = None
    deprecated: dict[str, Any] | None = None
    notes: tuple[str, ...] = field(default=())
    rules: ArgRules | None = None  # checked on the controller with Ansible's messages (None: no argument_spec)


def _text(value: Any) -> str:
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return "" if value is None else str(value)


def documentation_of(path: str) -> dict[str, Any] | None:
    """The module's DOCUMENTATION parsed as YAML, or None when absent or unreadable."""
    docs_path = path
    if path.endswith(".ps1"):  # Windows modules document themselves in a .py (or .yml) beside the .ps1
        stem = path[:-4]
        docs_path = next((p for p in (stem + ".py", stem + ".yml", stem + ".yaml") if os.path.isfile(p)), "")
        if docs_path.endswith((".yml", ".yaml")):
            return _yaml_file_doc(docs_path)
    if not docs_path:
        return None
    try:
        with open(docs_path, "rb") as fh:
            tree = ast.parse(fh.read())
    except (OSError, SyntaxError, ValueError):
        return None
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "DOCUMENTATION" for t in node.targets):
            if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                try:
                    doc = yaml.load(node.value.value, Loader=_Loader)
                except yaml.YAMLError:
                    return None
                return doc if isinstance(doc, dict) else None
    return None


def _yaml_file_doc(path: str) -> dict[str, Any] | None:
    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.load(fh, Loader=_Loader)
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return None
    doc = data.get("DOCUMENTATION") if isinstance(data, dict) else None
    return doc if isinstance(doc, dict) else None


def _option(name: str, raw: dict[str, Any]) -> OptionDoc:
    choices = raw.get("choices") or ()
    if isinstance(choices, dict):  # newer docs: {choice: description}
        choices = tuple(choices)
    sub = raw.get("suboptions") or raw.get("options") or {}
    return OptionDoc(
        name=name,
        type=str(raw.get("type") or "str"),
        required=bool(raw.get("required", False)),
        default=raw.get("default"),
        choices=tuple(choices) if isinstance(choices, (list, tuple)) else (),
        aliases=tuple(str(a) for a in raw.get("aliases") or ()),
        elements=str(raw["elements"]) if raw.get("elements") else None,
        description=_text(raw.get("description")),
        suboptions=tuple(sub) if isinstance(sub, dict) else (),
    )


def _from_argspec(name: str, a: dict[str, Any]) -> OptionDoc:
    return OptionDoc(
        name=name, type=str(a.get("type") or "str"), required=bool(a.get("required", False)),
        default=a.get("default"), choices=tuple(a.get("choices") or ()),
        aliases=tuple(str(x) for x in a.get("aliases") or ()),
        elements=str(a["elements"]) if a.get("elements") else None, no_log=bool(a.get("no_log", False)),
        documented=False,
    )


def _combine(doc_opt: OptionDoc, a: dict[str, Any]) -> OptionDoc:
    """A documented option with what only the argument_spec knows (no_log, extra aliases)."""
    aliases = doc_opt.aliases + tuple(str(x) for x in a.get("aliases") or () if str(x) not in doc_opt.aliases)
    return OptionDoc(**{**doc_opt.__dict__, "aliases": aliases, "no_log": bool(a.get("no_log", False))})


def module_doc(src: AnsibleModuleSource) -> ModuleDoc:
    """The option list of a located module (cached per file version)."""
    try:
        mtime = os.stat(src.path).st_mtime_ns
    except OSError:
        mtime = 0
    return _module_doc(src.fqcn, src.path, src.root, mtime)


@lru_cache(maxsize=256)
def _module_doc(fqcn: str, path: str, root: str, _mtime: int) -> ModuleDoc:
    doc = documentation_of(path)
    if doc is not None:
        doc = merge_fragments(doc, path)
    spec: ArgSpec | None = read_argument_spec(path) if not path.endswith(".ps1") else None
    options: dict[str, OptionDoc] = {}
    raw_opts = (doc or {}).get("options") or {}
    if isinstance(raw_opts, dict):
        for n, raw in raw_opts.items():
            options[str(n)] = _option(str(n), raw if isinstance(raw, dict) else {})
    if spec is not None:
        for n, a in spec.options.items():
            options[n] = _combine(options[n], a) if n in options else _from_argspec(n, a)
    source = "+".join(s for s, ok in (("DOCUMENTATION", doc is not None), ("argument_spec", spec is not None)) if ok)
    free_form = "_raw_params" if "_raw_params" in options else None
    return ModuleDoc(
        name=fqcn,
        short_description=_text((doc or {}).get("short_description")),
        options=options,
        source=source or "none",
        mutually_exclusive=spec.mutually_exclusive if spec else (),
        required_one_of=spec.required_one_of if spec else (),
        required_together=spec.required_together if spec else (),
        supports_check_mode=spec.supports_check_mode if spec else None,
        free_form=free_form,
        deprecated=(doc or {}).get("deprecated") if isinstance((doc or {}).get("deprecated"), dict) else None,
        notes=tuple(_text(n) for n in (doc or {}).get("notes") or ()),
        rules=rules_from(spec.options, options, spec.rule_keywords)
        if spec is not None and fqcn not in ACTION_CHECKS_FIRST else None,
    )


# -- as a ModuleSpec: the native validation, the CLI and the run form use it -------------------


class DocSpec(ModuleSpec):
    """An Ansible module's options as a ModuleSpec, plus its ``rules`` (Ansible's own checks and messages)."""

    __slots__ = ("rules",)
    _FIELDS = ModuleSpec._FIELDS + __slots__
    rules: ArgRules | None

    def __init__(self, rules: ArgRules | None, **fields: Any) -> None:
        plain = ModuleSpec(**fields)
        self._init({**{f: getattr(plain, f) for f in ModuleSpec._FIELDS}, "rules": rules})

    def precheck(self, args: dict[str, Any], templated: bool) -> None:
        """Ansible's rules first, with Ansible's messages, then the declared options' checks."""
        problem = self.rules.violation(args) if self.rules is not None else None
        if problem:
            raise ArgumentError(f"{self.name}: {problem}")
        super().precheck(args, templated)


# Ansible types -> the types ftl-tui's validate_args knows. Looser where Ansible is looser:
# a dict option accepts "k=v" or JSON text in Ansible, so it is validated as raw here (the
# module converts it on the host); bytes/bits/sid are strings with a unit or a format.
_TYPE_MAP = {"str": "str", "path": "path", "int": "int", "float": "float", "bool": "bool", "list": "list",
             "dict": "raw", "raw": "raw", "json": "raw", "jsonarg": "raw", "bytes": "str", "bits": "str", "sid": "str"}


def _choices(kind: str, choices: tuple[Any, ...]) -> tuple[Any, ...]:
    """Choices the controller can check exactly as the module will; others are left to the module."""
    if not choices or kind in ("bool", "raw", "list"):
        return ()
    if kind in ("str", "path"):
        return tuple(str(c) if not isinstance(c, bool) else ("yes" if c else "no") for c in choices)
    return choices


def _summary(text: str, limit: int = 100) -> str:
    text = " ".join(text.split())
    first = text.split(". ")[0]
    return first if len(first) <= limit else first[: limit - 1] + "…"


def to_spec(doc: ModuleDoc, requested: str | None = None) -> Any:
    """A :class:`ftltui.modules.base.ModuleSpec` for an Ansible module (name: its FQCN)."""
    from ftltui.modules.base import Arg

    args = {}
    for name, o in doc.options.items():
        kind = _TYPE_MAP.get(o.type, "raw")
        elements = _TYPE_MAP.get(o.elements or "", None) if kind == "list" else None
        args[name] = Arg(type=kind, required=o.required, default=o.default, choices=_choices(kind, o.choices),
                         aliases=o.aliases, secret=o.no_log, elements=elements if elements != "raw" else None,
                         help=_summary(o.description))
    known = set(args) | {a for o in doc.options.values() for a in o.aliases}

    def groups(gs: tuple[tuple[str, ...], ...]) -> tuple[tuple[str, ...], ...]:
        return tuple(g for g in gs if set(g) <= known)  # a group naming an unknown option is the module's business

    # Ansible fills non-None defaults before it checks required_one_of/required_together
    # (mutually_exclusive is checked before): a defaulted member is always present.
    defaulted = {n for n, o in doc.options.items() if o.default is not None}
    one_of = tuple(g for g in groups(doc.required_one_of) if not set(g) & defaulted)
    together = []
    for g in groups(doc.required_together):
        if set(g) & defaulted:  # the group is always "started": every other member is required
            for n in g:
                if n not in defaulted and n in args:
                    a = args[n]
                    args[n] = Arg(type=a.type, required=True, default=a.default, choices=a.choices, aliases=a.aliases,
                                  secret=a.secret, elements=a.elements, help=a.help)
        else:
            together.append(g)

    return DocSpec(
        doc.rules,
        name=doc.name,
        summary=doc.short_description or doc.name,
        args=args,
        mutually_exclusive=groups(doc.mutually_exclusive),
        required_one_of=one_of,
        required_together=tuple(together),
        needs_python=True,
        free_form=doc.free_form,
        aliases=(requested,) if requested and requested != doc.name else (),
    )


def ansible_spec(name: str, *, collections_paths: tuple[str, ...] = (), playbook_dir: str | None = None) -> Any:
    """The ModuleSpec of the Ansible module ``name``, or None when no installed Ansible has it.

    Raises :class:`ftltui.ansible_modules.finder.ModuleRemovedError` for a removed module.
    """
    from ftltui.ansible_modules.finder import find_module

    src = find_module(name, collections_paths=collections_paths, playbook_dir=playbook_dir)
    if src is None:
        return None
    return to_spec(module_doc(src), requested=name)


def controller_spec(name: str, *, playbook_dir: str | None = None) -> Any:
    """On the controller: a native module's spec, else an installed Ansible module's.

    ``KeyError`` when neither exists; :class:`ftltui.ansible_modules.finder.ModuleRemovedError`
    for a removed (tombstoned) module.
    """
    from ftltui import modules

    try:
        return modules.spec(name)
    except KeyError:
        pass
    found = ansible_spec(name, playbook_dir=playbook_dir)
    if found is None:
        raise KeyError(name)
    return found
