"""``ftl-tui modules [NAME]``: list modules, or show one module's arguments."""

from __future__ import annotations

import argparse
import sys

from ftltui.commands.common import add_json_arg, examples, print_json
from ftltui.errors import UnknownModuleError

EXAMPLES = examples(
    "ftl-tui modules              # every module with its summary",
    "ftl-tui modules copy         # copy's arguments: types, defaults, choices, aliases",
    "ftl-tui modules copy --json  # the same, for scripts",
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("modules", help="list modules or show a module's arguments", description=__doc__,
                       epilog=EXAMPLES)
    p.add_argument("name", nargs="?", help="module to describe")
    add_json_arg(p)
    p.set_defaults(func=handle)


def describe(name: str) -> dict:
    from ftltui import modules

    try:
        spec = modules.spec(name)
    except KeyError:
        raise UnknownModuleError(f"unknown module {name!r} (known: {', '.join(modules.available())})") from None
    return {
        "name": spec.name,
        "summary": spec.summary,
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


def handle(args: argparse.Namespace) -> int:
    from ftltui import modules

    if args.name:
        info = describe(args.name)
        if args.json:
            print_json(info)
            return 0
        out = sys.stdout
        out.write(f"{info['name']}: {info['summary']}\n")
        if info["free_form"]:
            out.write(f"  free-form argument: {info['free_form']}\n")
        for n, a in info["args"].items():
            flags = ["required"] if a["required"] else []
            if a["default"] is not None:
                flags.append(f"default={a['default']!r}")
            if a["choices"]:
                flags.append("choices=" + "|".join(map(str, a["choices"])))
            if a["aliases"]:
                flags.append("aliases=" + ",".join(a["aliases"]))
            if a["secret"]:
                flags.append("secret")
            out.write(f"  {n:<20} {a['type']:<6} {' '.join(flags)}  {a['help']}\n".rstrip() + "\n")
        for group in info["mutually_exclusive"]:
            out.write(f"  mutually exclusive: {', '.join(group)}\n")
        return 0
    names = modules.available()
    if args.json:
        print_json([{"name": n, "summary": modules.spec(n).summary} for n in names])
        return 0
    for n in names:
        sys.stdout.write(f"{n:<12} {modules.spec(n).summary}\n")
    return 0
