"""Roles: found where Ansible looks for them, and read from their directories.

Search order for a role name (Ansible's documented order): a collection role when the name
is ``ns.coll.role`` (or a short name and the play lists ``collections:``), the ``roles/``
directory beside the playbook, each ``roles_path`` entry, then the playbook's directory; a
name with a ``/`` is a path (relative to the playbook). Inside a role: ``tasks/``,
``handlers/``, ``defaults/``, ``vars/`` hold ``main.yml`` (or ``main.yaml``, ``main.json``,
``main``, or a ``main/`` directory of files merged in order; ``*_from`` picks another
file), ``meta/main.yml`` holds ``dependencies`` and ``allow_duplicates``, and
``meta/argument_specs.yml`` (or ``argument_specs`` in ``meta/main.yml``) the argument specs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ftltui.errors import Location
from ftltui.playbook.loader_keywords import check_keywords, merged_vars
from ftltui.playbook.loader_tasks import LoadContext, load_items
from ftltui.playbook.loader_yaml import item_where, key_where, read_yaml, type_name, where
from ftltui.playbook.model import (
    ROLE_ENTRY_KEYWORDS,
    Block,
    Item,
    PlaybookError,
    Role,
    RoleUse,
    Task,
)

_EXTS = ("", ".yml", ".yaml", ".json")
_VARS_EXTS = (".yml", ".yaml", ".json")
VALIDATE_ACTION = "ansible.builtin.validate_argument_spec"
META_KEYS = frozenset({"dependencies", "allow_duplicates", "galaxy_info", "argument_specs", "collections"})


def role_search_paths(ctx: LoadContext) -> list[Path]:
    return [ctx.play_dir / "roles", *ctx.roles_path, ctx.play_dir]


def find_role(name: str, ctx: LoadContext, loc: Location | None, parent: Role | None = None) -> tuple[Path, str | None]:
    """(role directory, collection or None); a PlaybookError naming every place searched."""
    if "{{" in name or "{%" in name:
        raise PlaybookError(f"role name {name!r} is a template; roles are loaded before variables exist "
                            "(use include_role for a name known only at run time)", loc)
    from ftltui.ansible_modules.locations import collection_roots, find_collection

    roots = collection_roots([str(p) for p in ctx.collections_paths], str(ctx.play_dir))
    parts = name.split(".")
    if "/" not in name and len(parts) == 3 and all(parts):
        found = find_collection(".".join(parts[:2]), roots)
        if found is not None and (Path(found[1]) / "roles" / parts[2]).is_dir():
            return Path(found[1]) / "roles" / parts[2], ".".join(parts[:2])
        raise PlaybookError(f"the role '{name}' was not found: no collection {'.'.join(parts[:2])} holding "
                            f"roles/{parts[2]} in {':'.join(roots) or '(no collection directories)'}", loc)
    if "/" in name or name.startswith((".", "~")):
        path = Path(name).expanduser()
        path = path if path.is_absolute() else ctx.play_dir / path
        if path.is_dir():
            return path, None
        raise PlaybookError(f"the role '{name}' was not found at {path}", loc)
    colls = ([parent.collection] if parent is not None and parent.collection else []) + list(ctx.collections)
    for coll in colls:
        found = find_collection(coll, roots)
        if found is not None and (Path(found[1]) / "roles" / name).is_dir():
            return Path(found[1]) / "roles" / name, coll
    searched = role_search_paths(ctx)
    for base in searched:
        if (base / name).is_dir():
            return base / name, None
    raise PlaybookError(f"the role '{name}' was not found in {':'.join(str(p) for p in searched)}", loc)


def load_role_in(name: str, ctx: LoadContext, loc: Location | None, *, tasks_from: str = "main",
                 vars_from: str = "main", defaults_from: str = "main", handlers_from: str = "main",
                 parent: Role | None = None) -> Role:
    """The role named ``name`` with the given entry points, loaded once per context."""
    path, collection = find_role(name, ctx, loc, parent)
    key = (str(path.resolve()), tasks_from, vars_from, defaults_from, handlers_from)
    if key in ctx.roles:
        return ctx.roles[key]
    if str(path.resolve()) in ctx.stack:
        raise PlaybookError(f"role '{name}' depends on itself (dependency cycle)", loc)
    shown = f"{collection}.{path.name}" if collection else name  # ansible-playbook names it by its FQCN
    role = Role(shown, path, collection=collection)
    ctx.stack = ctx.stack + (str(path.resolve()),)
    try:
        _read_meta(role, ctx)
        role.defaults = _vars_dir(path / "defaults", defaults_from, ctx, loc, required=defaults_from != "main")
        role.vars = _vars_dir(path / "vars", vars_from, ctx, loc, required=vars_from != "main")
        role.tasks = _task_dir(role, "tasks", tasks_from, ctx, loc)
        check = validation_task(role, tasks_from)
        if check is not None:
            role.tasks.insert(0, check)
        role.handlers = _handlers(role, handlers_from, ctx, loc)
    finally:
        ctx.stack = ctx.stack[:-1]
    ctx.roles[key] = role
    return role


def validation_task(role: Role, entry: str) -> Task | None:
    """The task Ansible puts first in a role whose ``meta/argument_specs.yml`` describes the
    entry point: ``validate_argument_spec`` of the role's variables, tagged ``always``."""
    spec = role.argument_specs.get(entry)
    if not isinstance(spec, dict):
        return None
    name = f"Validating arguments against arg spec '{entry}'"
    if spec.get("short_description"):
        name += f" - {spec['short_description']}"
    args = {"argument_spec": spec.get("options") or {},
            "validate_args_context": {"type": "role", "name": role.name, "argument_spec_name": entry,
                                      "path": str(role.path)}}
    return Task(VALIDATE_ACTION, args, Location(str(role.path / "meta" / "argument_specs.yml")), name,
                {"tags": ["always"]}, role)


