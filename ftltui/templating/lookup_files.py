"""Lookups that find and keep files: where a relative name is looked for, ``first_found``,
``password`` (generated once, then read back from its file), and ``sequence``.

Search order for a relative name (Ansible's): each search path (a role's directory
first), as ``PATH/<subdir>/name`` then ``PATH/name``, then the playbook's directory the
same way.
"""

from __future__ import annotations

import os
import random
import re
import string
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ftltui.templating.filters_core import FilterError

if TYPE_CHECKING:
    from ftltui.templating.render import Templar


def candidates(templar: Templar, name: str, subdir: str | None) -> list[Path]:
    expanded = os.path.expanduser(name)
    if os.path.isabs(expanded):
        return [Path(expanded)]
    roots = [*templar.search_paths, templar.base_dir]
    if subdir is None:
        return [root / expanded for root in roots]
    return [p for root in roots for p in (root / subdir / expanded, root / expanded)]


def find_file(templar: Templar, name: str, subdir: str, what: str) -> Path:
    tried = candidates(templar, name, subdir)
    for path in tried:
        if path.is_file():
            return path
    raise FilterError(f"could not find the {what} {name!r} (looked in: {', '.join(map(str, tried))})")


def _split_names(value: Any) -> list[str]:
    names = value if isinstance(value, list) else [value]
    out: list[str] = []
    for name in names:
        out.extend(p for p in re.split(r"[,;]", str(name)) if p) if isinstance(name, str) else out.append(str(name))
    return out


def first_found(templar: Templar, terms: list[Any], files: Any = None, paths: Any = None,
                skip: bool = False, _subdir: str | None = None) -> list[Any]:
    """The first file that exists. In a template (``lookup('first_found', ...)``) names are
    looked for in the search paths themselves; a ``with_first_found`` loop also looks in
    their ``files/`` (``templates/`` for a template task, ``vars/`` for include_vars),
    as Ansible does."""
    searches: list[tuple[list[str], list[str]]] = []
    for term in terms:
        if isinstance(term, Mapping):
            searches.append((_split_names(term.get("files", [])), _split_names(term.get("paths", []))))
        else:
            searches.append((_split_names(term), []))
    if files is not None or paths is not None:
        searches.append((_split_names(files or []), _split_names(paths or [])))
    for names, dirs in searches:
        for name in names:
            places = [Path(d) / name for d in dirs] if dirs and not os.path.isabs(name) else \
                candidates(templar, name, _subdir)
            for place in places:
                if not place.is_absolute():
                    place = templar.base_dir / place
                if place.exists():
                    return [str(place)]
    if skip:
        return []
    raise FilterError("No file was found when using first_found.")


# -- password ------------------------------------------------------------------------

DEFAULT_CHARS = ["ascii_letters", "digits", ".,:-_"]


def _parse_term(term: str) -> tuple[str, dict[str, str]]:
    """``path length=8 chars=digits`` -> path and options (the path may hold spaces)."""
    m = re.search(r"\s+(\w+)=", term)
    if not m:
        return term.strip(), {}
    path, rest = term[:m.start()].strip(), term[m.start():]
    options = dict(re.findall(r"(\w+)=(\S*)", rest))
    return path, options


def _charset(chars: Any) -> str:
    if isinstance(chars, str):
        parts = [p.replace("\0", ",") for p in chars.replace(",,", "\0").split(",")] if chars else []
    else:
        parts = [str(c) for c in chars]
    text = "".join(getattr(string, p, p) for p in parts)
    return text.replace('"', "").replace("'", "")


def generate_password(length: int, chars: Any, seed: Any = None) -> str:
    rng = random.Random(seed) if seed is not None else random.SystemRandom()
    alphabet = _charset(chars)
    if not alphabet:
        raise FilterError("password lookup: no characters to build a password from")
    return "".join(rng.choice(alphabet) for _ in range(length))


# passlib's names for ``encrypt=``: (salt size, ident stored beside the salt), as Ansible's
# BaseHash.algorithms; another name gets an 8-character salt and no ident
_ENCRYPT = {"md5_crypt": (8, None), "bcrypt": (22, "2b"), "sha256_crypt": (16, None), "sha512_crypt": (16, None)}
_SALT_CHARS = string.ascii_letters + string.digits + "./"


def parse_password_file(content: str) -> tuple[str, str | None, str | None]:
    """``PASSWORD[ salt=SALT[ ident=IDENT]]`` -> (password, salt, ident): the last `` salt=``
    splits, as Ansible's ``_parse_content`` does (a password may itself hold `` salt=``)."""
    password, sep, rest = content.rpartition(" salt=")
    if not sep:
        return content, None, None
    salt, sep, ident = rest.rpartition(" ident=")
    if not sep:
        return password, rest or None, None
    return password, salt or None, ident or None


def format_password_file(password: str, salt: str | None, ident: str | None) -> str:
    if not salt:
        return password
    return f"{password} salt={salt}" + (f" ident={ident}" if ident else "")


