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

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ftltui.ansible_modules.locations import (  # noqa: F401 - re-exported: callers use finder.X
    BUILTIN, ansible_core_dir, ansible_core_version, collection_roots, collection_version, find_collection,
    library_dirs, routing_entry, runtime_meta,
)
from ftltui.ansible_modules.module_files import IGNORE_EXTS, module_file, module_kind  # noqa: F401
from ftltui.errors import UnknownModuleError

LEGACY = "ansible.legacy"
_MAX_REDIRECTS = 32
_PART = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]*$")


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
    key = (name, tuple(collections_paths), playbook_dir, os.getcwd(), tuple(os.environ.get(k, "") for k in _ENV_KEYS))
    hit = _found.get(key)
    if hit is not None and os.path.isfile(hit.path):
        return hit
    found = _find_uncached(*key)
    if found is not None:
        if len(_found) > 4096:
            _found.clear()
        _found[key] = found
    return found


_ENV_KEYS = ("ANSIBLE_CONFIG", "ANSIBLE_COLLECTIONS_PATH", "ANSIBLE_COLLECTIONS_PATHS", "ANSIBLE_LIBRARY", "HOME",
             "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH")
# Found modules only, re-checked with one stat: in a long-running console, a collection
# installed meanwhile is found at the next lookup and a removed module is not offered.
_found: dict[tuple[Any, ...], AnsibleModuleSource] = {}


def clear_caches() -> None:
    """Forget every lookup (tests; after changing ansible.cfg within one process)."""
    _found.clear()
    _library_has.cache_clear()


def _find_uncached(name: str, collections_paths: tuple[str, ...], playbook_dir: str | None, _cwd: str,
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
        if path is None or core is None:
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
    if isinstance(dep, dict) and walk.deprecation is None:  # in ansible-core 2.19's words
        from ftltui.ansible_modules.run import deprecation_message

        text = f"{name} has been deprecated." + (f" {dep['warning_text']}" if dep.get("warning_text") else "")
        walk.deprecation = deprecation_message({"msg": text, "version": dep.get("removal_version"),
                                                "date": dep.get("removal_date"), "collection_name": collection})
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