def without_validation(items: list[Item]) -> list[Item]:
    """A role's tasks without that first check (``rolespec_validate: false``)."""
    return [i for i in items if not (isinstance(i, Task) and i.action == VALIDATE_ACTION)]


def _entry_file(directory: Path, entry: str) -> Path | None:
    for ext in _EXTS:
        candidate = directory / (entry + ext)
        if candidate.is_file():
            return candidate
    return None


def _vars_dir(directory: Path, entry: str, ctx: LoadContext, loc: Location | None, *, required: bool) -> dict[str, Any]:
    files: list[Path] = []
    single = _entry_file(directory, entry)
    if single is not None:
        files = [single]
    elif (directory / entry).is_dir():
        files = sorted(p for p in (directory / entry).rglob("*") if p.is_file() and p.suffix in _VARS_EXTS
                       and not p.name.startswith("."))
    elif required:
        raise PlaybookError(f"cannot find {entry!r} in {directory}", loc)
    out: dict[str, Any] = {}
    for f in files:
        data = read_yaml(f, ctx.vault, ctx.files)
        if data is None:
            continue
        if not isinstance(data, dict):
            raise PlaybookError(f"expected a mapping of variables, got a {type_name(data)}", where(str(f), data))
        out.update(data)
    return out


def _task_dir(role: Role, sub: str, entry: str, ctx: LoadContext, loc: Location | None) -> list[Item]:
    found = _entry_file(role.path / sub, entry)
    if found is None:
        if entry != "main":
            raise PlaybookError(f"role '{role.name}': cannot find {sub}/{entry}(.yml) in {role.path}", loc)
        return []
    data = read_yaml(found, ctx.vault, ctx.files)
    return load_items(data, str(found), ctx, role, what=f"{sub}/{found.name}")


