"""Find an installed Ansible module the way Ansible resolves its name, without importing Ansible.

Ansible is the oracle, never the engine: nothing here imports ``ansible``. ansible-core's
package directory comes from ``importlib.util.find_spec`` (which does not run the package),
collections are found by walking the same roots Ansible walks, and ``meta/runtime.yml``
files are read as YAML. The result is a path to ship to a host, not a loaded module.

Resolution (Ansible's plugin loader is the spec):

* ``X`` and ``ansible.legacy.X``: the configured module paths (``library`` /
  ``ANSIBLE_LIBRARY``), a playbook-adjacent ``library/``, then ansible-core's own
  ``ansible/modules``; when none holds ``X``, ``ansible.builtin.X``.
* ``ansible.builtin.X``: ansible-core's ``config/ansible_builtin_runtime.yml`` routing
  first (most short names of Ansible 2.9 redirect into collections there), then
  ``ansible/modules/X.py``.
* ``NS.COLL[.SUB].X``: the first collection root holding ``ansible_collections/NS/COLL``
  (playbook-adjacent ``collections/``, the given and configured ``collections_path``,
  then every ``sys.path`` entry, which is where ``pip install ansible`` puts them); its
  ``meta/runtime.yml`` routing (tombstone: :class:`ModuleRemovedError`; deprecation: a
  warning; redirect: followed, chains included, a loop is an error), then
  ``plugins/modules/[SUB/]X.*``.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from ftltui.errors import UnknownModuleError

try:  # the C loader parses community.general's 600 KB runtime.yml ~10x faster
    _YamlLoader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _YamlLoader = yaml.SafeLoader

BUILTIN = "ansible.builtin"
LEGACY = "ansible.legacy"
# Ansible's C.MODULE_IGNORE_EXTS: never a module file (docs sidecars, editor debris)
IGNORE_EXTS = (".pyc", ".pyo", ".swp", ".bak", "~", ".rpm", ".md", ".txt", ".rst", ".yaml", ".yml", ".ini")
# POSIX hosts: Ansible's sh shell prefers these extensions, in this order
PREFERRED_EXTS = (".py", "")
_MAX_REDIRECTS = 32
_PART = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]*$")

_NEW_STYLE_RE = re.compile(
    rb"(?:from +\.{2,} *module_utils.* +import |"
    rb"from +ansible_collections\.[^.]+\.[^.]+\.plugins\.module_utils.* +import |"
    rb"import +ansible_collections\.[^.]+\.[^.]+\.plugins\.module_utils.*|"
    rb"from +ansible\.module_utils.* +import |"
    rb"import +ansible\.module_utils\.)"
)
_PS_RE = re.compile(rb"#Requires -Module|#Requires -Version|#AnsibleRequires -(?:OSVersion|PowerShell|CSharpUtil|Wrapper)",
                    re.IGNORECASE)
_TEXT_BYTES = bytes(bytearray({7, 8, 9, 10, 12, 13, 27} | set(range(0x20, 0x100)) - {0x7F}))


class ModuleRemovedError(UnknownModuleError):
    """The name is a tombstone in a ``runtime.yml``: the module was removed (says when and what instead)."""


class ModuleRoutingError(UnknownModuleError):
    """A ``runtime.yml`` redirect is broken: a loop, a chain too long, or not a fully qualified name."""


@dataclass(frozen=True)
class AnsibleModuleSource:
    """An installed Ansible module, located: what to ship and how to run it.

    ``kind`` follows Ansible's module styles: ``python`` (new-style, AnsiballZ),
    ``want_json`` (a script that reads an args file as JSON), ``jsonargs`` (a script with
    ``<<INCLUDE_ANSIBLE_MODULE_JSON_ARGS>>`` substituted), ``old_style`` (an args file of
    ``k=v``), ``binary``, ``powershell``. ``root`` is the directory holding ``ansible/`` (for
    ansible-core and ``ansible.legacy`` library modules: the library directory) or
    ``ansible_collections/``. ``deprecation`` is the warning text Ansible prints, if any;
    ``redirects`` the names followed to get here, first the one asked for.
    """

    fqcn: str
    path: str
    kind: str
    collection: str
    collection_version: str | None
    root: str
    deprecation: str | None = None
    redirects: tuple[str, ...] = field(default=())


# -- where things are ----------------------------------------------------------------------


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

    The builtin routing file is 370 KB (~150 ms to parse): it is parsed only when the
    name occurs in it as a key, so resolving ``ansible.builtin.copy`` stays fast.
    """
    key = re.compile(r"^[ \t]+['\"]?%s['\"]?[ \t]*:" % re.escape(resource), re.M)
    if not key.search(_runtime_text(collection_dir)):
        return None
    routing = runtime_meta(collection_dir).get("plugin_routing") or {}
    entry = (routing.get("modules") or {}).get(resource) if isinstance(routing, dict) else None
    return entry if isinstance(entry, dict) else None


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


# -- module files -----------------------------------------------------------------------------


