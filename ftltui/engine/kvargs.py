"""Parse ``-a 'k=v k2=v2'`` the way Ansible users write it.

Values that look like JSON lists/objects (``argv=["uname","-a"]``) are decoded; words
without ``=`` form the module's free-form argument (``command: uname -a``).
"""

from __future__ import annotations

import json
from typing import Any

from ftltui.engine.kv_escapes import decode_escapes, unquote
from ftltui.errors import ModuleArgsError


def split_words(text: str) -> list[str]:
    """Split on whitespace outside quotes and brackets, keeping quotes (unlike shlex)."""
    words: list[str] = []
    cur: list[str] = []
    quote = ""
    depth = 0
    escaped = False
    for ch in text:
        if escaped:
            cur.append(ch)
            escaped = False
            continue
        if ch == "\\" and quote != "'":
            cur.append(ch)
            escaped = True
            continue
        if quote:
            cur.append(ch)
            if ch == quote:
                quote = ""
            continue
        if ch in "\"'":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth = max(0, depth - 1)
        elif ch.isspace() and depth == 0:
            if cur:
                words.append("".join(cur))
                cur = []
            continue
        cur.append(ch)
    if quote:
        raise ModuleArgsError(f"-a: unterminated {quote} quote in {text!r}")
    if cur:
        words.append("".join(cur))
    return words


def parse_kv(text: str, free_form: str | None = None, known: set[str] | None = None) -> dict[str, Any]:
    """``known`` (declared arg names) lets ``echo hi chdir=/tmp`` keep ``chdir`` as an arg."""
    text = text.strip()
    if not text:
        return {}
    if text.startswith("{"):
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ModuleArgsError(f"-a: invalid JSON at column {exc.colno}: {exc.msg}") from None
        if not isinstance(value, dict):
            raise ModuleArgsError("-a: JSON arguments must be an object")
        return value
    out: dict[str, Any] = {}
    loose: list[str] = []
    for word in split_words(text):
        key, sep, value = word.partition("=")
        is_param = sep and key.isidentifier() and (free_form is None or known is None or key in known)
        if is_param:
            out[key] = _value(value)
        else:
            loose.append(word)
    if loose:
        if free_form is None:
            raise ModuleArgsError(f"-a: expected key=value, got {loose[0]!r} (this module takes no free-form argument)")
        out[free_form] = " ".join(loose)
    return out


def _value(raw: str) -> Any:
    """A JSON list/object as data; any other value decoded as Ansible decodes a k=v value:
    backslash escapes first (``content="hi\\n"`` ends in a newline), then one pair of quotes."""
    if raw[:1] in "[{":
        try:
            return json.loads(raw)
        except json.JSONDecodeError:
            return raw
    try:
        return unquote(decode_escapes(raw))
    except ValueError as exc:
        raise ModuleArgsError(f"-a: {exc}") from None
