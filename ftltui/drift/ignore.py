"""The drift ignore file: gitignore-like patterns over ``host:type:id:field``.

One rule per line; ``#`` starts a comment line; ``!`` re-includes what an earlier rule
ignored; the last matching rule wins, as in ``.gitignore``. A pattern has up to four
``:``-separated parts; missing trailing parts mean "anything" (``web*:package`` ignores
every package change on web hosts). Because ids may contain ``:`` (ports, sudoers
entries), the part after ``type:`` is matched against ``id`` and against ``id:field``.
Patterns with spaces are quoted (shell-style). Options after the pattern:
``reason="..."``, ``expires=YYYY-MM-DD`` (the rule stops applying after that day) and
``value=HEX`` (the rule applies only while the change's new value is the one whose digest
this is: :func:`value_digest`, 16 hex digits of a sha256).

    # accepted after the 2026-11 patch round
    *:package:openssl            reason="patch round" expires=2026-12-31
    !db*:package:openssl
    'web1:sudoers:/etc/sudoers:alice ALL=(ALL) ALL'
    web1:file:/etc/hosts:sha256  value=5d41402abc4b2a76

``drift accept`` (the CLI, the console's Drift pane ``a``, the API's ``drift.accept``)
writes ``value=`` on every entry (:func:`accept_lines`): an operator accepts *this*
change, so a later, different change to the same field is drift again at once, not
hidden until the rule expires. A rule without ``value=`` (hand-written) ignores every
change it matches, as it always has.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shlex
import stat
import unicodedata
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Iterable

from ftltui.drift.model import Change
from ftltui.errors import DriftConfigError, Location
from ftltui.state.storage import DIR_MODE, FILE_MODE, atomic_write


@dataclass(frozen=True)
class IgnoreRule:
    host: str
    type: str
    rest: str  # matched against "id" and "id:field"
    negate: bool = False
    reason: str = ""
    expires: dt.date | None = None
    line: int = 0
    text: str = ""
    value: str = ""  # value=: only while the new value has this digest (value_digest); "" any value

    def applies(self, c: Change, path: str | None) -> bool:
        if not (fnmatchcase(c.host, self.host) and fnmatchcase(c.type, self.type)):
            return False
        if not (fnmatchcase(c.id, self.rest) or (path is not None and fnmatchcase(f"{c.id}:{path}", self.rest))):
            return False
        return not self.value or value_digest(c, path) == self.value

    def expired(self, today: dt.date) -> bool:
        return self.expires is not None and today > self.expires


VALUE_DIGITS = 16  # hex digits of the sha256 a value= option keeps


def value_digest(c: Change, path: str | None) -> str:
    """The digest a ``value=`` option pins: of field ``path``'s new value, or (``path``
    None: an added, removed or field-less change) of the change's kind and every field's
    new value. Canonical JSON, so the same value always gives the same digest; a prefix of
    a sha256, so the ignore file never holds the value itself (a secret in a file)."""
    if path is not None:
        payload: object = ["field", next((f.after for f in c.fields if f.path == path), None)]
    else:
        payload = [c.kind, [[f.path, f.after] for f in c.fields]]
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:VALUE_DIGITS]


def parse_ignore(text: str, filename: str = "drift.ignore") -> list[IgnoreRule]:
    rules = []
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        col = raw.index(line[0]) + 1
        try:
            tokens = shlex.split(line)
        except ValueError as exc:
            raise DriftConfigError(f"expected a pattern and key=value options ({exc})", Location(filename, n, col)) from None
        pattern, opts = tokens[0], tokens[1:]
        negate = pattern.startswith("!")
        if negate:
            pattern = pattern[1:]
        if not pattern:
            raise DriftConfigError("expected a pattern after '!'", Location(filename, n, col))
        parts = pattern.split(":", 2) + ["*", "*"]
        reason, expires, pinned = "", None, ""
        for opt in opts:
            key, eq, value = opt.partition("=")
            ocol = raw.find(opt.split("=")[0]) + 1 or col
            if not eq or key not in ("reason", "expires", "value"):
                raise DriftConfigError(f"expected reason=..., expires=YYYY-MM-DD or value=HEX, got {opt!r}",
                                       Location(filename, n, ocol))
            if key == "reason":
                reason = value
            elif key == "value":
                if not value or any(ch not in "0123456789abcdef" for ch in value.lower()):
                    raise DriftConfigError(f"expected value=HEX (a digest drift accept wrote), got {value!r}",
                                           Location(filename, n, ocol))
                pinned = value.lower()
            else:
                try:
                    expires = dt.date.fromisoformat(value)
                except ValueError:
                    raise DriftConfigError(f"expected expires=YYYY-MM-DD, got {value!r}", Location(filename, n, ocol)) from None
        rules.append(IgnoreRule(parts[0] or "*", parts[1] or "*", parts[2] or "*", negate, reason, expires, n, line,
                                pinned))
    return rules


def load_ignore(path: str | Path) -> list[IgnoreRule]:
    p = Path(path)
    if not p.exists():
        return []
    return parse_ignore(p.read_text(encoding="utf-8"), str(p))


def _ignored(rules: list[IgnoreRule], c: Change, path: str | None) -> bool:
    state = False
    for r in rules:
        if r.applies(c, path):
            state = not r.negate
    return state


def apply_ignore(
    changes: Iterable[Change], rules: list[IgnoreRule], today: dt.date | None = None
) -> tuple[list[Change], int, list[str]]:
    """Drop ignored changes (or ignored fields of modified ones).

    Returns (kept changes, number of changes or fields dropped, warnings about
    expired rules). A modified change whose every field is ignored is dropped whole.
    """
    today = today or dt.date.today()
    live = [r for r in rules if not r.expired(today)]
    warnings = [f"ignore rule on line {r.line} expired on {r.expires}: {r.text}" for r in rules if r.expired(today)]
    kept: list[Change] = []
    dropped = 0
    for c in changes:
        if not live:
            kept.append(c)
            continue
        if _ignored(live, c, None):
            dropped += 1
            continue
        if c.kind != "modified" or not c.fields:
            kept.append(c)
            continue
        fields = [f for f in c.fields if not _ignored(live, c, f.path)]
        if len(fields) == len(c.fields):
            kept.append(c)
        elif fields:
            dropped += len(c.fields) - len(fields)
            diff = c.diff if any(f.path == "sha256" for f in fields) else ""
            kept.append(Change(c.host, c.type, c.id, c.kind, fields, diff, c.category, c.severity, c.rule, c.source, ""))
        else:
            dropped += 1
    return kept, dropped, warnings


def _breaks_line(ch: str) -> bool:
    """A character that would end or hide an ignore-file line: the file is read with
    ``str.splitlines`` (which also splits on ``\x0b``, ``\x1c``-``\x1e``, ``\x85``,
    U+2028/9), and control characters have no business in one-line text."""
    return unicodedata.category(ch) in ("Cc", "Zl", "Zp")


def check_reason(reason: str) -> str:
    """``reason``, refused with :class:`DriftConfigError` when it holds a newline or another
    control character: written into the one-line entry, it would split it and leave the
    ignore file unparsable for every later report."""
    bad = next((ch for ch in reason if _breaks_line(ch)), None)
    if bad is not None:
        raise DriftConfigError(f"reason: expected one line of text, got control character {bad!r}")
    return reason


def escape(part: str) -> str:
    """Make a literal id safe inside a pattern (``*``, ``?``, ``[`` match themselves).

    A control character in a host's text (a file named with a newline) becomes ``?``,
    which matches it (and any one character): the entry stays one line."""
    return "".join(f"[{ch}]" if ch in "*?[" else "?" if _breaks_line(ch) else ch for ch in part)


def accept_lines(changes: Iterable[Change], reason: str = "", expires: dt.date | None = None) -> list[str]:
    """Ignore-file lines that accept exactly these changes (per field for modifications),
    each pinned to the value accepted (``value=``): the next, different change to the same
    field or resource is shown again.

    A ``reason`` with a control character is refused (:func:`check_reason`)."""
    check_reason(reason)
    lines: list[str] = []
    seen: set[tuple[str, str]] = set()
    for c in changes:
        base = f"{escape(c.host)}:{escape(c.type)}:{escape(c.id)}"
        per_field = c.kind == "modified" and bool(c.fields)
        targets = [(f"{base}:{escape(f.path)}", value_digest(c, f.path)) for f in c.fields] if per_field \
            else [(base, value_digest(c, None))]
        for t, digest in targets:
            if (t, digest) in seen:
                continue
            seen.add((t, digest))
            opts = f" value={digest}"
            if reason:
                opts += " reason=" + shlex.quote(reason)
            if expires:
                opts += f" expires={expires.isoformat()}"
            lines.append(shlex.quote(t) + opts)
    return lines


def append_entries(path: str | Path, comment: str, lines: list[str]) -> None:
    """Append ``# comment`` and ``lines`` to the ignore file, atomically.

    A new file is private (0600, in a 0700 directory) like every other state file; an
    existing one keeps its mode, and a symlinked one stays a symlink (its target is written).
    """
    target = Path(path).resolve()
    try:
        old = target.read_bytes()
        mode = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        old, mode = b"", FILE_MODE
        target.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    if old and not old.endswith(b"\n"):
        old += b"\n"
    atomic_write(target, old + (f"# {comment}\n" + "\n".join(lines) + "\n").encode("utf-8"))
    if mode != FILE_MODE:
        os.chmod(target, mode)
