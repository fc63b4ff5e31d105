"""Collection filters and tests a playbook names that ftl-tui cannot run, found at load
time (so at ``--syntax-check``) instead of when a task renders them.

Collection plugins import ``ansible``, which ftl-tui never imports; it implements the
builtin ones and the most used ``community.general`` filters
(``jinja/filters_community.py``). A fully qualified filter (``| ns.coll.name``) or test
(``is ns.coll.name``) outside those is an error naming it, with file, line and column.
Comment lines are not read; the scan is textual, so a name written in plain text after a
``|`` (a shell pipe into ``ns.coll.name``) would be taken for a filter: unlikely enough.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from ftltui.errors import Location
from ftltui.playbook.model import PlaybookError

_NAME = r"([A-Za-z_]\w*\.[A-Za-z_]\w*\.[A-Za-z_]\w*)"
_FILTER = re.compile(r"\|\s*" + _NAME + r"\b")
_TEST = re.compile(r"\bis\s+(?:not\s+)?" + _NAME + r"\b")


def check_collection_plugins(files: Iterable[str]) -> None:
    """PlaybookError for the first unavailable collection filter or test in ``files``."""
    from ftltui.playbook.jinja.environment import environment
    from ftltui.playbook.jinja.filters_community import FILTERS

    env = environment()
    for file in files:
        try:
            text = Path(file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if "|" not in text and " is " not in text:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if line.lstrip().startswith("#"):
                continue
            for kind, pattern, table in (("filter", _FILTER, env.filters), ("test", _TEST, env.tests)):
                for m in pattern.finditer(line):
                    name = m.group(1)
                    if name in table:
                        continue
                    have = ", ".join(sorted(n.rsplit(".", 1)[1] for n in FILTERS))
                    raise PlaybookError(
                        f"the {kind} '{name}' is not available in ftl-tui: collection {kind} plugins import "
                        f"ansible, which ftl-tui does not load; it runs Ansible's builtin filters and tests and "
                        f"these community.general filters: {have}", Location(file, number, m.start(1) + 1))
