"""What the fork server reads once per module bundle, so that each module child need not.

Stdlib only, Python >= 3.8 (travels in the gate zip). The fork server
(:mod:`ftltui.gate.fork_server`) calls these the first time a bundle is used; its children
(:func:`ftltui.gate.ansible_child._python_child`) inherit the results. Measured per module
child (issue 14, ``ini_file``): searching the bundle's zip for the module and unmarshalling
it ~1.1 ms of CPU and ~70 page faults; extending every warm package's path ~25 page
faults. Nothing of a module runs here: code objects are read, never executed.
"""

from __future__ import annotations

import os
import sys

from ftltui.gate.ansible_warm import WARM_PACKAGES

TYPE_CHECKING = False  # typing costs ~6 ms at every start: annotations only
if TYPE_CHECKING:
    from typing import Any, Dict, List, Tuple


# module bundle -> [(package __path__ list, the bundle's directory of that package)]: the
# warm parent's packages that the bundle has files in, found once per bundle (see below)
BUNDLE_PACKAGES = {}  # type: Dict[str, List[Tuple[Any, str]]]


def bundle_packages(mdir: str) -> None:
    """Note which of the warm parent's packages a zip bundle holds files of, once per bundle.

    A child puts its bundle's directory first on those packages' paths. It used to do so
    for every package the warm-up imported (~50, most of which no module bundle has
    files in: the entry then finds nothing), each insert writing to a list in the
    parent's memory (copy-on-write): ~45 page faults and ~0.23 ms per child; inserting
    only where the zip has members under the package's directory (the same modules are
    found): ~20 and ~0.09 ms (ini_file, measured inside the child, median of 40).
    """
    if not mdir.endswith(".zip"):
        return
    from ftltui.gate.ansible_zip import read_sizes

    dirs = set()
    for member in read_sizes(mdir):
        parts = member.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            dirs.add("/".join(parts[:i]))
    _BUNDLE_DIRS[mdir] = dirs
    # every bundle's list again: a later bundle's parents may be packages an earlier one has files in
    for zip_path, held in _BUNDLE_DIRS.items():
        BUNDLE_PACKAGES[zip_path] = [(path, os.path.join(zip_path, *name.split("."))) for name, path in WARM_PACKAGES
                                     if name.replace(".", "/") in held]


_BUNDLE_DIRS = {}  # type: Dict[str, Any]  # module bundle -> the directories its zip has members in


# module bundle -> (import name, spec, code object): what the warm parent found and read once,
# so a child neither searches the bundle's zip nor unmarshals the module (~1.1 ms a task)
PRELOADED = {}  # type: Dict[str, Tuple[str, Any, Any]]


def preload_module(mdir: str, fqn: str) -> None:
    """Find module ``fqn`` in its bundle and read its code object, once per bundle, in the warm parent.

    Nothing of the module runs here: ``get_code`` reads and unmarshals the ``.pyc`` (or
    compiles the source). The spec is the one a child would find itself: the same finders
    (``sys.meta_path``), asked with the same search path (the bundle's directory first,
    then the parent package's own path, as :func:`ansible_child._python_child` sets it).
    Anything unusual (not a zip bundle, a parent the child imports itself, a namespace
    package, a package instead of a module) leaves the child to find it as before.
    """
    if not mdir.endswith(".zip"):
        return
    parent_name = fqn.rpartition(".")[0]
    parent = sys.modules.get(parent_name) if parent_name else None
    path = getattr(parent, "__path__", None)
    if not isinstance(path, list) or not any(path is p for _, p in WARM_PACKAGES):
        return
    search = [os.path.join(mdir, *parent_name.split("."))] + list(path)
    spec = None
    for finder in sys.meta_path:
        find = getattr(finder, "find_spec", None)
        if find is not None:
            spec = find(fqn, search, None)
            if spec is not None:
                break
    if spec is None or spec.loader is None or spec.submodule_search_locations is not None \
            or not hasattr(spec.loader, "get_code"):
        return
    code = spec.loader.get_code(fqn)
    if code is not None:
        PRELOADED[mdir] = (fqn, spec, code)

