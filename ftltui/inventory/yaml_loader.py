"""YAML reading that remembers where every key and value came from, and the YAML inventory plugin.

PyYAML's ``SafeLoader`` forgets positions once it builds Python objects; we keep them in
:class:`MarkedDict` / :class:`MarkedList` so a structural mistake found later (``hosts:``
holding a list, a bad range) still gets ``file:line:col``. The parser is libyaml's
(``CSafeLoader``) when PyYAML was built with it: same nodes, same marks, ~3x faster.

Vault: an inline ``!vault`` value is decrypted with the keyring given to :func:`load_yaml`
(a :class:`~ftltui.vault.VaultText`), or kept as a :class:`~ftltui.vault.VaultValue` that
fails only where it is used; a wholly encrypted file is decrypted first (:func:`load_data`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from ftltui.errors import InventoryError, Location
from ftltui.inventory.ranges import RangeError, expand_host_pattern
from ftltui.vault import VAULT_KEY, VaultKeyring, VaultValue, is_encrypted, mark_secret, vault_texts

if TYPE_CHECKING:
    from ftltui.inventory.builder import Builder

Pos = tuple[int, int]  # 1-based line, col


class MarkedDict(dict):  # type: ignore[type-arg]
    """A mapping that knows its own position and those of its keys and values."""

    pos: Pos = (0, 0)
    key_pos: dict[Any, Pos]
    value_pos: dict[Any, Pos]


class MarkedList(list):  # type: ignore[type-arg]
    pos: Pos = (0, 0)


def _pos(node: yaml.Node) -> Pos:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


class MarkedLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """SafeLoader whose mappings/sequences carry positions; ``!unsafe`` reads as a plain string."""

    ftl_file = ""
    ftl_vault: VaultKeyring | None = None


_STR_TAG = "tag:yaml.org,2002:str"


def _construct(loader: MarkedLoader, node: yaml.Node) -> Any:
    """``construct_object``, with a short way for a plain string: the str constructor
    returns the scalar's text as is, and a 1,000-host inventory has ~11,000 of them
    (issue 17: the generic path was half of building the data)."""
    if node.tag == _STR_TAG and type(node) is yaml.ScalarNode:
        return node.value
    return loader.construct_object(node, deep=True)


def _construct_mapping(loader: MarkedLoader, node: yaml.MappingNode) -> MarkedDict:
    loader.flatten_mapping(node)
    out = MarkedDict()
    out.pos, out.key_pos, out.value_pos = _pos(node), {}, {}
    for key_node, value_node in node.value:
        key = _construct(loader, key_node)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping", node.start_mark, "found unhashable key", key_node.start_mark
            ) from None
        value = out[key] = _construct(loader, value_node)
        if isinstance(value, VaultValue) and value.name is None:
            value.name = str(key)  # the error where it is used names the variable
        out.key_pos[key] = _pos(key_node)
        out.value_pos[key] = _pos(value_node)
    return out


def _construct_sequence(loader: MarkedLoader, node: yaml.SequenceNode) -> MarkedList:
    out = MarkedList(loader.construct_object(child, deep=True) for child in node.value)
    out.pos = _pos(node)
    return out


def _construct_unsafe(loader: MarkedLoader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return str(loader.construct_scalar(node))
    if isinstance(node, yaml.SequenceNode):
        return _construct_sequence(loader, node)
    return _construct_mapping(loader, node)  # type: ignore[arg-type]


def _construct_vault(loader: MarkedLoader, node: yaml.Node) -> Any:
    if not isinstance(node, yaml.ScalarNode):
        raise yaml.constructor.ConstructorError(
            None, None, "expected the vault envelope text after !vault (e.g. '!vault |')", node.start_mark
        )
    where = Location(loader.ftl_file, *_pos(node))
    return (loader.ftl_vault or VaultKeyring()).open_value(str(loader.construct_scalar(node)), where)


MarkedLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
MarkedLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)
MarkedLoader.add_constructor("!unsafe", _construct_unsafe)
MarkedLoader.add_constructor("!vault", _construct_vault)


def load_yaml(text: str, file: str, vault: VaultKeyring | None = None) -> Any:
    """Parse YAML text; syntax errors become :class:`InventoryError` at the problem's position."""
    try:
        loader = MarkedLoader(text)
        loader.ftl_file, loader.ftl_vault = file, vault
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = Location(file, mark.line + 1, mark.column + 1) if mark else Location(file)
        what = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.problem:
            what = f"{exc.context}: {exc.problem}"
        raise InventoryError(f"YAML syntax error: {what}", loc) from None
    except yaml.YAMLError as exc:  # e.g. reader errors on control characters; one line, not PyYAML's two
        first = (str(exc).strip().splitlines() or ["invalid YAML"])[0]
        raise InventoryError(f"YAML error: {first}", Location(file)) from None
    except UnicodeEncodeError as exc:  # libyaml reads UTF-8 bytes: a lone surrogate cannot become one
        char = ord(exc.object[exc.start]) if isinstance(exc.object, str) else 0
        raise InventoryError(f"YAML error: unacceptable character #x{char:04x}: special characters are not allowed",
                             Location(file)) from None
    except RecursionError:
        raise InventoryError("YAML nesting too deep", Location(file)) from None


