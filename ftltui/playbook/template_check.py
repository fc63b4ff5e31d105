"""Collection filters and tests a playbook names that ftl-tui cannot run, found at load
time (so at ``--syntax-check``) instead of when a task renders them.

Collection plugins import ``ansible``, which ftl-tui never imports; it implements the
builtin ones and the most used ``community.general`` filters
(``jinja/filters_community.py``). A fully qualified filter (``| ns.coll.name``) or test
(``is ns.coll.name``) outside those is an error naming it, with file, line and column.

Only template text counts: what stands inside ``{{ }}``/``{% %}``, and the bare
expressions of the conditional keywords (``when``, ``changed_when``, ``failed_when``,
``until``, ``that``, also as list items under them). Prose (a task named ``check the primary
is db1.example.com``) and shell pipes outside templates are text, not plugins. Comment
lines are not read, nor ``{% raw %}...{% endraw %}`` blocks (on one line or over several):
Jinja2 keeps their text literal, so ansible-playbook prints ``{{ x | nosuchfilter }}``
written there, and so does ftl-tui (hR s11 #5: the check refused it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ftltui.errors import Location
from ftltui.playbook.model import PlaybookError

_NAME = r"([A-Za-z_]\w*\.[A-Za-z_]\w*\.[A-Za-z_]\w*)"
_FILTER = re.compile(r"\|\s*" + _NAME + r"\b")
_TEST = re.compile(r"\bis\s+(?:not\s+)?" + _NAME + r"\b")
_TEMPLATE = re.compile(r"\{\{.*?(?:\}\}|$)|\{%.*?(?:%\}|$)")
# A raw block as Jinja2's lexer finds it (jinja2.lexer: the raw_begin rule, with the
# whitespace-control signs), up to the first endraw: across lines, as a block scalar has it.
_RAW = re.compile(r"\{%[-+]?\s*raw\s*[-+]?%\}.*?\{%[-+]?\s*endraw\s*[-+]?%\}", re.DOTALL)
_CONDITIONAL = re.compile(r"^(\s*)(?:-\s+)?(?:when|changed_when|failed_when|until|that)\s*:(.*)$")


def _without_raw_blocks(text: str) -> str:
    """``text`` with every raw block blanked (newlines kept, so lines and columns stay)."""
    if "raw" not in text:
        return text
    return _RAW.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


def _expression_lines(lines: list[str]) -> list[tuple[int, str, list[tuple[int, int]]]]:
    """``(line number, line, spans)`` where ``spans`` are the parts of the line that are
    template text (the whole line for a conditional keyword's value or its list items)."""
    out: list[tuple[int, str, list[tuple[int, int]]]] = []
    block_indent: int | None = None  # a conditional key with its list on the next lines
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        indent = len(line) - len(line.lstrip())
        if block_indent is not None and (indent < block_indent or
                                         (indent == block_indent and not line.lstrip().startswith("-"))):
            block_indent = None
        spans = [m.span() for m in _TEMPLATE.finditer(line)]
        cond = _CONDITIONAL.match(line)
        if cond:
            spans.append((0, len(line)))
            if not cond.group(2).strip():
                block_indent = len(cond.group(1)) + (1 if line.lstrip().startswith("-") else 0)
        elif block_indent is not None and line.lstrip().startswith("-"):
            spans.append((0, len(line)))
        if spans:
            out.append((number, line, spans))
    return out


def check_collection_plugins(files: Iterable[str]) -> None:
    """PlaybookError for the first unavailable collection filter or test in ``files``."""
    from ftltui.templating.environment import environment
    from ftltui.templating.filters_community import FILTERS

    env = environment()
    for file in files:
        try:
            text = Path(file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if "|" not in text and " is " not in text and "(" not in text:  # no filter, test or lookup
            continue
        for number, line, spans in _expression_lines(_without_raw_blocks(text).splitlines()):
            for kind, pattern, table in (("filter", _FILTER, env.filters), ("test", _TEST, env.tests)):
                for m in pattern.finditer(line):
                    name = m.group(1)
                    if name in table or not any(a <= m.start(1) < b for a, b in spans):
                        continue
                    have = ", ".join(sorted(n.rsplit(".", 1)[1] for n in FILTERS))
                    raise PlaybookError(
                        f"the {kind} '{name}' is not available in ftl-tui: collection {kind} plugins import "
                        f"ansible, which ftl-tui does not load; it runs Ansible's builtin filters and tests and "
                        f"these community.general filters: {have}", Location(file, number, m.start(1) + 1))
            _check_names(env, file, number, line, spans)


def _expressions(line: str, spans: list[tuple[int, int]]) -> Iterable[tuple[int, str]]:
    """``(offset, template source)`` for each span: a ``{{ }}``/``{% %}`` part as written,
    a conditional keyword's bare expression wrapped in ``{{ }}``."""
    for a, b in spans:
        part = line[a:b]
        if (a, b) != (0, len(line)):
            yield a, part
            continue
        cond = _CONDITIONAL.match(line)
        expr = cond.group(2) if cond else line.lstrip()[1:]
        text = re.split(r"\s#", expr, maxsplit=1)[0].strip()  # a YAML comment after it
        if not text or "{{" in text or "{%" in text:
            continue
        if len(text) > 1 and text[0] == text[-1] and text[0] in "'\"":
            text = text[1:-1]
        yield line.index(expr), "{{ " + text + " }}"


def _check_names(env: Any, file: str, number: int, line: str, spans: list[tuple[int, int]]) -> None:
    """Any filter, test or lookup the line's template text names that ftl-tui does not have
    (``comment``, ``is reachable``, ``lookup('ini', ...)``): an error at load, so at
    ``--syntax-check``, where it failed when a task rendered it. Text that does not parse
    on its own line (a block spread over lines) is left to run time."""
    from jinja2 import TemplateSyntaxError, nodes

    from ftltui.templating.lookups import LOOKUPS

    for offset, source in _expressions(line, spans):
        try:
            tree = env.parse(source)
        except TemplateSyntaxError:
            continue
        missing: list[tuple[str, str]] = []
        for node in tree.find_all((nodes.Filter, nodes.Test, nodes.Call)):
            if isinstance(node, nodes.Filter) and node.name not in env.filters:
                missing.append(("filter", node.name))
            elif isinstance(node, nodes.Test) and node.name not in env.tests:
                missing.append(("test", node.name))
            elif (isinstance(node, nodes.Call) and isinstance(node.node, nodes.Name)
                  and node.node.name in ("lookup", "query", "q") and node.args
                  and isinstance(node.args[0], nodes.Const) and isinstance(node.args[0].value, str)
                  and node.args[0].value.removeprefix("ansible.builtin.") not in LOOKUPS):
                missing.append(("lookup", node.args[0].value))
        if missing:
            kind, name = missing[0]
            at = line.find(name, offset)
            have = (f"it has: {', '.join(sorted(LOOKUPS))}" if kind == "lookup"
                    else f"docs/playbooks.md lists the {kind}s it has")
            if kind == "lookup" and name.count(".") >= 2 and not name.startswith("ansible."):
                have = f"collection lookup plugins import ansible, which ftl-tui does not load; {have}"
            raise PlaybookError(f"the {kind} '{name}' is not available in ftl-tui ({have})",
                                Location(file, number, (at if at >= 0 else offset) + 1))
