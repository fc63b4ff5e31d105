"""Ship an Ansible module as files: the module plus the ``module_utils`` it imports.

Ansible is the oracle, never the engine: nothing here imports ``ansible``. The
installation is located with :func:`importlib.util.find_spec` (which does not run the
package) and every file is read as text; imports are found with :mod:`ast`, as
Ansible's own AnsiballZ builder does, recursively, including package ``__init__`` files.

A module travels in two content-addressed zips so the gate can warm up once per host:

* the **base** bundle: what every new-style module needs (``ansible.module_utils.basic``
  and its closure, AnsiballZ's loader, the serialization profile). The gate imports it
  once and forks each module from that warm state.
* the **module** bundle: the module file and the module_utils it needs beyond the base.

Each zip is named by a SHA-256 over its source files' names and contents
(:func:`ftltui.gate.ansible_child.bundle_digest`, which the gate checks again), so a
changed module file or an upgraded collection gives a new name and is sent again,
while an unchanged one is sent once per host and then found in the host's cache.
Beside each ``.py`` rides its compiled ``.pyc`` for this interpreter (unchecked
hash-based: the bundle never changes once named) and a member naming its cache tag: a
host with the same Python version keeps the zip as it came and imports from it
(zipimport, as AnsiballZ does), compiling nothing and writing one file instead of one per
member; a host with another version unpacks the sources and compiles them once.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import io
import marshal
import os
import re
import sys
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ftltui.ansible_modules import bundle_store
from ftltui.ansible_modules.locations import ansible_core_dir
from ftltui.gate.ansible_child import PYC_TAG, bundle_digest

# What AnsiballZ always ships besides the module's own imports (ansible-core 2.19):
# the loader that runs a module, basic, and the legacy serialization profile's two halves.
BASE_ROOTS = (
    "ansible.module_utils.basic",
    "ansible.module_utils._internal._ansiballz._loader",
    "ansible.module_utils._internal._json._profiles._module_legacy_c2m",
    "ansible.module_utils._internal._json._profiles._module_legacy_m2c",
)
PROFILE = "legacy"
_STAMP = (1980, 1, 1, 0, 0, 0)


class BundleError(ValueError):
    """A module that cannot be shipped (binary, PowerShell, no ansible-core, bad source)."""


@dataclass(frozen=True)
class Payload:
    """One content-addressed zip: its bytes and its name (:func:`bundle_digest` of its sources)."""

    data: bytes
    digest: str
    files: tuple[str, ...]


@dataclass(frozen=True)
class ModuleBundle:
    """What the gate needs to run one module file: style, import name and the two zips."""

    name: str  # the name the user asked for (FQCN)
    style: str  # "python" | "want_json" | "old" | "jsonargs"
    fqn: str  # import name inside the bundle (ansible.modules.ping, ansible_collections.x.y.plugins.modules.z)
    source_sha256: str
    module: Payload
    base: Payload | None  # None for scripts (want_json/old), which need no module_utils
    interpreter: str | None = None  # the script's shebang interpreter (want_json/old)
    utils: tuple[str, ...] = field(default=())  # module_utils names shipped, for diagnostics


@lru_cache(maxsize=1)
def core_version() -> str:
    """ansible-core's version, read from ``release.py`` as text (modules see it as ansible_version)."""
    root = ansible_core_dir()
    if root is None:
        return "0.0"
    text = (root / "release.py").read_text(encoding="utf-8")
    m = re.search(r"""^__version__\s*=\s*['"]([^'"]+)['"]""", text, re.M)
    return m.group(1) if m else "0.0"


def module_style(data: bytes) -> str:
    """Classify a module file the way Ansible decides how to run it."""
    head = data[:1024]
    if b"\x00" in head:
        return "binary"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return "binary"
    if "#<<INCLUDE_ANSIBLE_MODULE_COMMON>>" in text:
        return "python"
    if re.search(r"^\s*(from +ansible(_collections\.[^.\s]+\.[^.\s]+\.plugins)?\.module_utils[.\s]"
                 r"|import +ansible(_collections\.[^.\s]+\.[^.\s]+\.plugins)?\.module_utils"
                 r"|from +\.{2,} *module_utils)", text, re.M):
        return "python"
    if re.search(r"#\s*POWERSHELL_COMMON|#Requires -(Module|Version)|#AnsibleRequires -", text, re.I):
        return "powershell"
    if "<<INCLUDE_ANSIBLE_MODULE_JSON_ARGS>>" in text:
        return "jsonargs"
    if "WANT_JSON" in text:
        return "want_json"
    return "old"