def load_data(text: str, file: str, vault: VaultKeyring | None = None, *, secret_file: bool = True) -> Any:
    """Parse an inventory or vars file as Ansible does: as JSON if it is JSON, else as YAML.

    The difference shows in values: JSON reads ``1e3`` as the number 1000.0, YAML 1.1 as
    the string ``"1e3"``. JSON data carries no positions, so its errors name only the file.
    A wholly vault-encrypted file is decrypted first; with ``secret_file`` every string
    in it is then a secret (vars files; not inventory files, whose host names are not).
    """
    if is_encrypted(text):
        plain = (vault or VaultKeyring()).decrypt(text, Location(file), what="file")
        try:
            decoded = plain.decode("utf-8")
        except UnicodeDecodeError:
            raise InventoryError("decrypted vault file is not UTF-8 text", Location(file)) from None
        data = load_data(decoded, file, vault)
        if secret_file:
            data = mark_secret(data)
            if vault is not None:
                vault.revealed.update(vault_texts(data))
        return data
    if text.lstrip()[:1] in ("{", "["):
        try:
            return json.loads(text, object_hook=json_object_hook(file, vault))
        except (ValueError, RecursionError):
            pass  # not JSON after all (YAML flow style): YAML reports the position of a real error
    return load_yaml(text, file, vault)


def json_object_hook(file: str, vault: VaultKeyring | None) -> Any:
    """``{"__ansible_vault": envelope}`` (how ansible-inventory --list prints a !vault value) -> a vault value."""

    def hook(obj: dict[str, Any]) -> Any:
        if len(obj) == 1 and isinstance(obj.get(VAULT_KEY), str):
            value = (vault or VaultKeyring()).open_value(obj[VAULT_KEY], Location(file))
            return value
        for key, value in obj.items():
            if isinstance(value, VaultValue) and value.name is None:
                value.name = str(key)
        return obj

    return hook


def read_text(path: Path) -> str:
    """File contents as UTF-8 text, or an InventoryError saying why not."""
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InventoryError(f"expected UTF-8 text ({exc.reason} at byte {exc.start})", Location(str(path))) from None
    except OSError as exc:
        raise InventoryError(f"cannot read: {exc.strerror}", Location(str(path))) from None


# -- the YAML inventory format ---------------------------------------------------------

_SECTIONS = ("vars", "children", "hosts")


def _loc(file: str, pos: Pos | None) -> Location:
    return Location(file, *pos) if pos else Location(file)


def _type_name(value: Any) -> str:
    return {MarkedDict: "mapping", MarkedList: "list", str: "string", bool: "boolean", int: "integer", float: "number",
            VaultValue: "vault value"}.get(type(value), type(value).__name__)


def _is_mapping(value: Any) -> bool:
    """A mapping of the inventory's structure. A ``!vault`` value is a dict underneath (its
    envelope) but a scalar to the user: iterating it raises its vault error, so it must read as
    "not a mapping" here, as ansible-inventory refuses it."""
    return isinstance(value, dict) and not isinstance(value, VaultValue)