def module_kind(path: str) -> str:
    """Ansible's module style for a file, from its bytes (module_common's rules)."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError:
        return "old_style"
    if data[:1024].translate(None, _TEXT_BYTES):
        return "binary"
    if b"#<<INCLUDE_ANSIBLE_MODULE_COMMON>>" in data or _NEW_STYLE_RE.search(data):
        return "python"
    if path.endswith(".ps1") or b"# POWERSHELL_COMMON" in data or _PS_RE.search(data):
        return "powershell"
    if b"<<INCLUDE_ANSIBLE_MODULE_JSON_ARGS>>" in data:
        return "jsonargs"
    if b"WANT_JSON" in data:
        return "want_json"
    return "old_style"


def module_file(directory: str, name: str) -> str | None:
    """The file for module ``name`` in ``directory``: ``name.py``, ``name``, then ``name.*`` sorted.

    A ``name.py`` beside a ``name.ps1`` is a Windows module's documentation stub: the
    ``.ps1`` is the module (so the caller reports a PowerShell module, not a broken one).
    """
    base = os.path.join(directory, name)
    py, ps1 = base + ".py", base + ".ps1"
    if os.path.isfile(py):
        if os.path.isfile(ps1) and _is_doc_stub(py):
            return ps1
        return py
    if os.path.isfile(base):
        return base
    try:
        found = sorted(
            os.path.join(directory, f) for f in os.listdir(directory)
            if f.startswith(name + ".") and not f.endswith(IGNORE_EXTS) and os.path.isfile(os.path.join(directory, f))
        )
    except OSError:
        return None
    return found[0] if found else None


def _is_doc_stub(path: str) -> bool:
    """True when a .py file only assigns strings (DOCUMENTATION, EXAMPLES, RETURN)."""
    try:
        tree = ast.parse(Path(path).read_bytes())
    except (OSError, SyntaxError, ValueError):
        return False
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(node.value, ast.Constant):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            continue
        return False
    return True


# -- resolution ---------------------------------------------------------------------------


@dataclass
class _Walk:
    """State of one resolution: names seen (loop detection) and the deprecation to report."""

    seen: list[str] = field(default_factory=list)
    deprecation: str | None = None


def find_module(name: str, *, collections_paths: Sequence[str] = (),
                playbook_dir: str | None = None) -> AnsibleModuleSource | None:
    """Locate module ``name`` as Ansible would; ``None`` when no installed Ansible has it.

    Raises :class:`ModuleRemovedError` for a tombstone (naming the removal version or date
    and the replacement Ansible's text gives) and :class:`ModuleRoutingError` for a redirect
    loop or an invalid redirect.
    """
    return _find_cached(name, tuple(collections_paths), playbook_dir, os.getcwd(),
                        tuple(os.environ.get(k, "") for k in _ENV_KEYS))


_ENV_KEYS = ("ANSIBLE_CONFIG", "ANSIBLE_COLLECTIONS_PATH", "ANSIBLE_COLLECTIONS_PATHS", "ANSIBLE_LIBRARY", "HOME",
             "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH")


@lru_cache(maxsize=2048)
def _find_cached(name: str, collections_paths: tuple[str, ...], playbook_dir: str | None, _cwd: str,
                 _env: tuple[str, ...]) -> AnsibleModuleSource | None:
    roots = collection_roots(collections_paths, playbook_dir)
    walk = _Walk()
    found = _resolve(name, roots, playbook_dir, walk)
    if found is None:
        return None
    return AnsibleModuleSource(**{**found.__dict__, "deprecation": walk.deprecation,
                                  "redirects": tuple(walk.seen[:-1]) if len(walk.seen) > 1 else ()})


def _resolve(name: str, roots: Sequence[str], playbook_dir: str | None, walk: _Walk) -> AnsibleModuleSource | None:
    if name in walk.seen:
        chain = " -> ".join(walk.seen + [name])
        raise ModuleRoutingError(f"module redirect loop: {chain}")
    if len(walk.seen) >= _MAX_REDIRECTS:
        raise ModuleRoutingError(f"module {walk.seen[0]!r}: more than {_MAX_REDIRECTS} redirects")
    walk.seen.append(name)
    parts = name.split(".")
    if not all(_PART.match(p) for p in parts):  # "x/../y", "a..b": never a path outside the module dirs
        return None
    if len(parts) == 1 or name.startswith(LEGACY + "."):
        short = name[len(LEGACY) + 1:] if name.startswith(LEGACY + ".") else name
        found = _find_legacy(short, playbook_dir)
        if found is not None:
            return found
        return _resolve(f"{BUILTIN}.{short}", roots, playbook_dir, walk)
    if len(parts) < 3:
        return None
    collection = ".".join(parts[:2])
    resource = ".".join(parts[2:])
    if collection == BUILTIN:
        located = None
        entry = routing_entry(BUILTIN, resource)
    else:
        located = find_collection(collection, roots)
        if located is None:
            return None
        entry = routing_entry(located[1], resource)
    redirect = _apply_routing(name, collection, entry, walk)
    if redirect is not None:
        return _resolve(redirect, roots, playbook_dir, walk)
    if collection == BUILTIN:
        core = ansible_core_dir()
        path = module_file(str(core / "modules"), resource) if core and "." not in resource else None
        if path is None:
            return None
        return AnsibleModuleSource(fqcn=name, path=path, kind=module_kind(path), collection=BUILTIN,
                                   collection_version=ansible_core_version(), root=str(core.parent))
    root, cdir = located  # type: ignore[misc]
    sub, _, leaf = resource.rpartition(".")
    directory = os.path.join(cdir, "plugins", "modules", *sub.split(".")) if sub else os.path.join(cdir, "plugins", "modules")
    path = module_file(directory, leaf)
    if path is None:
        return None
    return AnsibleModuleSource(fqcn=name, path=path, kind=module_kind(path), collection=collection,
                               collection_version=collection_version(cdir), root=root)


def _find_legacy(short: str, playbook_dir: str | None) -> AnsibleModuleSource | None:
    """A module in a library directory, else ansible-core's own directory (no routing on this path)."""
    for d in library_dirs(playbook_dir):
        path = module_file(d, short)
        if path is not None:
            return AnsibleModuleSource(fqcn=f"{LEGACY}.{short}", path=path, kind=module_kind(path),
                                       collection=LEGACY, collection_version=None, root=d)
    core = ansible_core_dir()
    if core is None or "." in short:
        return None
    path = module_file(str(core / "modules"), short)
    if path is None:
        return None
    return AnsibleModuleSource(fqcn=f"{BUILTIN}.{short}", path=path, kind=module_kind(path), collection=BUILTIN,
                               collection_version=ansible_core_version(), root=str(core.parent))


def _apply_routing(name: str, collection: str, entry: Mapping[str, Any] | None, walk: _Walk) -> str | None:
    """Act on a runtime.yml routing entry: raise on a tombstone, note a deprecation, return a redirect."""
    if entry is None:
        return None
    tomb = entry.get("tombstone")
    if isinstance(tomb, dict):
        text = f"The {name!r} module has been removed." + (f" {tomb['warning_text']}" if tomb.get("warning_text") else "")
        when = (f"in version {tomb['removal_version']}" if tomb.get("removal_version")
                else f"on {tomb['removal_date']}" if tomb.get("removal_date") else "")
        raise ModuleRemovedError(f"{text} This feature was removed from {collection} {when}.".replace("  ", " ")
                                 .replace(" .", "."))
    dep = entry.get("deprecation")
    if isinstance(dep, dict) and walk.deprecation is None:
        when = (f" in version {dep['removal_version']}" if dep.get("removal_version")
                else f" after {dep['removal_date']}" if dep.get("removal_date") else "")
        text = f"{name} has been deprecated." + (f" {dep['warning_text']}" if dep.get("warning_text") else "")
        walk.deprecation = f"{text} This feature will be removed from {collection}{when}."
    redirect = entry.get("redirect")
    if redirect:
        redirect = str(redirect)
        if redirect.count(".") < 2:
            raise ModuleRoutingError(f"collection {collection} contains an invalid redirect for {name}: {redirect} "
                                     "(redirects must use fully qualified collection names)")
        return redirect
    return None


# -- native or Ansible ----------------------------------------------------------------------


def short_name(name: str) -> str | None:
    """``lineinfile`` for ``lineinfile``/``ansible.builtin.lineinfile``/``ansible.legacy.lineinfile``, else None."""
    for prefix in (BUILTIN + ".", LEGACY + "."):
        if name.startswith(prefix):
            return name[len(prefix):]
    return None if "." in name else name


def _forced_names(value: Any) -> set[str]:
    if value is None or value is False:
        return set()
    if value is True:
        return {"all"}
    items: Iterable[Any] = value.split(",") if isinstance(value, str) else value if isinstance(value, (list, tuple, set)) else ()
    out = set()
    for item in items:
        text = str(item).strip()
        out.add(short_name(text) or text)
    return out


def use_native(name: str, host_vars: Mapping[str, Any] | None = None, forced: Iterable[str] = ()) -> bool:
    """True when ftl-tui's native module runs ``name``; False when Ansible's implementation must.

    Native wins for short and ``ansible.builtin``/``ansible.legacy`` names that ftl-tui
    implements, unless forced: ``--ansible-module NAME`` (``forced``) or the host's
    ``ftl_ansible_modules`` variable (a list, a comma-separated string, ``all`` or ``true``).
    A library module of that name (``ANSIBLE_LIBRARY``, ``library``) also wins, as in Ansible.
    """
    from ftltui import modules

    short = short_name(name)
    if short is None or modules.canonical(short) not in modules.BUILTIN:
        return False
    wanted = _forced_names(list(forced)) | _forced_names((host_vars or {}).get("ftl_ansible_modules"))
    if short in wanted or modules.canonical(short) in wanted:
        return False
    if ("all" in wanted or "*" in wanted) and find_module(short) is not None:
        return False  # "all" forces only modules Ansible has (not facts, snapshot)
    if not name.startswith(BUILTIN + ".") and _library_has(short):
        return False
    return True


@lru_cache(maxsize=256)
def _library_has(short: str) -> bool:
    return any(module_file(d, short) is not None for d in library_dirs(None))
