"""Where an Ansible installation keeps things, found without importing Ansible.

ansible-core's package directory (``importlib.util.find_spec`` does not run the package),
its version (``release.py`` read with ``ast``), the collection roots in Ansible's search
order, the ``ansible.legacy`` library directories, and each collection's version and
``meta/runtime.yml`` routing (ansible-core's own routing file for ``ansible.builtin``).
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import re
import sys
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

try:  # the C loader parses the builtin routing file (370 KB) ~10x faster
    _YamlLoader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _YamlLoader = yaml.SafeLoader

BUILTIN = "ansible.builtin"


@lru_cache(maxsize=1)
def ansible_core_dir() -> Path | None:
    """ansible-core's package directory (``.../site-packages/ansible``), found without importing it."""
    try:
        spec = importlib.util.find_spec("ansible")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for loc in spec.submodule_search_locations:
        if (Path(loc) / "modules").is_dir():
            return Path(loc)
    return None


@lru_cache(maxsize=1)
def ansible_core_version() -> str | None:
    """``__version__`` from ``ansible/release.py``, read as text."""
    core = ansible_core_dir()
    if core is None:
        return None
    try:
        tree = ast.parse((core / "release.py").read_text(encoding="utf-8"))
    except (OSError, SyntaxError):
        return None
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "__version__" for t in node.targets):
            if isinstance(node.value, ast.Constant):
                return str(node.value.value)
    return None


def _configured(attr: str) -> list[str]:
    """A pathspec setting from ansible.cfg / ANSIBLE_*; the defaults when the config is unreadable."""
    try:
        from ftltui.config import load_config

        return list(getattr(load_config(), attr))
    except Exception:  # a broken ansible.cfg is reported by the commands that load it, not here
        home = os.path.expanduser("~")
        defaults = {"collections_path": ["~/.ansible/collections", "/usr/share/ansible/collections"],
                    "module_path": ["~/.ansible/plugins/modules", "/usr/share/ansible/plugins/modules"]}
        return [p.replace("~", home, 1) for p in defaults[attr]]


def collection_roots(collections_paths: Sequence[str] = (), playbook_dir: str | None = None) -> list[str]:
    """Directories holding ``ansible_collections/``, in Ansible's search order, de-duplicated."""
    candidates: list[str] = []
    if playbook_dir:
        candidates.append(os.path.join(playbook_dir, "collections"))
    candidates.extend(collections_paths)
    candidates.extend(_configured("collections_path"))
    scan = os.environ.get("ANSIBLE_COLLECTIONS_SCAN_SYS_PATH", "true").strip().lower()
    if scan not in ("0", "false", "no", "off", "n", "f"):  # Ansible's COLLECTIONS_SCAN_SYS_PATH, default on
        candidates.extend(p for p in sys.path if p)
    roots: list[str] = []
    for p in candidates:
        p = os.path.expanduser(p)
        if os.path.basename(p.rstrip("/")) == "ansible_collections":
            p = os.path.dirname(p.rstrip("/"))
        if p not in roots and os.path.isdir(os.path.join(p, "ansible_collections")):
            roots.append(p)
    return roots


def library_dirs(playbook_dir: str | None = None) -> list[str]:
    """Where ``ansible.legacy`` modules live besides ansible-core: module_path, ``library/``."""
    dirs = [os.path.expanduser(p) for p in _configured("module_path")]
    if playbook_dir:
        dirs.insert(0, os.path.join(playbook_dir, "library"))
    return [d for d in dirs if os.path.isdir(d)]


@lru_cache(maxsize=512)
def _runtime_text(collection_dir: str) -> str:
    if collection_dir == BUILTIN:
        core = ansible_core_dir()
        path = core / "config" / "ansible_builtin_runtime.yml" if core else None
    else:
        path = Path(collection_dir) / "meta" / "runtime.yml"
    try:
        return path.read_text(encoding="utf-8") if path is not None else ""
    except (OSError, UnicodeDecodeError):
        return ""


@lru_cache(maxsize=512)
def runtime_meta(collection_dir: str) -> dict[str, Any]:
    """A collection's ``meta/runtime.yml`` (``ansible.builtin``: ansible-core's routing file), parsed once."""
    text = _runtime_text(collection_dir)
    try:
        data = yaml.load(text, Loader=_YamlLoader) if text else None
    except yaml.YAMLError:
        return {}
    return data if isinstance(data, dict) else {}


def routing_entry(collection_dir: str, resource: str) -> dict[str, Any] | None:
    """The ``plugin_routing.modules`` entry for ``resource``, if any.

    The builtin routing file is 370 KB (~150 ms to parse whole): a name that does not
    occur in it as a key costs one regex search; one that does is read from its own
    block of the block-style ``modules:`` section (~1 ms). Anything unusual (flow style,
    anchors) falls back to parsing the whole file once.
    """
    text = _runtime_text(collection_dir)
    key = re.compile(r"^[ \t]+['\"]?%s['\"]?[ \t]*:" % re.escape(resource), re.M)
    if not key.search(text):
        return None
    fast = _entry_block(text, resource)
    if fast is not None:
        return fast
    routing = runtime_meta(collection_dir).get("plugin_routing") or {}
    entry = (routing.get("modules") or {}).get(resource) if isinstance(routing, dict) else None
    return entry if isinstance(entry, dict) else None


def _entry_block(text: str, resource: str) -> dict[str, Any] | None:
    """``resource``'s entry parsed from its lines under ``plugin_routing: modules:``, or None if unsure."""
    lines = text.splitlines()
    try:
        top = lines.index("plugin_routing:")
    except ValueError:
        return None
    section = next((i for i in range(top + 1, len(lines)) if lines[i].rstrip() in ("  modules:",)), None)
    if section is None:
        return None
    wanted = (f"    {resource}:", f"    '{resource}':", f'    "{resource}":')
    for i in range(section + 1, len(lines)):
        line = lines[i]
        if line.strip() and not line.startswith("   ") and not line.lstrip().startswith("#"):
            return None  # left the modules section: the key was elsewhere (another plugin type)
        if line.rstrip().startswith(wanted) and line[4] != " ":
            block = [line[4:]]
            for nxt in lines[i + 1:]:
                if nxt.strip() and not nxt.startswith("     ") and not nxt.lstrip().startswith("#"):
                    break
                block.append(nxt[4:])
            if "&" in "".join(block) or "*" in "".join(block):
                return None  # anchors and aliases need the whole document
            try:
                data = yaml.load("\n".join(block) + "\n", Loader=_YamlLoader)
            except yaml.YAMLError:
                return None
            entry = data.get(resource) if isinstance(data, dict) else None
            return entry if isinstance(entry, dict) else {}
    return None


@lru_cache(maxsize=512)
def collection_version(collection_dir: str) -> str | None:
    """``version`` from MANIFEST.json (installed) or galaxy.yml (a source checkout)."""
    d = Path(collection_dir)
    try:
        return str(json.loads((d / "MANIFEST.json").read_text(encoding="utf-8"))["collection_info"]["version"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    try:
        data = yaml.load((d / "galaxy.yml").read_text(encoding="utf-8"), Loader=_YamlLoader)
        return str(data["version"]) if isinstance(data, dict) and data.get("version") is not None else None
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return None


def find_collection(collection: str, roots: Sequence[str]) -> tuple[str, str] | None:
    """``(root, collection_dir)`` of the first root that holds the collection, as Python's import would."""
    ns, _, coll = collection.partition(".")
    for root in roots:
        d = os.path.join(root, "ansible_collections", ns, coll)
        if os.path.isdir(d):
            return root, d
    return None
