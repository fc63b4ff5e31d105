"""Which files a playbook job ran, and how a later attempt gets exactly those.

Stored at enqueue (:func:`store_playbook`): every file the loader read
(``Playbook.files``), every file of the roles it uses (templates and ``files/`` are read
only at run time), and the playbook directory's ``tasks/``, ``handlers/``, ``vars/``,
``templates/``, ``files/``, ``roles/``, ``group_vars/``, ``host_vars/`` (what relative
``include_tasks``, ``vars_files``, ``src:`` and ``include_role`` find there), and what
``include_role``/``include_tasks``/``include_vars`` reach elsewhere at run time, templated
names included (:mod:`ftltui.jobs.playbook_reach`).

At the start of every attempt (:func:`prepare`), the live files are loaded and stored
the same way: when they are what the job stored (same manifest), the attempt runs them
in place (``playbook_dir`` is the real one, errors name the real files); when they
changed, were removed or no longer parse, it runs the stored copy, rebuilt under the
state directory, and says so. Absolute paths written inside the playbook (``src:
/etc/x``) and installed collections' modules are not content of the job: they are read
where they are, as by ``ansible-playbook``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Sequence

from ftltui.errors import FtlError
from ftltui.jobs.content_store import ContentStore, Manifest, common_root

PLAYBOOK_DIRS = ("tasks", "handlers", "vars", "defaults", "templates", "files", "roles", "group_vars", "host_vars")


@dataclass
class PreparedRun:
    """A playbook ready to run: loaded from the live files or from the stored copy."""

    playbook: Any
    content: str  # the manifest sha the job stored
    ran: str  # "live" | "stored"
    note: str  # one line for the job's log
    tree: Path | None = None  # the stored copy's root when ran == "stored"
    root: Path | None = None  # where the files were when stored

    def original_path(self, text: str) -> str:
        """A path of the stored copy as the user knows it (the file it was stored from)."""
        if self.tree is None or self.root is None or not isinstance(text, str):
            return text
        return text.replace(str(self.tree), str(self.root))


def _roles(playbook: Any) -> Iterator[Any]:
    """Every role the playbook uses: ``roles:``, their dependencies, imported roles."""
    seen: set[int] = set()

    def role_and_deps(role: Any) -> Iterator[Any]:
        if role is None or id(role) in seen:
            return
        seen.add(id(role))
        yield role
        for use in getattr(role, "dependencies", []) or []:
            yield from role_and_deps(use.role)
        for item in list(getattr(role, "tasks", []) or []) + list(getattr(role, "handlers", []) or []):
            yield from items(item)

    def items(item: Any) -> Iterator[Any]:
        yield from role_and_deps(getattr(item, "role", None))
        for part in ("block", "rescue", "always"):
            for sub in getattr(item, part, None) or []:
                yield from items(sub)

    for play in playbook.plays:
        for use in play.roles:
            yield from role_and_deps(use.role)
        for section in (play.pre_tasks, play.tasks, play.post_tasks, play.handlers):
            for item in section:
                yield from items(item)


def _walk(directory: Path) -> Iterator[Path]:
    """Regular files under ``directory``, hidden entries and symlinked directories skipped."""
    if not directory.is_dir():
        return
    for base, dirs, names in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not os.path.islink(os.path.join(base, d)))
        for n in sorted(names):
            p = Path(base) / n
            if not n.startswith(".") and p.is_file():
                yield p


def _file_path(key: str, base: Path) -> Path:
    p = Path(key)
    return (p if p.is_absolute() else base / p).resolve()


def content_files(playbook: Any, cwd: Path | None = None, roles_path: Sequence[str] = (),
                  collections_paths: Sequence[str] = (), vault: Any = None) -> tuple[Path, Path, list[Path]]:
    """(common root, the playbook file, every file to store), absolute and resolved; with
    what ``include_*`` reach at run time (:mod:`ftltui.jobs.playbook_reach`)."""
    from ftltui.jobs.playbook_reach import runtime_reach

    cwd = cwd or Path.cwd()
    main = _file_path(str(playbook.path), cwd)
    files: dict[Path, None] = {main: None}
    for key in playbook.files:
        p = _file_path(key, cwd)
        if p.is_file():
            files[p] = None
    for play in playbook.plays:
        base = _file_path(str(play.base_dir), cwd)
        for sub in PLAYBOOK_DIRS:
            files.update((p.resolve(), None) for p in _walk(base / sub))
    reach = runtime_reach(playbook, roles_path, collections_paths, vault)
    role_dirs = [_file_path(str(role.path), cwd) for role in _roles(playbook)] + list(reach.role_dirs)
    for role_dir in dict.fromkeys(role_dirs):
        files.update((p.resolve(), None) for p in _walk(role_dir))
    files.update(reach.files)
    paths = list(files)
    return common_root(paths), main, paths


def load(path: Path, roles_path: Sequence[str], collections_paths: Sequence[str], vault: Any) -> Any:
    from ftltui.playbook.loader import load_playbook

    return load_playbook(Path(path), roles_path=[Path(p) for p in roles_path],
                         collections_paths=[Path(p) for p in collections_paths], vault=vault)


def store_playbook(store: ContentStore, playbook: Any, secrets: Sequence[str] = (), roles_path: Sequence[str] = (),
                   collections_paths: Sequence[str] = (), vault: Any = None) -> tuple[str, Manifest]:
    """Store what ``playbook`` is made of; returns (manifest sha, manifest). A file holding
    one of ``secrets`` stores nothing (:class:`~ftltui.jobs.content_store.SecretInContent`)."""
    root, main, files = content_files(playbook, None, roles_path, collections_paths, vault)
    return store.put_files(root, main, files, secrets)


def unpinned(playbook: Any, roles_path: Sequence[str] = (), collections_paths: Sequence[str] = (),
             vault: Any = None) -> list[str]:
    """Templated include targets a job cannot store (an absolute path, an installed
    collection's role): each place, for the job's content note."""
    from ftltui.jobs.playbook_reach import runtime_reach

    return runtime_reach(playbook, roles_path, collections_paths, vault).unpinned


def _remap(paths: Sequence[str], root: Path, tree: Path) -> list[str]:
    """Search paths of the stored run: those inside the stored root, moved into the tree
    (a roles_path outside it held no role the job used)."""
    out = []
    for p in paths:
        rp = Path(p).expanduser().resolve()
        if rp == root or root in rp.parents:
            out.append(str(tree / rp.relative_to(root)))
    return out


def prepare(store: ContentStore, spec: dict[str, Any], vault: Any) -> PreparedRun:
    """Load the playbook this job stored: the live files when unchanged, else the copy."""
    content = spec.get("content")
    roles_path, coll_paths = spec.get("roles_path") or [], spec.get("collections_paths") or []
    if not content:  # not stored (a file held a secret): the files as they are now
        live = load(Path(spec["playbook"]), roles_path, coll_paths, vault)
        return PreparedRun(live, "", "live", f"running {spec['playbook']} as it is now "
                                             f"({spec.get('content_note') or 'content not stored'})")
    stored = store.manifest(content)
    why = ""
    try:
        live = load(Path(spec["playbook"]), roles_path, coll_paths, vault)
        root, main, files = content_files(live, None, roles_path, coll_paths, vault)
        if root == Path(stored.root) and store.manifest_of(root, main, files).same_files(stored):
            return PreparedRun(live, content, "live", f"running {spec['playbook']} "
                                                      f"(content {content[:12]}, unchanged)")
        why = "changed since it was stored"
    except FtlError as exc:  # removed, or no longer parses: the stored copy still runs
        why = f"cannot be loaded now ({exc})"
    tree, manifest = store.materialize(content)
    playbook = load(tree / manifest.main, _remap(roles_path, Path(manifest.root), tree),
                    _remap(coll_paths, Path(manifest.root), tree), vault)
    return PreparedRun(playbook, content, "stored",
                       f"{spec['playbook']} {why}: running the stored content {content[:12]}",
                       tree=tree, root=Path(manifest.root))
