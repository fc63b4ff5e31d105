"""``group_vars/`` and ``host_vars/`` beside an inventory source, found and read as Ansible does.

For an entity ``web`` Ansible tries ``web`` (file or directory), then ``web.yml``,
``web.yaml``, ``web.json``, and stops at the first that exists. A directory is read
recursively in sorted order, skipping hidden files, ``*~`` backups and other extensions.
Files may be wholly vault-encrypted or hold inline ``!vault`` values (see
:func:`load_vars_file`): they are opened with the session's keyring.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from ftltui.errors import InventoryError, Location
from ftltui.inventory.yaml_loader import load_data, read_text
from ftltui.vault import VaultKeyring, VaultValue

EXTENSIONS = ("", ".yml", ".yaml", ".json")


def find_vars_files(directory: Path, name: str, listing: frozenset[str] | None = None) -> list[Path]:
    """Files for entity ``name``; ``listing`` (the directory's entries) saves a stat per candidate."""
    for ext in EXTENSIONS:
        if listing is not None and name + ext not in listing:
            continue
        candidate = directory / (name + ext)
        if candidate.exists():
            if candidate.is_dir():
                return _dir_files(candidate)
            return [candidate]
    return []


def _dir_files(path: Path) -> list[Path]:
    found: list[Path] = []
    for entry in sorted(os.listdir(path)):
        if entry.startswith(".") or entry.endswith("~"):
            continue
        full = path / entry
        ext = os.path.splitext(entry)[1]
        if full.is_dir() and not ext:
            found.extend(_dir_files(full))
        elif full.is_file() and ext in EXTENSIONS:
            found.append(full)
    return found


def load_vars_file(path: Path, vault: VaultKeyring | None = None) -> dict[str, Any]:
    """A vars file's mapping (group_vars/, host_vars/, ``-e @file``); empty files give ``{}``.

    A wholly encrypted file is decrypted with ``vault`` (every string in it is then a
    secret) or fails with a VaultError naming the file and the vault id; inline
    ``!vault`` values that cannot be decrypted load and fail where they are used.
    Anything that is not a mapping is an error.
    """
    try:
        mtime = path.stat().st_mtime_ns
    except OSError as exc:
        raise InventoryError(f"cannot read vars file: {exc.strerror}", Location(str(path))) from None
    return dict(_load_cached(str(path), mtime, vault, vault.generation if vault else 0))


@lru_cache(maxsize=512)
def _load_cached(file: str, _mtime: int, vault: VaultKeyring | None, _generation: int) -> dict[str, Any]:
    text = read_text(Path(file))
    data: Any = load_data(text, file, vault) if text.strip() else None
    if data is None:
        return {}
    if not isinstance(data, dict) or isinstance(data, VaultValue):  # a !vault value is a dict only underneath
        pos = getattr(data, "pos", (1, 1))
        kind = "vault value" if isinstance(data, VaultValue) else type(data).__name__
        raise InventoryError(
            f"expected a mapping of variable names to values, got a {kind}",
            Location(file, *pos),
        )
    for key in data:
        if not isinstance(key, str):
            raise InventoryError(f"expected variable names to be strings, got {key!r}", Location(file, 1, 1))
    return data


class VarsDirs:
    """The group_vars/host_vars of one inventory source (its directory)."""

    def __init__(self, basedir: Path, vault: VaultKeyring | None = None) -> None:
        self.basedir = basedir
        self.vault = vault
        self._listings: dict[str, frozenset[str] | None] = {}

    def _listing(self, sub: str) -> frozenset[str] | None:
        """Entries of group_vars/ or host_vars/, read once: large inventories have few vars files."""
        if sub not in self._listings:
            try:
                self._listings[sub] = frozenset(os.listdir(self.basedir / sub))
            except NotADirectoryError:
                self._listings[sub] = None
            except OSError:
                self._listings[sub] = frozenset()
        return self._listings[sub]

    def group_vars(self, group: str) -> dict[str, Any]:
        return self._merged("group_vars", group)

    def host_vars(self, host: str) -> dict[str, Any]:
        if host.startswith(os.sep):  # Ansible skips chroot-style host names
            return {}
        return self._merged("host_vars", host)

    def _merged(self, sub: str, name: str) -> dict[str, Any]:
        listing = self._listing(sub)
        if not listing:
            return {}
        out: dict[str, Any] = {}
        for f in find_vars_files(self.basedir / sub, name, listing):
            out.update(load_vars_file(f, self.vault))
        return out
