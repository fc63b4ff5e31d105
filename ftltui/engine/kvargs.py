"""Parse ``-a 'k=v k2=v2'`` the way Ansible users write it.

Values that look like JSON lists/objects (``argv=["uname","-a"]``) are decoded; words
without ``=`` form the module's free-form argument (``command: uname -a``).
"""

from __future__ import annotations

import json
from typing import Any

from ftltui.engine.kv_escapes import decode_escapes, unquote
from ftltui.errors import ModuleArgsError

_JINJA_OPEN = {"{{": "}}", "{%": "%}", "{#": "#}"}
_MAX_GROUP_WORDS = 256  # a JSON value split over more words than this is not looked for


def split_words(text: str) -> list[str]:
    """Split on whitespace outside quotes and Jinja2 blocks, keeping quotes (unlike shlex),
    as Ansible's ``parse_kv`` does; then a value that starts with ``[``/``{`` and only
    parses as JSON with the words after it (``argv=["uname", "-a"]``) is joined again.

    A bracket is not a group by itself: ``line=foo[ state=absent`` is two words, as in
    Ansible. Counting brackets made an unbalanced one swallow the rest of the line, and
    the module ran without the options after it (``state=absent`` dropped: the line
    was added instead of removed, hR #23)."""
    return _json_groups(_split_plain(text))


def _split_plain(text: str) -> list[str]:
    words: list[str] = []
    cur: list[str] = []
    quote = ""
    closers: list[str] = []  # the Jinja2 blocks open here, innermost last
    escaped = False
    i = 0
    while i < len(text):
        ch = text[i]
        i += 1
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
        pair = text[i - 1:i + 1]
        if pair in _JINJA_OPEN:
            closers.append(_JINJA_OPEN[pair])
            cur.append(pair)
            i += 1
            continue
        if closers and pair == closers[-1]:
            closers.pop()
            cur.append(pair)
            i += 1
            continue
        if ch in "\"'":
            quote = ch
        elif ch.isspace() and not closers:
            if cur:
                words.append("".join(cur))
                cur = []
            continue
        cur.append(ch)
    if quote:
        raise ModuleArgsError(f"-a: unterminated {quote} quote in {text!r}")
    if closers:
        # an open block kept every later space in the word: ``line=foo{{ state=absent`` gave
        # one option and dropped ``state``. Ansible's parse_kv refuses it; so do we
        raise ModuleArgsError(f"-a: unbalanced Jinja2 block (no {closers[-1]!r}) in {text!r}")
    if cur:
        words.append("".join(cur))
    return words


def _json_groups(words: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        key, eq, value = word.partition("=")
        head = value if eq and key.isidentifier() else word
        took = 1
        if head[:1] in "[{" and head[:2] not in _JINJA_OPEN and not _is_json(head):
            for n in range(2, min(len(words) - i, _MAX_GROUP_WORDS) + 1):
                if _is_json(" ".join([head, *words[i + 1:i + n]])):
                    word, took = " ".join(words[i:i + n]), n
                    break
        out.append(word)
        i += took
    return out


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


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