def module_fqn(path: Path, name: str) -> str:
    """The import name of a module file: where it sits decides, as in AnsiballZ."""
    parts = path.resolve().with_suffix("").parts
    if "ansible_collections" in parts:
        i = len(parts) - 1 - parts[::-1].index("ansible_collections")
        tail = parts[i:]
        if len(tail) >= 6 and tail[3:5] == ("plugins", "modules"):
            return ".".join(tail)
    core = ansible_core_dir()
    if core is not None:
        try:
            rel = path.resolve().with_suffix("").relative_to(core / "modules")
            return "ansible.modules." + ".".join(rel.parts)
        except ValueError:
            pass
    return "ansible.legacy." + name.rsplit(".", 1)[-1]


def collection_roots(extra: tuple[str, ...] = ()) -> tuple[Path, ...]:
    """Directories holding an ``ansible_collections/`` tree, most specific first."""
    roots: list[Path] = []
    for p in extra:
        roots.append(Path(p).expanduser())
    env = os.environ.get("ANSIBLE_COLLECTIONS_PATH") or os.environ.get("ANSIBLE_COLLECTIONS_PATHS") or ""
    roots += [Path(p).expanduser() for p in env.split(os.pathsep) if p]
    roots += [Path("~/.ansible/collections").expanduser(), Path("/usr/share/ansible/collections")]
    spec = importlib.util.find_spec("ansible_collections")
    if spec is not None and spec.submodule_search_locations:
        roots += [Path(p).parent for p in spec.submodule_search_locations]
    out: list[Path] = []
    for r in roots:
        if r.name == "ansible_collections":
            r = r.parent
        if (r / "ansible_collections").is_dir() and r not in out:
            out.append(r)
    return tuple(out)


def _locate(name: str, roots: tuple[Path, ...]) -> tuple[str, Path, bool] | None:
    """(archive name, file, is_package) of an importable module_utils name, else None."""
    parts = name.split(".")
    if parts[:2] == ["ansible", "module_utils"]:
        core = ansible_core_dir()
        bases = [core.parent] if core is not None else []
    elif parts[0] == "ansible_collections" and len(parts) >= 5 and parts[3:5] == ["plugins", "module_utils"]:
        bases = list(roots)
    else:
        return None
    for base in bases:
        p = base.joinpath(*parts)
        if (p / "__init__.py").is_file():
            return "/".join(parts) + "/__init__.py", p / "__init__.py", True
        if p.with_suffix(".py").is_file():
            return "/".join(parts) + ".py", p.with_suffix(".py"), False
    return None


def _import_nodes(tree: ast.AST) -> list[ast.stmt]:
    """Every import statement, at any depth, visiting statements only.

    Imports are statements, so only statement bodies need walking; skipping expressions
    (most of a file's nodes) makes this ~5x cheaper than ``ast.walk`` for basic's closure.
    """
    found: list[ast.stmt] = []
    todo: list[ast.AST] = [tree]
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
            continue
        for attr in ("body", "orelse", "finalbody", "handlers", "cases"):
            children = getattr(node, attr, None)
            if isinstance(children, list):
                todo.extend(c for c in children if isinstance(c, ast.AST))
    return found


