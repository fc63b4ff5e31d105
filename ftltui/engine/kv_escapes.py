"""Backslash escapes in a ``k=v`` word, decoded as Ansible decodes them.

Ansible decodes each ``k=v`` word before it takes the value's quotes off, whatever the
quotes (double, single or none): ``\\n``, ``\\t``, ``\\\\``, ``\\"``, ``\\'``, ``\\a`` ``\\b`` ``\\f``
``\\r`` ``\\v``, ``\\xHH``, ``\\uHHHH``, ``\\UHHHHHHHH`` and ``\\N{name}``; nothing else (no octal),
so ``C:\\data`` stays as written while ``C:\\temp`` holds a tab. Measured on
ansible-playbook 2.19 (tests/playbook/test_loader_escapes.py). Used by the playbook
loader and by ``-a`` of ``ftl-tui run`` (as by ``ansible -a``). Stdlib only.
"""

from __future__ import annotations

import re
import unicodedata

_ESCAPE = re.compile(r"\\(?:U[0-9A-Fa-f]{8}|u[0-9A-Fa-f]{4}|x[0-9A-Fa-f]{2}|N\{[^}]+\}|[\\'\"abfnrtv])")
_ONE_CHAR = {"\\": "\\", "'": "'", '"': '"', "a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r",
             "t": "\t", "v": "\v"}


def _escaped(match: re.Match[str]) -> str:
    text = match.group()
    kind = text[1]
    if kind in "Uux":
        code = int(text[2:], 16)
        if code > 0x10FFFF:
            raise ValueError(f"{text}: not a Unicode character (the highest is \\U0010ffff); "
                             "write \\\\ for a literal backslash")
        return chr(code)
    if kind == "N":
        try:
            return unicodedata.lookup(text[3:-1])
        except KeyError:
            raise ValueError(f"{text}: unknown Unicode character name; write \\\\ for a literal backslash") \
                from None
    return _ONE_CHAR[kind]


def decode_escapes(word: str) -> str:
    """``word`` with its escapes decoded; ValueError for a character that does not exist."""
    return _ESCAPE.sub(_escaped, word) if "\\" in word else word


def unquote(value: str) -> str:
    """Surrounding spaces dropped, then one pair of matching quotes, unless the closing quote
    follows a backslash (Ansible's rule, applied after :func:`decode_escapes`)."""
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'" and value[-2] != "\\":
        return value[1:-1]
    return value
