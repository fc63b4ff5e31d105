"""Reading the YAML files of a playbook (plays, task files, role files, vars files) with
the position of every mapping, key and value, so each later complaint names ``file:line``.

The parser is the inventory's (``MarkedLoader``: libyaml, ``!vault`` and ``!unsafe``
understood, wholly encrypted files decrypted with the run's keyring); its errors are
re-raised as :class:`PlaybookError` so ``ftl-tui play`` exits 4 as ansible-playbook does
on a parser error. Every file read is recorded with its content hash: a job stores
exactly what it ran.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import yaml

from ftltui.errors import FtlError, Location
from ftltui.inventory.yaml_loader import (
    MarkedDict,
    MarkedList,
    MarkedLoader,
    load_data,
    load_yaml,
)
from ftltui.playbook.model import PlaybookError
from ftltui.vault import VaultKeyring, is_encrypted


def read_text(path: Path, files: dict[str, str] | None = None) -> str:
    """A file's UTF-8 text, recorded in ``files`` (path -> sha256 of the bytes)."""
    try:
        raw = path.read_bytes()
    except IsADirectoryError:
        raise PlaybookError("expected a file, found a directory", Location(str(path))) from None
    except OSError as exc:
        raise PlaybookError(f"cannot read: {exc.strerror}", Location(str(path))) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise PlaybookError(f"expected UTF-8 text (byte {raw[exc.start]:#04x})", Location(str(path), line)) from None
    if files is not None:
        files[str(path)] = hashlib.sha256(raw).hexdigest()
    return text


class _ItemMarkedLoader(MarkedLoader):
    """The inventory's loader, whose lists also remember where each item starts
    (``item_pos``): a role named by a bare string in ``roles:`` is located by it."""


def _construct_sequence(loader: MarkedLoader, node: yaml.SequenceNode) -> MarkedList:
    out = MarkedList(loader.construct_object(child, deep=True) for child in node.value)
    out.pos = (node.start_mark.line + 1, node.start_mark.column + 1)
    out.item_pos = [(c.start_mark.line + 1, c.start_mark.column + 1) for c in node.value]  # type: ignore[attr-defined]
    return out


_ItemMarkedLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def read_yaml(path: Path, vault: VaultKeyring | None = None, files: dict[str, str] | None = None) -> Any:
    """Parsed YAML (or JSON) of a file; ``None`` for an empty one."""
    text = read_text(path, files)
    if not text.strip():
        return None
    try:
        if is_encrypted(text) or text.lstrip()[:1] in ("{", "["):  # vault, JSON: the inventory's reader
            return load_data(text, str(path), vault, secret_file=True)
        return _load_marked(text, str(path), vault)
    except PlaybookError:
        raise
    except FtlError as exc:  # YAML syntax, vault: same message and place, playbook's error type
        raise PlaybookError(exc.message, exc.location or Location(str(path))) from None
    except RecursionError:
        raise PlaybookError("YAML nesting too deep", Location(str(path))) from None


def _load_marked(text: str, file: str, vault: VaultKeyring | None) -> Any:
    """``load_yaml`` with item positions; its error reporting, by letting it re-parse on error."""
    from ftltui.templating.value_origin import mark_origins

    loader = _ItemMarkedLoader(text)
    loader.ftl_file, loader.ftl_vault = file, vault
    try:
        return mark_origins(loader.get_single_data(), file)  # an error names the value's place
    except (yaml.YAMLError, UnicodeEncodeError):
        return load_yaml(text, file, vault)  # raises the same error, worded as everywhere else
    finally:
        loader.dispose()


def item_where(file: str, items: Any, index: int) -> Location:
    """Where item ``index`` of a list read by :func:`read_yaml` starts."""
    positions = getattr(items, "item_pos", None)
    if positions and index < len(positions):
        return Location(file, *positions[index])
    return where(file, items)


def where(file: str, data: Any) -> Location:
    """The position of a mapping or list read by :func:`read_yaml` (the file alone if unknown)."""
    pos = getattr(data, "pos", None)
    if pos and pos[0]:
        return Location(file, pos[0], pos[1])
    return Location(file)


def key_where(file: str, mapping: Any, key: Any) -> Location:
    """Where ``key`` is written in ``mapping`` (else where the mapping starts)."""
    pos = getattr(mapping, "key_pos", {}).get(key) if isinstance(mapping, MarkedDict) else None
    return Location(file, pos[0], pos[1]) if pos else where(file, mapping)


def value_where(file: str, mapping: Any, key: Any) -> Location:
    """Where the value of ``key`` starts in ``mapping`` (else where the mapping starts)."""
    pos = getattr(mapping, "value_pos", {}).get(key) if isinstance(mapping, MarkedDict) else None
    return Location(file, pos[0], pos[1]) if pos else where(file, mapping)


def type_name(value: Any) -> str:
    """A YAML user's name for a value's type, for "expected a mapping, got a list"."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, dict):
        return "mapping"
    if isinstance(value, list):
        return "list"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (int, float)):
        return "number"
    return type(value).__name__
