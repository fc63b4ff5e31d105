"""``ftl-tui config``: the effective Ansible configuration and where each setting came from.

Like ``ansible-config dump --only-changed``: one line per setting, ``NAME(ORIGIN) = VALUE``,
where ORIGIN is ``/path/ansible.cfg:LINE``, ``env: ANSIBLE_X`` or ``default``. ``--all``
lists every setting ftl-tui reads; ``--json`` gives name, value and origin per setting.
"""

from __future__ import annotations

import argparse

from ftltui.commands.common import add_json_arg, config_of, examples, print_json, write_out
from ftltui.engine.sanitize import safe_text

EXAMPLES = examples(
    "ftl-tui config                 # settings changed from the defaults, with their origin",
    "ftl-tui config --all           # every setting ftl-tui reads",
    "ftl-tui config --json",
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("config", help="show the effective ansible.cfg settings and their origins",
                       description=__doc__, epilog=EXAMPLES)
    p.add_argument("--all", action="store_true", help="every setting, defaults too (default: only changed ones)")
    add_json_arg(p)
    p.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    cfg = config_of(args)
    if args.json:
        print_json({name: {"origin": origin, "value": value}
                    for name, origin, value in cfg.dump(only_changed=not args.all)})
        return 0
    write_out("\n".join(safe_text(line) for line in cfg.dump_lines(only_changed=not args.all)) + "\n")
    return 0
