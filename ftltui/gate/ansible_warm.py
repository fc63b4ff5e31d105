"""The warm parent of Ansible module children: what it imports once so each child need not.

Stdlib only, Python >= 3.8 (travels in the gate zip). Used by the gate when it runs
modules itself and by the per-user fork server (:mod:`ftltui.gate.fork_server`): both
import the base bundle's names here, then fork one child per module call
(:mod:`ftltui.gate.ansible_child`), which inherits all of it without paying for it.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # typing costs ~6 ms at every gate start: annotations only
if TYPE_CHECKING:
    from typing import Any, List, Tuple


# codecs modules open files with (ini_file: utf-8-sig): looked up once in the warm parent,
# each child finds them in the codec registry instead of importing them (~5 ms a task)
WARM_CODECS = ("utf-8-sig", "latin-1", "ascii", "utf-16", "idna")


def warm_stdlib() -> None:
    """What children would otherwise import anew on every task, done once in the parent."""
    import codecs

    for name in WARM_CODECS:
        try:
            codecs.lookup(name)
        except LookupError:
            pass


# (name, __path__) of the ansible packages the warm parent imported: what a child extends
# with its module bundle (found once here instead of scanning ~700 sys.modules every task)
WARM_PACKAGES = []  # type: List[Tuple[str, Any]]


def ansible_packages() -> List[Tuple[str, Any]]:
    out = []
    for name, mod in list(sys.modules.items()):
        if name in ("ansible", "ansible_collections") or name.startswith(("ansible.", "ansible_collections.")):
            path = getattr(mod, "__path__", None)
            if path is not None:
                out.append((name, path))
    return out


def warm_interpreter(base_dir: str, names: List[str]) -> None:
    """Make this process the warm parent of module children: ``names`` imported from the base bundle.

    Used by the gate (when it runs modules itself) and by the fork server. The gate runs
    with -S; modules import third-party libraries as under Ansible, so site comes back.
    """
    import gc
    import importlib
    import site

    # no collections while importing (Python's advice for a parent that forks without exec:
    # gc.disable() early, gc.freeze() before the forks): the ~30,000 objects basic creates
    # are long-lived, and the passes over them cost ~10 % of the warm-up (~10 ms of each
    # fork server's start) and a final gc.collect() ~4 ms more, to free ~800 objects
    # (tens of kB) of import-time cycles, while leaving holes a child's allocations then
    # copy pages to fill
    enabled = gc.isenabled()
    gc.disable()
    try:
        site.main()
        sys.path.insert(0, base_dir)
        for name in names:
            importlib.import_module(name)
        warm_stdlib()
        WARM_PACKAGES[:] = ansible_packages()
        # objects that exist now stay out of the collector: a forked child that runs
        # a collection would otherwise copy every page holding one of them
        gc.freeze()
    finally:
        if enabled:
            gc.enable()


def preimport_parents(mdir: str, fqn: str) -> None:
    """Import a module's parent packages from its bundle in the warm parent, once per bundle.

    Finding and importing ``ansible_collections.<ns>.<coll>.plugins.modules`` from the
    zip cost each child ~1.5 ms. Only packages whose ``__init__.py`` in the bundle is
    empty (the stubs the controller writes) are imported here: no collection code ever runs
    in the parent. Children still put their own bundle first on every package path.
    """
    if not mdir.endswith(".zip"):
        return
    import importlib

    from ftltui.gate.ansible_zip import read_sizes

    parts = fqn.split(".")[:-1]
    sizes = read_sizes(mdir)
    chain = []
    for i in range(1, len(parts) + 1):
        name = ".".join(parts[:i])
        if name in sys.modules:
            continue
        if sizes.get("/".join(parts[:i]) + "/__init__.py") != 0:
            return  # real package code: the child imports it, as before
        chain.append(name)
    if not chain:
        return
    added = []  # an already imported parent looks into this bundle too, for now
    for name, path in WARM_PACKAGES:
        sub = os.path.join(mdir, *name.split("."))
        path.append(sub)
        added.append((path, sub))
    sys.path.append(mdir)
    try:
        for name in chain:
            importlib.import_module(name)
    finally:
        sys.path.remove(mdir)
        for path, sub in added:
            path.remove(sub)
    for name in chain:  # as for every package: a child's search path is its own bundle (and the base)
        path = getattr(sys.modules[name], "__path__", None)
        if isinstance(path, list):
            del path[:]
    WARM_PACKAGES[:] = ansible_packages()