def lookup_password(templar: Templar, terms: list[Any], **kwargs: Any) -> list[Any]:
    """Read the password stored in the file, or generate one and store it (mode 0600).

    With ``encrypt=`` the salt is kept in the file beside the password (``PW salt=SALT``,
    plus ``ident=`` for bcrypt), generated and written on the first use (also into an
    existing file that has none), so the hash is the same on every run: Ansible's
    semantics. The file is rewritten only when something was added to it."""
    from ftltui.templating.filters_text import password_hash

    out = []
    for term in terms:
        path_text, options = _parse_term(str(term))
        opts = {**kwargs, **options}
        unknown = set(opts) - {"length", "chars", "encrypt", "seed", "ident"}
        if unknown:
            raise FilterError(f"password lookup: unknown option(s) {', '.join(sorted(unknown))}")
        length = int(opts.get("length", 20))
        encrypt = str(opts["encrypt"]) if opts.get("encrypt") else None
        want_ident = str(opts["ident"]) if opts.get("ident") else None
        path = Path(os.path.expanduser(path_text))
        if not path.is_absolute():
            path = templar.base_dir / path
        devnull = str(path) == os.devnull
        salt: str | None = None
        ident: str | None = None
        if devnull or not path.exists():
            password = generate_password(length, opts.get("chars", DEFAULT_CHARS), opts.get("seed"))
            changed = True
        else:
            content = path.read_bytes().rstrip().decode("utf-8", errors="surrogateescape")
            password, salt, ident = parse_password_file(content)
            changed = False
        size, implicit_ident = _ENCRYPT.get(encrypt or "", (8, None))
        if encrypt and not salt:
            salt = "".join(random.SystemRandom().choice(_SALT_CHARS) for _ in range(size))
            changed = True
        if not ident:
            ident = want_ident
        elif want_ident and ident != want_ident:
            raise FilterError(f"password lookup: the ident parameter provided ({want_ident}) does not match "
                              f"the stored one ({ident})")
        if encrypt and not ident and implicit_ident:
            ident = implicit_ident
            changed = True
        if changed and not devnull:
            _write_password_file(path, format_password_file(password, salt, ident))
        if encrypt:
            out.append(password_hash(password, encrypt.removesuffix("_crypt"), salt=salt,
                                     ident=ident if encrypt == "bcrypt" else None))
        else:
            out.append(password)
    return out


def _write_password_file(path: Path, content: str) -> None:
    """The file, replaced whole (a crash or a full disk keeps the stored password; a symlink at
    ``path`` is replaced, not followed), mode 0600, in a directory made 0700."""
    from ftltui.state.storage import atomic_write

    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    atomic_write(path, content.encode("utf-8", errors="surrogateescape") + b"\n")


# -- sequence ------------------------------------------------------------------------

_SHORTCUT = re.compile(r"^(?:(0x[0-9a-f]+|0[0-7]*|\d+)-)?(0x[0-9a-f]+|0[0-7]*|\d+)(?:/(0x[0-9a-f]+|0[0-7]*|\d+))?"
                       r"(?::(.+))?$", re.IGNORECASE)


def _int(text: Any) -> int:
    return int(str(text), 0) if isinstance(text, str) and not str(text).isdigit() else int(text)


def _sequence_options(term: str) -> dict[str, Any]:
    term = term.strip()
    if "=" in term:
        return dict(re.findall(r"(\w+)=(\S+)", term))
    m = _SHORTCUT.match(term)
    if not m:
        raise FilterError(f"sequence: can't parse {term!r}: expected start-end/stride:format or key=value")
    start, end, stride, fmt = m.groups()
    opts: dict[str, Any] = {"end": end}
    if start:
        opts["start"] = start
    if stride:
        opts["stride"] = stride
    if fmt:
        opts["format"] = fmt
    return opts


def sequence(templar: Templar, terms: list[Any], **kwargs: Any) -> list[Any]:
    out: list[Any] = []
    for term in terms:
        opts = {**kwargs, **_sequence_options(str(term))}
        start = _int(opts.get("start", 1))
        stride = _int(opts["stride"]) if "stride" in opts else None
        if "count" in opts and "end" in opts:
            raise FilterError("sequence: can't specify both count and end")
        if "count" in opts:
            count = _int(opts["count"])
            end = start + (count - 1) * (stride or 1)
            if count == 0:
                continue
        elif "end" in opts:
            end = _int(opts["end"])
        else:
            raise FilterError("sequence: must specify count or end")
        if stride is None:
            stride = -1 if end < start else 1
        if stride == 0:
            continue
        if (stride > 0 and end < start) or (stride < 0 and end > start):
            raise FilterError("sequence: to count backwards make stride negative")
        fmt = str(opts.get("format", "%d"))
        stop = end + (1 if stride > 0 else -1)
        try:
            out.extend(fmt % i for i in range(start, stop, stride))
        except (TypeError, ValueError) as exc:
            raise FilterError(f"sequence: bad format {fmt!r}: {exc}") from None
    return out
