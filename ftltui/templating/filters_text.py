"""Ansible's filters on text: regular expressions, base64, hashes, password hashes.

Written from ``ansible-doc -t filter NAME`` (ansible-core 2.19); compared with Ansible by
tests/playbook/test_jinja_oracle.py.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from typing import Any

from ftltui.templating.filters_core import FilterError
from ftltui.templating.password_hash import password_hash


def _flags(ignorecase: bool, multiline: bool) -> int:
    return (re.IGNORECASE if ignorecase else 0) | (re.MULTILINE if multiline else 0)


def _compile(name: str, pattern: Any, flags: int) -> re.Pattern[str]:
    try:
        return re.compile(str(pattern), flags)
    except re.error as exc:
        raise FilterError(f"{name}: invalid regular expression {pattern!r}: {exc}") from None


def regex_search(value: Any, regex: str, *groups: str, ignorecase: bool = False, multiline: bool = False) -> Any:
    """The first match (or None); with ``'\\1'``/``'\\g<name>'`` arguments, those groups."""
    match = _compile("regex_search", regex, _flags(ignorecase, multiline)).search(str(value))
    if match is None:
        return None
    if not groups:
        return match.group()
    picked = []
    for group in groups:
        m = re.fullmatch(r"\\(?:(\d+)|g<(\w+)>)", str(group))
        if not m:
            raise FilterError(f"regex_search: unknown group {group!r}: expected '\\\\N' or '\\\\g<name>'")
        key: Any = int(m.group(1)) if m.group(1) else m.group(2)
        try:
            picked.append(match.group(key))
        except IndexError:
            raise FilterError(f"regex_search: no group {group!r} in {regex!r}") from None
    return picked


def regex_findall(value: Any, regex: str, multiline: bool = False, ignorecase: bool = False) -> list[Any]:
    return _compile("regex_findall", regex, _flags(ignorecase, multiline)).findall(str(value))


def regex_replace(value: Any = "", pattern: str = "", replacement: str = "", ignorecase: bool = False,
                  multiline: bool = False, count: int = 0, mandatory_count: int = 0) -> str:
    rx = _compile("regex_replace", pattern, _flags(ignorecase, multiline))
    try:
        result, made = rx.subn(str(replacement), str(value), count=count)
    except re.error as exc:
        raise FilterError(f"regex_replace: bad replacement {replacement!r}: {exc}") from None
    if mandatory_count and made != mandatory_count:
        raise FilterError(f"regex_replace: expected {mandatory_count} replacements, made {made}")
    return result


_POSIX_BASIC_SPECIAL = re.compile(r"([].[^$*\\])")


def regex_escape(value: Any, re_type: str = "python") -> str:
    if re_type == "python":
        return re.escape(str(value))
    if re_type == "posix_basic":
        return _POSIX_BASIC_SPECIAL.sub(r"\\\1", str(value))
    raise FilterError(f"regex_escape: re_type {re_type!r} is not supported (python, posix_basic)")


def b64encode(value: Any, encoding: str = "utf-8", urlsafe: bool = False) -> str:
    data = str(value).encode(encoding)
    encoded = base64.urlsafe_b64encode(data) if urlsafe else base64.b64encode(data)
    return encoded.decode("ascii")


def b64decode(value: Any, encoding: str = "utf-8", urlsafe: bool = False) -> str:
    try:
        data = base64.urlsafe_b64decode(str(value)) if urlsafe else base64.b64decode(str(value))
        return data.decode(encoding, errors="surrogateescape")
    except (binascii.Error, ValueError) as exc:
        raise FilterError(f"b64decode: not base64: {exc}") from None


def hash_filter(value: Any, hashtype: str = "sha1") -> str:
    try:
        digest = hashlib.new(str(hashtype))
    except ValueError:
        raise FilterError(f"hash: unknown hash type {hashtype!r}") from None
    digest.update(value if isinstance(value, bytes) else str(value).encode("utf-8"))
    return digest.hexdigest()


FILTERS: dict[str, Any] = {
    "regex_search": regex_search,
    "regex_findall": regex_findall,
    "regex_replace": regex_replace,
    "regex_escape": regex_escape,
    "b64encode": b64encode,
    "b64decode": b64decode,
    "hash": hash_filter,
    "checksum": lambda v: hash_filter(v, "sha1"),
    "sha1": lambda v: hash_filter(v, "sha1"),
    "md5": lambda v: hash_filter(v, "md5"),
    "password_hash": password_hash,
}