def _imports(tree: ast.AST, package: str) -> set[str]:
    """Candidate module names a file imports (``from a import b``: both ``a`` and ``a.b``)."""
    names: set[str] = set()
    for node in _import_nodes(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            names.add(mod)
            names.update(f"{mod}.{a.name}" for a in node.names if a.name != "*")
    return {n for n in names if n.startswith(("ansible.module_utils", "ansible_collections."))}


def closure(roots_names: set[str], source_trees: list[tuple[ast.AST, str]], roots: tuple[Path, ...],
            skip: frozenset[str] = frozenset()) -> dict[str, Path]:
    """Every module_utils file reachable from ``roots_names`` and the given parsed sources.

    Parent packages come along (``a.b.c`` needs ``a/b/__init__.py``); names that are
    attributes rather than modules (``from x import some_function``) resolve to nothing
    and are dropped, as in AnsiballZ.
    """
    todo = set(roots_names)
    for tree, pkg in source_trees:
        todo |= _imports(tree, pkg)
    found: dict[str, Path] = {}
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        parts = name.split(".")
        for i in range(2, len(parts)):  # parent packages
            todo.add(".".join(parts[:i]))
        hit = _locate(name, roots)
        if hit is None:
            continue
        arc, path, is_pkg = hit
        if arc in skip or arc in found:
            continue
        found[arc] = path
        tree = ast.parse(path.read_bytes(), filename=str(path))
        todo |= _imports(tree, name if is_pkg else name.rsplit(".", 1)[0])
    return found


def _pyc(arc: str, source: bytes) -> tuple[str, bytes] | None:
    """(member name, bytes) of an unchecked hash-based .pyc of ``source`` (PEP 552), or None.

    ``compile`` only parses and compiles: nothing of the bundle is run or imported here.
    """
    tag = sys.implementation.cache_tag
    if tag is None:
        return None
    try:
        code = compile(source, arc, "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return None  # the host reports it when the module is imported, as Ansible would
    # zipimport's place for it: beside the source (a host of another Python ignores these)
    name = arc[:-3] + ".pyc"
    head = importlib.util.MAGIC_NUMBER + (0b01).to_bytes(4, "little") + importlib.util.source_hash(source)
    return name, head + marshal.dumps(code)


def _zip(files: dict[str, bytes], compiled: bool = True) -> Payload:
    members = dict(files)
    if compiled:
        for arc, data in files.items():
            if arc.endswith(".py"):
                pyc = _pyc(arc, data)
                if pyc is not None:
                    members[pyc[0]] = pyc[1]
                    members[PYC_TAG] = str(sys.implementation.cache_tag).encode("ascii")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for arc in sorted(members):
            info = zipfile.ZipInfo(arc, date_time=_STAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, members[arc])
    return Payload(buf.getvalue(), bundle_digest(members), tuple(sorted(files)))


def _stub_packages(arcs: list[str]) -> dict[str, bytes]:
    """Empty ``__init__.py`` for directories that are only namespaces (ansible_collections/ns/coll/plugins)."""
    stubs: dict[str, bytes] = {}
    for arc in arcs:
        parts = arc.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            init = "/".join(parts[:i]) + "/__init__.py"
            if init not in arcs:
                stubs[init] = b""
    return stubs


def _ansible_init() -> bytes:
    """``ansible/__init__.py`` as AnsiballZ writes it: a namespace plus the version."""
    return ("from pkgutil import extend_path\n__path__=extend_path(__path__,__name__)\n"
            "__version__=%r\n" % core_version()).encode()


@lru_cache(maxsize=4)
def base_payload(roots: tuple[Path, ...] = ()) -> Payload:
    """The warm-up bundle shared by every new-style module (built once per process)."""
    if ansible_core_dir() is None:
        raise BundleError("ansible-core is not installed in ftl-tui's Python (pip install ansible-core)")
    key = bundle_store.entry_key("base", ansible_core_dir(), core_version(), roots)
    stored = bundle_store.load(key)
    if stored is not None:
        return Payload(stored[0], stored[1]["digest"], tuple(stored[1]["files"]))
    found = closure(set(BASE_ROOTS), [], roots)
    files = {arc: p.read_bytes() for arc, p in found.items()}
    files["ansible/__init__.py"] = _ansible_init()
    files.update({k: v for k, v in _stub_packages(list(files)).items() if k not in files})
    payload = _zip(files)
    bundle_store.save(key, payload.data, bundle_store.deps_of(list(found.values())),
                      {"digest": payload.digest, "files": list(payload.files)})
    return payload


_CACHE: dict[tuple[str, int, int, tuple[Path, ...]], ModuleBundle] = {}


# (name, path, collection paths, ANSIBLE_COLLECTIONS_PATH) -> (size, mtime_ns, bundle): the
# per host-task lookup is one stat (~5 us) instead of re-deriving the collection roots (~0.3 ms)
_HOT: dict[tuple[str, str, tuple[str, ...], str], tuple[int, int, ModuleBundle]] = {}


def build(name: str, path: str | Path, collection_paths: tuple[str, ...] = ()) -> ModuleBundle:
    """The bundle for module file ``path`` (cached by path, size and mtime: hosts share it)."""
    env = os.environ.get("ANSIBLE_COLLECTIONS_PATH") or os.environ.get("ANSIBLE_COLLECTIONS_PATHS") or ""
    hot_key = (name, str(path), tuple(collection_paths), env)
    st = os.stat(path)
    hot = _HOT.get(hot_key)
    if hot is not None and hot[0] == st.st_size and hot[1] == st.st_mtime_ns:
        return hot[2]
    bundle = _build_cached(name, Path(path), st, collection_paths)
    if len(_HOT) > 256:
        _HOT.clear()
    _HOT[hot_key] = (st.st_size, st.st_mtime_ns, bundle)
    return bundle


def _build_cached(name: str, path: Path, st: os.stat_result, collection_paths: tuple[str, ...]) -> ModuleBundle:
    roots = collection_roots(tuple(collection_paths))
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns, roots)
    hit = _CACHE.get(key)
    if hit is not None and hit.name == name:
        return hit
    bundle = _build(name, path, roots)
    if len(_CACHE) > 256:
        _CACHE.clear()
    _CACHE[key] = bundle
    return bundle


def _build(name: str, path: Path, roots: tuple[Path, ...]) -> ModuleBundle:
    data = path.read_bytes()
    style = module_style(data)
    sha = hashlib.sha256(data).hexdigest()
    if style == "binary":
        raise BundleError(f"{name}: {path} is a binary module; ftl-tui runs Python modules and "
                          f"WANT_JSON/old-style scripts only")
    if style == "powershell":
        raise BundleError(f"{name}: {path} is a PowerShell module (Windows hosts); ftl-tui runs "
                          f"Python modules and WANT_JSON/old-style scripts only")
    fqn = module_fqn(path, name)
    if style in ("want_json", "old", "jsonargs"):
        first = data.split(b"\n", 1)[0].decode("utf-8", "replace")
        interp = first[2:].strip() if first.startswith("#!") else None
        payload = _zip({"module": data}, compiled=False)
        return ModuleBundle(name, style, fqn, sha, payload, None, interp)
    base = base_payload(roots)
    key = bundle_store.entry_key("module", name, path, ansible_core_dir(), core_version(), roots, base.digest)
    stored = bundle_store.load(key)
    if stored is not None:
        meta = stored[1]
        module = Payload(stored[0], meta["digest"], tuple(meta["files"]))
        return ModuleBundle(name, "python", fqn, sha, module, base, None, tuple(meta["utils"]))
    text = data.replace(b"#<<INCLUDE_ANSIBLE_MODULE_COMMON>>", b"from ansible.module_utils.basic import *")
    try:
        tree = ast.parse(text, filename=str(path))
    except SyntaxError as exc:
        raise BundleError(f"{name}: {path} is not valid Python: {exc}") from None
    skip = frozenset(base.files)
    found = closure(set(), [(tree, fqn.rsplit(".", 1)[0])], roots, skip=skip)
    files = {arc: p.read_bytes() for arc, p in found.items()}
    files[fqn.replace(".", "/") + ".py"] = text
    files.update({k: v for k, v in _stub_packages(list(files) + list(skip)).items()
                  if k not in files and k not in skip})
    utils = tuple(a[:-3].replace("/", ".") for a in sorted(found))
    module = _zip(files)
    bundle_store.save(key, module.data, bundle_store.deps_of([path, *found.values()]),
                      {"digest": module.digest, "files": list(module.files), "utils": list(utils)})
    return ModuleBundle(name, "python", fqn, sha, module, base, None, utils)
