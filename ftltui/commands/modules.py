"""``ftl-tui modules [NAME]``: list every runnable module, or show one module's options.

The list has ftl-tui's native modules, then every module of the Ansible installation
(ansible-core and each collection) with where it comes from. ``NAME`` resolves as Ansible
does (short names, ``ansible.builtin.X``, FQCNs, ``meta/runtime.yml`` redirects); the
options of an Ansible module come from its DOCUMENTATION, and from its argument_spec
where DOCUMENTATION is missing.
"""

from __future__ import annotations

import argparse
import fnmatch
import sys
from typing import Any

from ftltui.commands.common import add_json_arg, examples, print_json, warn
from ftltui.errors import UnknownModuleError

EXAMPLES = examples(
    "ftl-tui modules                          # every module: native, ansible-core, collections",
    "ftl-tui modules 'community.general.*'    # a glob filters the list",
    "ftl-tui modules copy                     # copy's arguments: types, defaults, choices, aliases",
    "ftl-tui modules community.general.ini_file --json",
    "ftl-tui modules lineinfile --ansible     # Ansible's lineinfile instead of the native one",
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("modules", help="list modules or show a module's arguments", description=__doc__,
                       epilog=EXAMPLES)
    p.add_argument("name", nargs="?", help="module to describe (a glob such as 'ns.coll.*' lists matches)")
    p.add_argument("--ansible", action="store_true",
                   help="describe Ansible's implementation even where ftl-tui has a native one")
    p.add_argument("--playbook-dir", metavar="DIR", help="also search DIR/collections and DIR/library, as Ansible "
                   "does for a playbook in DIR")
    add_json_arg(p)
    p.set_defaults(func=handle)


def _native_info(spec: Any) -> dict[str, Any]:
    return {
        "name": spec.name,
        "summary": spec.summary,
        "where": "native",
        "free_form": spec.free_form,
        "needs_python": spec.needs_python,
        "mutually_exclusive": [list(g) for g in spec.mutually_exclusive],
        "required_one_of": [list(g) for g in spec.required_one_of],
        "args": {
            n: {
                "type": a.type, "required": a.required, "default": a.default, "choices": list(a.choices),
                "aliases": list(a.aliases), "secret": a.secret, "help": a.help,
            }
            for n, a in spec.args.items()
        },
    }


def _ansible_info(name: str, playbook_dir: str | None) -> dict[str, Any] | None:
    from ftltui.ansible_modules.docs import module_doc
    from ftltui.ansible_modules.finder import find_module

    src = find_module(name, playbook_dir=playbook_dir)
    if src is None:
        return None
    doc = module_doc(src)
    label = "ansible-core" if src.collection == "ansible.builtin" else src.collection
    return {
        "name": src.fqcn,
        "summary": doc.short_description,
        "where": f"{label} {src.collection_version}" if src.collection_version else label,
        "collection": src.collection,
        "version": src.collection_version,
        "path": src.path,
        "kind": src.kind,
        "redirects": list(src.redirects),
        "deprecation": src.deprecation or _doc_deprecation(doc.deprecated),
        "options_from": doc.source,
        "supports_check_mode": doc.supports_check_mode,
        "free_form": doc.free_form,
        "mutually_exclusive": [list(g) for g in doc.mutually_exclusive],
        "required_one_of": [list(g) for g in doc.required_one_of],
        "required_together": [list(g) for g in doc.required_together],
        "args": {
            n: {
                "type": o.type, "required": o.required, "default": o.default, "choices": list(o.choices),
                "aliases": list(o.aliases), "elements": o.elements, "secret": o.no_log,
                "documented": o.documented, "help": " ".join(o.description.split()),
            }
            for n, o in doc.options.items()
        },
    }


def _doc_deprecation(dep: dict[str, Any] | None) -> str | None:
    """DOCUMENTATION's own ``deprecated:`` block (why, alternative, removal) as one line."""
    if not dep:
        return None
    when = dep.get("removed_in") or dep.get("removed_at_date")
    parts = [str(dep.get("why") or "deprecated").strip().rstrip(".") + "."]
    if dep.get("alternative"):
        parts.append(f"Alternative: {str(dep['alternative']).strip().rstrip('.')}.")
    if when:
        parts.append(f"Removal: {when}.")
    return " ".join(parts)


def describe(name: str, *, ansible: bool = False, playbook_dir: str | None = None) -> dict[str, Any]:
    """A module's description: the native one unless ``ansible`` or there is none."""
    from ftltui import modules
    from ftltui.ansible_modules.finder import short_name

    short = short_name(name)
    if short is not None and modules.canonical(short) in modules.BUILTIN and not ansible:
        native = _native_info(modules.spec(short))
        other = _ansible_info(name, playbook_dir)
        if other is not None:
            native["ansible_alternative"] = {"name": other["name"], "where": other["where"]}
        return native
    info = _ansible_info(name, playbook_dir)
    if info is None:
        raise UnknownModuleError(f"unknown module {name!r}: not native and not found in the Ansible installation "
                                 "(ansible-core, collections_path, ~/.ansible/collections); "
                                 "`ftl-tui modules` lists what is available")
    return info


def _flags(a: dict[str, Any]) -> str:
    flags = ["required"] if a["required"] else []
    if a["default"] is not None:
        flags.append(f"default={a['default']!r}")
    if a["choices"]:
        flags.append("choices=" + "|".join(map(str, a["choices"])))
    if a["aliases"]:
        flags.append("aliases=" + ",".join(a["aliases"]))
    if a.get("elements"):
        flags.append(f"elements={a['elements']}")
    if a["secret"]:
        flags.append("secret")
    return " ".join(flags)


def _print_info(info: dict[str, Any]) -> None:
    out = sys.stdout
    out.write(f"{info['name']}: {info['summary']}\n")
    out.write(f"  from: {info['where']}" + (f" ({info['path']}, {info['kind']})" if info.get("path") else "") + "\n")
    if info.get("redirects"):
        out.write(f"  redirected: {' -> '.join(info['redirects'] + [info['name']])}\n")
    if info.get("deprecation"):
        out.write(f"  [DEPRECATION WARNING]: {info['deprecation']}\n")
    if info.get("options_from"):
        check = {True: "yes", False: "no", None: "unknown"}[info["supports_check_mode"]]
        out.write(f"  options from: {info['options_from']}; check mode: {check}\n")
    if info.get("ansible_alternative"):
        alt = info["ansible_alternative"]
        out.write(f"  Ansible's implementation: {alt['name']} ({alt['where']}); "
                  f"use it with --ansible-module {info['name']}\n")
    if info["free_form"]:
        out.write(f"  free-form argument: {info['free_form']}\n")
    for n, a in info["args"].items():
        help_ = a["help"] if len(a["help"]) <= 100 else a["help"][:99] + "…"
        out.write(f"  {n:<20} {a['type']:<6} {_flags(a)}  {help_}".rstrip() + "\n")
    for key, label in (("mutually_exclusive", "mutually exclusive"), ("required_one_of", "one of required"),
                       ("required_together", "required together")):
        for group in info.get(key) or ():
            out.write(f"  {label}: {', '.join(group)}\n")


def handle(args: argparse.Namespace) -> int:
    from ftltui.ansible_modules.catalog import list_modules

    if args.name and not any(c in args.name for c in "*?["):
        info = describe(args.name, ansible=args.ansible, playbook_dir=args.playbook_dir)
        if args.json:
            print_json(info)
        else:
            _print_info(info)
        return 0
    entries = list_modules(playbook_dir=args.playbook_dir)
    ansible_found = any(e.origin != "native" for e in entries)
    if args.name:
        entries = [e for e in entries if fnmatch.fnmatchcase(e.name, args.name)]
        if not entries:  # an empty list alone reads as "nothing there" on a machine without Ansible
            warn(f"no module matches {args.name!r}" + ("" if ansible_found else
                 ": no Ansible installation found beside ftl-tui (pip install ansible, in ftl-tui's Python)"))
    if args.json:
        print_json([{"name": e.name, "where": e.where, "origin": e.origin, "collection": e.collection,
                     "version": e.version, "summary": e.summary} for e in entries])
        return 0
    width = min(max((len(e.name) for e in entries), default=12), 44)  # a few FQCNs are 120 characters
    where_width = min(max((len(e.where) for e in entries), default=6), 30)
    lines = [f"{e.name:<{width}}  {e.where:<{where_width}}  {e.summary}".rstrip() + "\n" for e in entries]
    sys.stdout.write("".join(lines))
    return 0