def _handlers(role: Role, entry: str, ctx: LoadContext, loc: Location | None) -> list[Task]:
    return flat_handlers(_task_dir(role, "handlers", entry, ctx, loc))


def flat_handlers(items: list[Item]) -> list[Task]:
    """Handlers as a flat list of tasks: a keyword-free ``import_tasks`` is unwrapped;
    blocks with keywords are refused (ftl-tui runs handlers as single tasks)."""
    out: list[Task] = []
    for item in items:
        if isinstance(item, Task):
            out.append(item)
        elif not item.keywords and not item.rescue and not item.always and item.role_use is None:
            out.extend(flat_handlers(item.block))
        else:
            raise PlaybookError("a block (or an import with keywords) among handlers is not supported by ftl-tui; "
                                "write each handler as a task", item.location)
    return out


def _read_meta(role: Role, ctx: LoadContext) -> None:
    meta_file = _entry_file(role.path / "meta", "main")
    meta = read_yaml(meta_file, ctx.vault, ctx.files) if meta_file else None
    if meta is not None and not isinstance(meta, dict):
        raise PlaybookError(f"role meta: expected a mapping, got a {type_name(meta)}", where(str(meta_file), meta))
    meta = meta or {}
    file = str(meta_file)
    role.allow_duplicates = bool(meta.get("allow_duplicates", False))
    specs_file = _entry_file(role.path / "meta", "argument_specs")
    if specs_file is not None:
        specs = read_yaml(specs_file, ctx.vault, ctx.files) or {}
        specs = specs.get("argument_specs", {}) if isinstance(specs, dict) else None
    else:
        specs = meta.get("argument_specs", {})
    if not isinstance(specs, dict):
        raise PlaybookError("argument_specs: expected a mapping of entry points (main: {options: ...})",
                            Location(str(specs_file or meta_file)))
    role.argument_specs = dict(specs)
    deps = meta.get("dependencies") or []
    if not isinstance(deps, list):
        raise PlaybookError(f"dependencies: expected a list of roles, got a {type_name(deps)}",
                            key_where(file, meta, "dependencies"))
    role.dependencies = [role_entry(d, file, ctx, item_where(file, deps, i), parent=role) for i, d in enumerate(deps)]


def role_entry(data: Any, file: str, ctx: LoadContext, fallback: Location, parent: Role | None = None) -> RoleUse:
    """One entry of ``roles:`` or of ``dependencies:``: a name, or a mapping with ``role:``
    (or ``name:``), keywords and role params."""
    loc = where(file, data) if isinstance(data, dict) else fallback
    if isinstance(data, str):
        return RoleUse(load_role_in(data, ctx, loc, parent=parent), loc)
    if not isinstance(data, dict):
        raise PlaybookError(f"expected a role name or a mapping with 'role:', got a {type_name(data)}", loc)
    name = data.get("role", data.get("name"))
    if not isinstance(name, str) or not name:
        raise PlaybookError("role entry: expected 'role: NAME'", loc)
    name_key = "role" if "role" in data else "name"
    keywords = {k: v for k, v in data.items() if k in ROLE_ENTRY_KEYWORDS and k != name_key and k != "role"}
    params = {str(k): v for k, v in data.items() if k not in ROLE_ENTRY_KEYWORDS}
    check_keywords(keywords, file, data, "role")
    if "vars" in keywords:
        keywords["vars"] = merged_vars(keywords["vars"])
    return RoleUse(load_role_in(name, ctx, loc, parent=parent), loc, params, keywords)


def role_items(use: RoleUse) -> list[Item]:
    """The tasks a role use runs, dependencies first (each wrapped in a Block with
    ``role_use``), for listings: what ``--list-tasks`` shows for a role."""
    out: list[Item] = []
    for dep in use.role.dependencies:
        out.append(Block(role_items(dep), dep.location, keywords=dict(dep.keywords), role=dep.role, role_use=dep))
    out.extend(use.role.tasks)
    return out
