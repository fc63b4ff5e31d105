"""Files a playbook reads only at run time, found at enqueue so the job can store them.

The loader reads ``import_*``, ``roles:`` and static ``vars_files``; ``include_tasks``,
``include_role`` and ``include_vars`` (and templated ``vars_files``) are read per host
while the play runs, where Ansible reads them. A job that stored only what the loader
read would run the live version of those files on a retry. So this walks every task
(plays, roles, and the files those includes reach, recursively) and returns:

- for a name written out (``include_role: name: web``, ``include_tasks: setup.yml``):
  the file or role it resolves to, searched as the runner searches (the role's
  ``tasks``/``vars``, then the playbook's directory; roles in ``roles/``, ``roles_path``,
  the playbook's directory, and collections);
- for a templated name (``include_role: name: "{{ app }}"``, ``"{{ os }}.yml"``): every
  file or role the template can name in those places: the template parts read as ``*``
  within one directory (``tasks/{{ os }}.yml`` stores ``tasks/*.yml``), roles matched
  by directory name, with their dependencies.

What a template can name beyond that, an absolute path (``{{ path }}`` set to
``/srv/x.yml``) or a role of an installed collection named by a fully templated FQCN, is
read where it is, as absolute ``src:`` paths and installed modules are: :func:`unpinned`
names each such place so ``jobs show`` can say so.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ftltui.errors import FtlError
from ftltui.playbook.model import Block, Role, Task, builtin_name

_TEMPLATE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)
_ROLE_DIRS = ("tasks", "handlers", "meta", "defaults", "vars")


def is_templated(text: str) -> bool:
    return "{{" in text or "{%" in text


def as_glob(text: str) -> str:
    """``tasks/{{ os }}.yml`` -> ``tasks/*.yml``: what a template can name within its directories."""
    return _TEMPLATE.sub("*", text)


@dataclass
class Reach:
    """What one walk found: files to store, role directories to store, and templated
    names whose targets may lie outside what can be stored (file:line, why)."""

    files: dict[Path, None] = field(default_factory=dict)
    role_dirs: dict[Path, None] = field(default_factory=dict)
    unpinned: list[str] = field(default_factory=list)
    _seen_files: set[Path] = field(default_factory=set)
    _seen_roles: set[Path] = field(default_factory=set)


@dataclass
class _Where:
    """The search context of a task: the play's directory, its collections, the search paths."""

    base: Path
    roles_path: Sequence[Path]
    collections_paths: Sequence[Path]
    collections: Sequence[str]
    vault: Any


def runtime_reach(playbook: Any, roles_path: Sequence[str] = (), collections_paths: Sequence[str] = (),
                  vault: Any = None) -> Reach:
    """Every file and role directory the playbook's includes can read at run time."""
    reach = Reach()
    for play in playbook.plays:
        collections = [c for c in play.keywords.get("collections") or [] if isinstance(c, str)]
        where = _Where(Path(play.base_dir).resolve(), [Path(p).expanduser() for p in roles_path],
                       [Path(p).expanduser() for p in collections_paths], collections, vault)
        for entry in play.vars_files:
            for name in entry if isinstance(entry, list) else [entry]:
                if isinstance(name, str) and is_templated(name):
                    _paths(reach, name, [where.base], play.location)
        for use in play.roles:
            _role(reach, use.role, where)
        for section in (play.pre_tasks, play.tasks, play.post_tasks, play.handlers):
            for item in section:
                _item(reach, item, where)
    return reach


def _items(items: Sequence[Any]) -> Iterator[Task]:
    for item in items:
        if isinstance(item, Block):
            for part in (item.block, item.rescue, item.always):
                yield from _items(part)
        elif isinstance(item, Task):
            yield item


def _item(reach: Reach, item: Any, where: _Where) -> None:
    for task in _items([item]):
        short = builtin_name(task.action)
        args = task.args or {}
        if short == "include_tasks":
            target = args.get("file") or args.get("_raw_params")
            if isinstance(target, str) and target.strip():
                for path in _paths(reach, target.strip(), _task_dirs(task.role, where), task.location):
                    _task_file(reach, path, task.role, where)
        elif short == "include_vars":
            target = args.get("file") or args.get("_raw_params") or args.get("dir")
            if isinstance(target, str) and target.strip():
                _paths(reach, target.strip(), _vars_dirs(task.role, where), task.location, dirs="dir" in args)
        elif short in ("include_role", "import_role"):
            name = args.get("name")
            if isinstance(name, str) and name.strip():
                _role_name(reach, name.strip(), task, where)


def _task_dirs(role: Role | None, where: _Where) -> list[Path]:
    return ([role.path / "tasks", role.path] if role is not None else []) + [where.base]


def _vars_dirs(role: Role | None, where: _Where) -> list[Path]:
    return ([role.path / "vars", role.path] if role is not None else []) + [where.base / "vars", where.base]


def _paths(reach: Reach, target: str, bases: Sequence[Path], loc: Any, *, dirs: bool = False) -> list[Path]:
    """The files ``target`` names under ``bases`` (all a template can name); recorded."""
    path = Path(target).expanduser()
    templated = is_templated(target)
    if path.is_absolute() and not templated:
        return []  # an absolute path is read where it is (not job content)
    if templated and (target.lstrip().startswith(("{{", "{%", "/", "~")) or path.is_absolute()):
        reach.unpinned.append(f"{loc}: {target!r} may name an absolute path, read where it is at run time")
        if path.is_absolute():
            return []
    found: list[Path] = []
    for base in bases:
        if templated:
            matches = sorted(base.glob(as_glob(target))) if base.is_dir() else []
        else:
            matches = [base / path] if (base / path).exists() else []
        for match in matches:
            if match.is_dir() and (dirs or templated):
                found.extend(p for p in sorted(match.rglob("*")) if p.is_file() and not p.name.startswith("."))
            elif match.is_file():
                found.append(match)
        if found and not templated:
            break  # the first place that has it is the one the runner reads
    for p in found:
        reach.files[p.resolve()] = None
    return found


def _task_file(reach: Reach, path: Path, role: Role | None, where: _Where) -> None:
    """A tasks file an include reaches: stored, and its own includes followed."""
    path = path.resolve()
    if path in reach._seen_files or path.suffix not in ("", ".yml", ".yaml", ".json"):
        return
    reach._seen_files.add(path)
    from ftltui.playbook.loader import load_task_file

    try:
        items = load_task_file(path, role=role, play_dir=where.base, roles_path=where.roles_path,
                               collections_paths=where.collections_paths, vault=where.vault)
    except FtlError:
        return  # stored as it is; the run reports what is wrong with it, live or stored
    for item in items:
        _item(reach, item, where)


def _role_name(reach: Reach, name: str, task: Task, where: _Where) -> None:
    from ftltui.ansible_modules.locations import collection_roots

    if not is_templated(name):
        _load_and_walk(reach, name, task, where)
        return
    pattern = as_glob(name)
    parts = pattern.split(".")
    if "/" in name or name.startswith((".", "~")):
        reach.unpinned.append(f"{task.location}: include_role name {name!r} is a templated path, "
                              "read where it is at run time")
        return
    candidates = [d.name for base in [where.base / "roles", *where.roles_path, where.base] if base.is_dir()
                  for d in sorted(base.glob(pattern)) if d.is_dir() and any((d / s).is_dir() for s in _ROLE_DIRS)]
    roots = collection_roots([str(p) for p in where.collections_paths], str(where.base))
    collections = list(where.collections) + ([task.role.collection] if task.role and task.role.collection else [])
    if len(parts) == 3 and not is_templated(".".join(name.split(".")[:2])):
        collections.append(".".join(name.split(".")[:2]))
        pattern = parts[2]
    elif pattern.startswith("*"):
        reach.unpinned.append(f"{task.location}: include_role name {name!r} may name a role of an installed "
                              "collection (ns.coll.role), read where it is at run time")
    for coll in dict.fromkeys(collections):
        ns, _, cname = coll.partition(".")
        for root in roots:
            roles_dir = Path(root) / "ansible_collections" / ns / cname / "roles"
            if roles_dir.is_dir():
                candidates += [f"{coll}.{d.name}" for d in sorted(roles_dir.glob(pattern)) if d.is_dir()]
                break
    for candidate in dict.fromkeys(candidates):
        _load_and_walk(reach, candidate, task, where)


def _load_and_walk(reach: Reach, name: str, task: Task, where: _Where) -> None:
    from ftltui.playbook.loader import load_role

    def entry(key: str) -> str:  # a templated entry point: main (the role's directory is stored whole)
        value = task.args.get(key)
        return value if isinstance(value, str) and value and not is_templated(value) else "main"

    try:
        role = load_role(name, play_dir=where.base, roles_path=where.roles_path,
                         collections_paths=where.collections_paths, vault=where.vault,
                         collections=where.collections, tasks_from=entry("tasks_from"), vars_from=entry("vars_from"),
                         defaults_from=entry("defaults_from"), handlers_from=entry("handlers_from"))
    except FtlError:
        return  # not found or broken: the run reports it, live or stored
    _role(reach, role, where)


def _role(reach: Reach, role: Role, where: _Where) -> None:
    """A role directory (whole: templates and files are read at run time), its dependencies,
    and the includes in its tasks and handlers."""
    path = Path(role.path).resolve()
    if path in reach._seen_roles:
        return
    reach._seen_roles.add(path)
    reach.role_dirs[path] = None
    for use in role.dependencies:
        _role(reach, use.role, where)
    for item in list(role.tasks) + list(role.handlers):
        _item(reach, item, where)
