"""``load_inventory``: files, directories of inventory files and host lists, as ``-i`` takes them.

Format choice follows Ansible's plugin order: an executable file starting with ``#!`` is
an inventory script; ``.yml/.yaml/.json`` and extension-less
files are tried as YAML first (JSON text is read as JSON, as Ansible's loader does);
anything that is not a YAML mapping is read as INI. JSON in the ``--list`` shape (what
``ansible-inventory --list`` prints) is read as such.
In a directory, entries are read in sorted order, recursively, skipping hidden files,
``group_vars``/``host_vars``/``vars_plugins`` and Ansible's ignored extensions.
Unlike Ansible (which warns and skips), a file that cannot be parsed is an error; what
Ansible skips inside a file it can parse (a top-level key that is not a group) is
skipped here too, with a warning in :attr:`Inventory.warnings`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

from ftltui.errors import InventoryError, Location
from ftltui.inventory.builder import Builder
from ftltui.inventory.constructed import PLUGIN_NAMES, apply_constructed
from ftltui.inventory.ini_loader import parse_ini_inventory
from ftltui.inventory.inventory import Inventory
from ftltui.inventory.ranges import split_host_port
from ftltui.inventory.script_loader import is_list_shape, is_script, parse_list_data, parse_script
from ftltui.inventory.vars_files import VarsDirs
from ftltui.inventory.yaml_loader import load_data, parse_yaml_inventory, read_text
from ftltui.vault import VaultError, VaultKeyring, is_encrypted

YAML_EXTENSIONS = (".yml", ".yaml", ".json")
IGNORED_EXTENSIONS = (".pyc", ".pyo", ".swp", ".bak", "~", ".rpm", ".md", ".txt", ".rst", ".orig", ".cfg", ".retry")
_IGNORED = re.compile(
    "|".join([r"^\.", "^host_vars$", "^group_vars$", "^vars_plugins$", "^workflows$"] + [re.escape(e) + "$" for e in IGNORED_EXTENSIONS])
)
_INI_SECTION_LINE = re.compile(r"^\s*\[[^\]]*\]\s*(?:[#;].*)?$", re.M)

Sources = str | os.PathLike[str] | Sequence[str | os.PathLike[str]]


def load_inventory(sources: Sources, vault: VaultKeyring | None = None) -> Inventory:
    """Load one or more inventory sources (file, directory or ``host1,host2`` list) into one Inventory.

    ``vault`` opens vault-encrypted files and ``!vault`` values; without it (or without
    the right password) inline values still load and fail only where they are used.
    """
    if isinstance(sources, (str, os.PathLike)):
        sources = [sources]
    names = [os.fspath(s) for s in sources]
    if not names:
        raise InventoryError("expected at least one inventory source")
    try:
        inv = _load(names, vault)
    except VaultError as exc:  # a wholly encrypted file that could not be opened: loading stops here
        raise InventoryError(exc.message, exc.location) from None
    inv.vault = vault
    return inv


def _load(names: list[str], vault: VaultKeyring | None) -> Inventory:
    builder = Builder()
    vars_dirs: list[VarsDirs] = []
    for src in names:
        path = Path(src).expanduser()
        if not path.exists():
            if "," in src:
                _parse_host_list(src, builder)
                continue
            raise InventoryError("inventory source not found; expected a file, a directory or 'host1,host2,'", Location(src))
        _parse_path(path, builder, vault)
        vars_dirs.append(VarsDirs(path.resolve() if path.is_dir() else path.resolve().parent, vault))
    builder.reconcile()
    return Inventory(builder, names, vars_dirs)


def _parse_host_list(text: str, builder: Builder) -> None:
    for item in text.split(","):
        item = item.strip()
        if item:
            host, port = split_host_port(item)
            if "[" in host:  # the host_list plugin does not expand ranges
                host, port = item, None
            if host not in builder.hosts:
                builder.add_host(host, "ungrouped", port)


def _parse_path(path: Path, builder: Builder, vault: VaultKeyring | None) -> None:
    if path.is_dir():
        try:
            entries = sorted(os.listdir(path))
        except OSError as exc:
            raise InventoryError(f"cannot list directory: {exc.strerror}", Location(str(path))) from None
        for entry in entries:
            if not _IGNORED.search(entry):
                _parse_path(path / entry, builder, vault)
        return
    if not path.is_file():
        return
    _parse_file(path, builder, vault)


def _parse_file(path: Path, builder: Builder, vault: VaultKeyring | None) -> None:
    file = str(path)
    builder.current_source = file
    ext = path.suffix.lower()
    if ext == ".toml":
        raise InventoryError("TOML inventories are not supported; expected YAML or INI", Location(file))
    if is_script(path):
        parse_script(path, builder, vault)
        return
    text = read_text(path)
    if is_encrypted(text):  # a wholly encrypted inventory: decrypt, then read it as any other
        try:
            text = (vault or VaultKeyring()).decrypt(text, Location(file), what="inventory file").decode("utf-8")
        except UnicodeDecodeError:
            raise InventoryError("decrypted inventory file is not UTF-8 text", Location(file)) from None
    if not text.strip() or all(not ln.strip() or ln.lstrip()[0] in "#;" for ln in text.splitlines()):
        return  # empty inventory: Ansible's INI plugin accepts it
    if ext in YAML_EXTENSIONS or not path.suffix:
        yaml_error: InventoryError | None = None
        try:
            data = load_data(text, file, vault)
        except InventoryError as exc:
            yaml_error, data = exc, None
        if isinstance(data, dict) and data.get("plugin") in PLUGIN_NAMES:
            apply_constructed(data, file, builder)
            return
        if is_list_shape(data):  # ansible-inventory --list / ftl-tui inventory --list --json output
            parse_list_data(data, file, builder)
            return
        if isinstance(data, dict):
            parse_yaml_inventory(data, file, builder)
            return
        if ext in YAML_EXTENSIONS:
            if yaml_error:
                raise yaml_error
            parse_yaml_inventory(data, file, builder)  # raises: not a mapping
            return
        if yaml_error and not _INI_SECTION_LINE.search(text):
            # Extension-less and neither valid YAML nor sectioned INI: try INI, but if INI
            # fails too, the YAML diagnosis is the more useful one.
            try:
                _parse_ini_isolated(text, file, builder)
                return
            except InventoryError:
                raise yaml_error from None
    parse_ini_inventory(text, file, builder)


def _parse_ini_isolated(text: str, file: str, builder: Builder) -> None:
    """Parse INI into a scratch builder first so a failed attempt leaves ``builder`` untouched."""
    scratch = Builder()
    parse_ini_inventory(text, file, scratch)
    parse_ini_inventory(text, file, builder)
