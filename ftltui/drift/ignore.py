"""The drift ignore file: gitignore-like patterns over ``host:type:id:field``.

One rule per line; ``#`` starts a comment line; ``!`` re-includes what an earlier rule
ignored; the last matching rule wins, as in ``.gitignore``. A pattern has up to four
``:``-separated parts; missing trailing parts mean "anything" (``web*:package`` ignores
every package change on web hosts). Because ids may contain ``:`` (ports, sudoers
entries), the part after ``type:`` is matched against ``id`` and against ``id:field``.
Patterns with spaces are quoted (shell-style). Options after the pattern:
``reason="..."``, ``expires=YYYY-MM-DD`` (the rule stops applying after that day) and
``value=HEX`` (the rule applies only while the change's new value is the one whose digest
this is: :func:`value_digest`, 32 hex digits of an HMAC-SHA256 keyed with the state
directory's ``drift-pin.key``; 16 hex digits, the unkeyed sha256 pins of earlier
versions, are still read).

    # accepted after the 2026-11 patch round
    *:package:openssl            reason="patch round" expires=2026-12-31
    !db*:package:openssl
    'web1:sudoers:/etc/sudoers:alice ALL=(ALL) ALL'
    web1:file:/etc/hosts:sha256  value=0c1e9d7f5a0b8e2a6d4c3b1f9e8d7c6b

``drift accept`` (the CLI, the console's Drift pane ``a``, the API's ``drift.accept``)
writes ``value=`` on every entry (:func:`accept_lines`): an operator accepts *this*
change, so a later, different change to the same field is drift again at once, not
hidden until the rule expires. A rule without ``value=`` (hand-written) ignores every
change it matches, as it always has.

Why keyed: an unkeyed digest of a short value (a port, a mode, a one-word setting, a
short password in a config line) is undone by trying every candidate; the ignore file is
meant to be read and shared, the key (0600, in the state directory) is not.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
import shlex
import stat
import unicodedata
from dataclasses import dataclass, field
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
    key: bytes = field(default=b"", repr=False, compare=False)  # the state dir's pin key (keyed pins)

    def applies(self, c: Change, path: str | None) -> bool:
        if not (fnmatchcase(c.host, self.host) and fnmatchcase(c.type, self.type)):
            return False
        if not (fnmatchcase(c.id, self.rest) or (path is not None and fnmatchcase(f"{c.id}:{path}", self.rest))):
            return False
        return not self.value or pin_matches(self.value, c, path, self.key)

    def expired(self, today: dt.date) -> bool:
        return self.expires is not None and today > self.expires


VALUE_DIGITS = 32  # hex digits of the HMAC-SHA256 a value= option keeps
LEGACY_DIGITS = 16  # unkeyed sha256 pins written before the key (still read)
PIN_KEY_FILE = "drift-pin.key"
_KEY_BYTES = 32


def _canonical(c: Change, path: str | None) -> bytes:
    """Field ``path``'s new value, or (``path`` None: an added, removed or field-less
    change) the change's kind and every field's new value, as canonical JSON: the same
    value always gives the same bytes."""
    if path is not None:
        payload: object = ["field", next((f.after for f in c.fields if f.path == path), None)]
    else:
        payload = [c.kind, [[f.path, f.after] for f in c.fields]]
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False)
    return text.encode("utf-8", "surrogatepass")


def value_digest(c: Change, path: str | None, key: bytes) -> str:
    """The digest a ``value=`` option pins: an HMAC-SHA256 of the new value keyed with the
    state directory's pin key (:func:`pin_key`), so the ignore file neither holds the value
    nor lets anyone without the key test guesses of it."""
    if not key:
        raise ValueError("a value pin needs the state directory's pin key")
    return hmac.new(key, _canonical(c, path), hashlib.sha256).hexdigest()[:VALUE_DIGITS]


def pin_matches(pin: str, c: Change, path: str | None, key: bytes) -> bool:
    """Does ``c``'s new value have digest ``pin``? Keyed pins need ``key`` (without it they
    match nothing: the change shows); 16-digit pins are the old unkeyed form."""
    if len(pin) == LEGACY_DIGITS:
        return hmac.compare_digest(hashlib.sha256(_canonical(c, path)).hexdigest()[:LEGACY_DIGITS], pin)
    return bool(key) and hmac.compare_digest(value_digest(c, path, key), pin)


def read_pin_key(state_dir: str | Path) -> bytes:
    """The state directory's pin key, or ``b""`` when it has none yet (then no keyed pin
    was written there); reading never creates it (a read-only report writes nothing)."""
    try:
        return (Path(state_dir) / PIN_KEY_FILE).read_bytes()
    except FileNotFoundError:
        return b""


def pin_key(state_dir: str | Path) -> bytes:
    """The state directory's pin key, made (32 random bytes, 0600) on first use. Two
    processes making it at once agree: the file appears whole (linked from a private
    temporary) or not at all, and the loser reads the winner's."""
    key = read_pin_key(state_dir)
    if key:
        return key
    target = Path(state_dir) / PIN_KEY_FILE
    target.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    tmp = target.with_name(f".{PIN_KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(secrets.token_bytes(_KEY_BYTES))
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, target)
        except FileExistsError:
            pass
    finally:
        tmp.unlink(missing_ok=True)
    return target.read_bytes()


def parse_ignore(text: str, filename: str = "drift.ignore", key: bytes = b"") -> list[IgnoreRule]:
    """The rules of an ignore file's ``text``; ``key``: the state directory's pin key, which
    keyed ``value=`` pins are checked with (:func:`read_pin_key`)."""
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
            opt_name, eq, value = opt.partition("=")
            ocol = raw.find(opt.split("=")[0]) + 1 or col
            if not eq or opt_name not in ("reason", "expires", "value"):
                raise DriftConfigError(f"expected reason=..., expires=YYYY-MM-DD or value=HEX, got {opt!r}",
                                       Location(filename, n, ocol))
            if opt_name == "reason":
                reason = value
            elif opt_name == "value":
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
                                pinned, key))
    return rules


def load_ignore(path: str | Path, key: bytes = b"") -> list[IgnoreRule]:
    p = Path(path)
    if not p.exists():
        return []
    return parse_ignore(p.read_text(encoding="utf-8"), str(p), key)


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


def accept_lines(changes: Iterable[Change], reason: str = "", expires: dt.date | None = None, *,
                 key: bytes) -> list[str]:
    """Ignore-file lines that accept exactly these changes (per field for modifications),
    each pinned to the value accepted (``value=``, keyed with ``key``: :func:`pin_key`):
    the next, different change to the same field or resource is shown again.

    A ``reason`` with a control character is refused (:func:`check_reason`)."""
    check_reason(reason)
    lines: list[str] = []
    seen: set[tuple[str, str]] = set()
    for c in changes:
        base = f"{escape(c.host)}:{escape(c.type)}:{escape(c.id)}"
        per_field = c.kind == "modified" and bool(c.fields)
        targets = [(f"{base}:{escape(f.path)}", value_digest(c, f.path, key)) for f in c.fields] if per_field \
            else [(base, value_digest(c, None, key))]
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
