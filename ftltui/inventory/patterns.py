"""Host patterns, evaluated the way ``ansible PATTERN --list-hosts`` does.

``all``/``*``, globs (``web*``), regexes (``~web\\d+``), unions (``a:b``, ``a,b``),
intersections (``&prod``), exclusions (``!db``), subscripts (``web[0]``, ``web[1:3]``,
``web[-1]``, ``web[2:]``), and literal host names or IPs. Regular terms are applied
first, then the ``&`` terms, then the ``!`` terms, whatever order they were written in
(Ansible's rule), and the result keeps inventory order without duplicates.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from typing import Protocol

from ftltui.errors import PatternError
from ftltui.inventory.ranges import parse_address

LOCALHOST_NAMES = ("127.0.0.1", "localhost", "::1")

_TERM = re.compile(r"(?:[^\s:\[\]]|\[[^\]]*\])+")
_SUBSCRIPT = re.compile(r"^(.+)\[(?:(-?[0-9]+)|([0-9]+)([:-])([0-9]*))\]$")


class PatternSource(Protocol):
    """What pattern evaluation needs from an inventory (names, in inventory order)."""

    def group_names(self) -> list[str]: ...

    def host_names(self) -> list[str]: ...

    def group_host_names(self, group: str) -> list[str]: ...

    def localhost_alias(self, name: str) -> str | None: ...


class SubscriptOutOfRange(PatternError):
    """``web[99]`` when ``web`` has fewer hosts: the whole pattern selects nothing.

    Ansible raises here too; its ``ansible PATTERN`` then lists no hosts with a warning
    and exits 0, which ``ftl-tui inventory --list-hosts`` copies. ``run`` stops with this
    message, which says why nothing matched.
    """


@dataclass
class Selection:
    """Hosts a pattern selected, plus the terms that matched nothing (Ansible warns about them)."""

    hosts: list[str]
    unmatched: list[str] = field(default_factory=list)


def no_hosts_message(pattern: str, sel: Selection) -> str:
    """Why ``pattern`` selected nothing, for users: the names that matched nothing, if any."""
    why = f": no group or host named {', '.join(repr(t) for t in sel.unmatched)}" if sel.unmatched else ""
    return f"pattern {pattern!r} matches no hosts{why}"


def split_pattern(pattern: str) -> list[str]:
    """``'a:b,&c'`` -> terms. Commas win; colons separate unless the whole thing is an address.

    Ansible silently drops an unbalanced ``[`` here; we call that malformed instead.
    """
    if "," in pattern:
        parts = pattern.split(",")
        for part in parts:
            if not part.strip().startswith("~") and part.count("[") != part.count("]"):
                raise PatternError(f"unbalanced '[' in host pattern {part.strip()!r}; expected e.g. web[0] or web[1:3]")
    else:
        try:
            parse_address(pattern)
            parts = [pattern]
        except ValueError:
            parts = _TERM.findall(pattern)
            leftover = _TERM.sub("", pattern).replace(":", "").strip()
            if leftover:
                raise PatternError(
                    f"unbalanced {leftover[0]!r} in host pattern {pattern!r}; expected e.g. web[0], web[1:3], or a,b for a regex with ':'"
                )
    return [p.strip() for p in parts if p.strip()]


def order_terms(terms: list[str]) -> list[str]:
    regular = [t for t in terms if t[0] not in "!&"]
    inter = [t for t in terms if t[0] == "&"]
    excl = [t for t in terms if t[0] == "!"]
    return (regular or ["all"]) + inter + excl


def evaluate(pattern: str, inv: PatternSource) -> Selection:
    if not isinstance(pattern, str) or not pattern.strip():
        raise PatternError("expected a host pattern such as 'all', 'web', 'web:&prod', got an empty one")
    terms = order_terms(split_pattern(pattern))
    known_hosts = set(inv.host_names())
    unmatched: list[str] = []
    cache: dict[str, list[str]] = {}
    hosts: list[str] = []
    for term in terms:
        if term in known_hosts:
            hosts.append(term)
            continue
        if term in ("!", "&"):
            raise PatternError(f"expected a group or host after {term!r} in pattern {pattern!r}")
        try:
            that = _match_term(term, inv, cache, unmatched)
        except SubscriptOutOfRange as exc:
            where = "" if term.lstrip("!&") == pattern else f" ({term} is out of range)"
            raise SubscriptOutOfRange(f"pattern {pattern!r} matches no hosts: {exc.message}{where}") from None
        if term[0] == "!":
            drop = set(that)
            hosts = [h for h in hosts if h not in drop]
        elif term[0] == "&":
            keep = set(that)
            hosts = [h for h in hosts if h in keep]
        else:
            have = set(hosts)
            hosts.extend(h for h in that if h not in have)
    return Selection(list(dict.fromkeys(hosts)), unmatched)


def _match_term(term: str, inv: PatternSource, cache: dict[str, list[str]], unmatched: list[str]) -> list[str]:
    if term[0] in "!&":
        term = term[1:]
    if term in cache:
        return cache[term]
    expr, subscript = _split_subscript(term)
    hosts = _enumerate(expr, inv, unmatched)
    if subscript is not None and hosts:  # nothing to index (an unmatched name) stays nothing
        start, end = subscript
        if end:
            hosts = hosts[start : (len(hosts) if end == -1 else end + 1)]
        elif -len(hosts) <= start < len(hosts):
            hosts = [hosts[start]]
        else:
            count = f"{len(hosts)} host{'s' if len(hosts) != 1 else ''}"
            raise SubscriptOutOfRange(f"group {expr} has {count}" if expr in inv.group_names()
                                      else f"{expr!r} matches {count}")
    cache[term] = hosts
    return hosts


def _split_subscript(term: str) -> tuple[str, tuple[int, int | None] | None]:
    if term[0] == "~":
        return term, None
    m = _SUBSCRIPT.match(term)
    if not m:
        return term, None
    expr, idx, start, _sep, end = m.groups()
    if idx:
        return expr, (int(idx), None)
    return expr, (int(start), int(end) if end else -1)


def _compile(expr: str) -> re.Pattern[str]:
    try:
        return re.compile(expr[1:] if expr[0] == "~" else fnmatch.translate(expr))
    except re.error as exc:
        raise PatternError(f"invalid host pattern {expr!r}: {exc}; expected a valid regular expression after '~'") from None


def _enumerate(expr: str, inv: PatternSource, unmatched: list[str]) -> list[str]:
    rx = _compile(expr)
    results: list[str] = []
    groups = [g for g in inv.group_names() if rx.match(g)]
    for g in groups:
        results.extend(inv.group_host_names(g))
    if not groups or expr[0] == "~" or any(c in expr for c in ".?*["):
        results.extend(h for h in inv.host_names() if rx.match(h))
    if not results and expr in LOCALHOST_NAMES:
        alias = inv.localhost_alias(expr)
        if alias:
            results.append(alias)
    if not results and not groups and expr != "all":
        unmatched.append(expr)
    return results