def parse_yaml_inventory(data: Any, file: str, builder: Builder) -> None:
    """Feed a parsed YAML inventory (top level: group name -> group body) into ``builder``."""
    if not _is_mapping(data):
        raise InventoryError(
            f"expected a mapping of group names (e.g. 'all:') at the top level, got a {_type_name(data)}",
            _loc(file, getattr(data, "pos", (1, 1))),
        )
    if data.get("plugin"):
        raise InventoryError(
            f"inventory plugin {str(data['plugin'])[:80]!r} is not supported (a plugin configuration file); "
            "expected a YAML, INI or JSON inventory or an inventory script",
            _loc(file, data.key_pos.get("plugin") if isinstance(data, MarkedDict) else None),
        )
    for name in data:
        pos = data.key_pos.get(name) if isinstance(data, MarkedDict) else None
        body = data[name]
        if body is not None and not _is_mapping(body):
            # People park YAML anchors here (``x-common: &c [...]``); Ansible warns and skips.
            builder.warn(
                f"skipping top-level key {name!r}: not a group (expected a mapping with hosts:/children:/vars:, "
                f"got a {_type_name(body)})",
                _loc(file, pos),
            )
            continue
        _parse_group(name, body, file, pos, builder)


def _parse_group(name: Any, body: Any, file: str, pos: Pos | None, builder: Builder) -> str:
    if not isinstance(name, str) or not name:
        raise InventoryError(f"expected a group name (a non-empty string), got {name!r}", _loc(file, pos))
    if body is not None and not _is_mapping(body):
        raise InventoryError(
            f"expected group '{name}' to be a mapping with hosts:/children:/vars:, got a {_type_name(body)}",
            _loc(file, pos),
        )
    builder.add_group(name)
    if not body:
        return name
    for key in body:
        value = body[key]
        kpos = body.key_pos.get(key) if isinstance(body, MarkedDict) else pos
        vpos = body.value_pos.get(key) if isinstance(body, MarkedDict) else pos
        if key not in _SECTIONS:
            raise InventoryError(
                f"unexpected key '{key}' in group '{name}'; expected 'hosts', 'children' or 'vars'",
                _loc(file, kpos),
            )
        if isinstance(value, str):
            value = {value: None}  # Ansible accepts "hosts: web1" (one host / child / var)
        if value is None:
            continue
        if not _is_mapping(value):
            raise InventoryError(
                f"expected '{key}' of group '{name}' to be a mapping, got a {_type_name(value)}",
                _loc(file, vpos),
            )
        if key == "vars":
            for var in value:
                at = value.value_pos.get(var) if isinstance(value, MarkedDict) else vpos
                builder.set_group_var(name, var, value[var], _loc(file, at))
        elif key == "children":
            for child in value:
                cpos = value.key_pos.get(child) if isinstance(value, MarkedDict) else vpos
                child_name = _parse_group(child, value[child], file, cpos, builder)
                builder.add_child(name, child_name, _loc(file, cpos))
        else:
            for pattern in value:
                hpos = value.key_pos.get(pattern) if isinstance(value, MarkedDict) else vpos
                _parse_host(name, pattern, value[pattern], file, hpos, value, builder)
    return name


def _parse_host(group: str, pattern: Any, hvars: Any, file: str, pos: Pos | None, parent: Any, builder: Builder) -> None:
    if isinstance(pattern, bool) or pattern is None or not isinstance(pattern, (str, int, float)):
        raise InventoryError(f"expected a host name, got {pattern!r}", _loc(file, pos))
    if not isinstance(pattern, str):
        raise InventoryError(
            f"host name {pattern!r} must be a string; enclose numbers in quotation marks", _loc(file, pos)
        )
    if hvars is not None and not _is_mapping(hvars):
        vpos = parent.value_pos.get(pattern) if isinstance(parent, MarkedDict) else pos
        raise InventoryError(
            f"expected the vars of host '{pattern}' to be a mapping (or empty), got a {_type_name(hvars)}",
            _loc(file, vpos),
        )
    try:
        names, port = expand_host_pattern(pattern)
    except RangeError as exc:
        raise InventoryError(str(exc), _loc(file, pos)) from None
    for host in names:
        builder.add_host(host, group, port, _loc(file, pos))
        host_vars: dict[Any, Any] = hvars or {}
        for k in host_vars:
            at = hvars.value_pos.get(k) if isinstance(hvars, MarkedDict) else pos
            builder.set_host_var(host, k, host_vars[k], _loc(file, at))
