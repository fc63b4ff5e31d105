"""Task lists: tasks, blocks, and the static imports expanded while loading.

``import_tasks`` becomes a :class:`Block` of the imported file's tasks carrying the
import's keywords (``when``, ``tags``, ``vars``, ``become``...), as Ansible applies them to
every imported task; ``import_role`` becomes a Block with ``role_use`` set. Both are
resolved now, so ``--list-tasks`` and ``--syntax-check`` see them, and a loop or a
template in the file name is an error that says to use ``include_*`` (run time).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ftltui import modules
from ftltui.errors import FtlError, Location
from ftltui.playbook.loader_keywords import check_keywords, check_meta, merged_vars
from ftltui.playbook.loader_yaml import (
    item_where,
    key_where,
    read_yaml,
    type_name,
    where,
)
from ftltui.playbook.model import (
    BLOCK_KEYWORDS,
    CONTROLLER_ACTIONS,
    Block,
    Item,
    PlaybookError,
    Role,
    RoleUse,
    Task,
    builtin_name,
)
from ftltui.playbook.task_forms import task_form

if TYPE_CHECKING:
    from ftltui.vault import VaultKeyring

_IMPORT_KEYWORDS = BLOCK_KEYWORDS - {"block", "rescue", "always"}
IMPORT_ROLE_ARGS = frozenset({"name", "tasks_from", "vars_from", "defaults_from", "handlers_from",
                              "allow_duplicates", "public", "rolespec_validate"})
MAX_IMPORT_DEPTH = 64


@dataclass
class LoadContext:
    """What loading one play needs: where roles, collections and relative files are found,
    the vault, the files read so far (path -> sha256), and the imports in progress."""

    play_dir: Path
    roles_path: tuple[Path, ...] = ()
    collections_paths: tuple[Path, ...] = ()
    vault: VaultKeyring | None = None
    files: dict[str, str] = field(default_factory=dict)
    collections: tuple[str, ...] = ()  # the play's ``collections:`` keyword
    stack: tuple[str, ...] = ()  # task files and roles being loaded (recursion is an error)
    roles: dict[tuple[Any, ...], Role] = field(default_factory=dict)  # one Role object per role and entry points
    _resolved: dict[tuple[str, str | None], bool] = field(default_factory=dict)

    def resolves(self, action: str, role: Role | None = None) -> bool:
        """Is ``action`` a controller action, a native module or an installed Ansible module?"""
        key = (action, role.collection if role is not None else None)
        if key not in self._resolved:
            self._resolved[key] = self._resolve(action, role)
        return self._resolved[key]

    def _resolve(self, action: str, role: Role | None) -> bool:
        short = builtin_name(action)
        if short == "import_playbook":
            raise PlaybookError("import_playbook is only allowed at the top level of a playbook, not as a task")
        if short == "include":
            raise PlaybookError("'include' was removed from Ansible (2.16); use include_tasks or import_tasks")
        if "." not in short and (short in CONTROLLER_ACTIONS or short in modules.BUILTIN or short in modules.ALIASES):
            return True
        from ftltui.ansible_modules.finder import find_module

        names = [action]
        if "." not in action:
            colls = ([role.collection] if role is not None and role.collection else []) + list(self.collections)
            names = [f"{c}.{action}" for c in colls] + names
        paths = [str(p) for p in self.collections_paths]
        for name in names:
            try:
                if find_module(name, collections_paths=paths, playbook_dir=str(self.play_dir)) is not None:
                    return True
            except FtlError as exc:  # removed (tombstone) or broken routing: say so
                raise PlaybookError(exc.message) from None
        return False


def load_items(data: Any, file: str, ctx: LoadContext, role: Role | None, *, what: str = "tasks") -> list[Item]:
    """A list of tasks/blocks as written in ``file`` (a section of a play, a task file)."""
    if data is None:
        return []
    if not isinstance(data, list):
        raise PlaybookError(f"{what}: expected a list of tasks, got a {type_name(data)}", where(file, data))
    items: list[Item] = []
    for index, entry in enumerate(data):
        if not isinstance(entry, dict):
            raise PlaybookError(f"expected a task (a mapping), got a {type_name(entry)}", item_where(file, data, index))
        items.append(load_item(entry, file, ctx, role))
    return items


def load_item(data: Any, file: str, ctx: LoadContext, role: Role | None) -> Item:
    if isinstance(data, dict) and any(k in data for k in ("block", "rescue", "always")):
        return _block(data, file, ctx, role)
    try:
        form = task_form(data, file, lambda a: ctx.resolves(a, role))
    except PlaybookError as exc:
        if exc.location is None:
            raise PlaybookError(exc.message, where(file, data)) from None
        raise
    loc = where(file, data)
    check_keywords(form.keywords, file, data, "task")
    name = form.keywords.pop("name", None)
    name = None if name is None else name if isinstance(name, str) else str(name)  # OriginText: a warning names it
    if "vars" in form.keywords:
        form.keywords["vars"] = merged_vars(form.keywords["vars"])
    short = builtin_name(form.action)
    if short == "meta":
        check_meta(form.args, loc)
    if short in ("import_tasks", "import_role"):
        for key in form.keywords:
            if key == "loop" or key.startswith("with_"):
                raise PlaybookError(f"You cannot use loops on '{short}' statements. You should use "
                                    f"'{short.replace('import', 'include')}' instead.", loc)
            if key not in _IMPORT_KEYWORDS:
                raise PlaybookError(f"'{key}' cannot be used on {short} (it is expanded when the playbook is loaded); "
                                    f"use {short.replace('import', 'include')} instead", key_where(file, data, key))
        if short == "import_tasks":
            return _import_tasks(form.args, form.keywords, name, loc, file, ctx, role)
        return _import_role(form.args, form.keywords, name, loc, ctx, role)
    return Task(form.action, form.args, loc, name, form.keywords, role)


def _block(data: dict[str, Any], file: str, ctx: LoadContext, role: Role | None) -> Block:
    for key in data:
        if key not in BLOCK_KEYWORDS:
            raise PlaybookError(f"'{key}' is not a valid attribute for a Block", key_where(file, data, key))
    keywords = {k: v for k, v in data.items() if k not in ("block", "rescue", "always", "name")}
    check_keywords(keywords, file, data, "block")
    if "vars" in keywords:
        keywords["vars"] = merged_vars(keywords["vars"])
    parts = {k: load_items(data.get(k), file, ctx, role, what=k) for k in ("block", "rescue", "always")}
    name = data.get("name")
    return Block(parts["block"], where(file, data), parts["rescue"], parts["always"],
                 None if name is None else str(name), keywords, role)


def _file_arg(args: dict[str, Any], action: str, loc: Location) -> str:
    target = args.get("_raw_params", args.get("file"))
    extra = set(args) - {"_raw_params", "file"}
    if extra:
        raise PlaybookError(f"{action}: unknown argument {sorted(extra)[0]!r}; expected the file name", loc)
    if not isinstance(target, str) or not target.strip():
        raise PlaybookError(f"{action}: expected the name of a task file", loc)
    if "{{" in target or "{%" in target:
        raise PlaybookError(f"{action}: the file name {target!r} is a template; ftl-tui expands {action} when "
                            "loading, before any variable exists: use include_tasks", loc)
    return target.strip()


def task_file_candidates(target: str, file: str, ctx: LoadContext, role: Role | None) -> list[Path]:
    """Where a relative task file is looked for: beside the including file, the role's
    ``tasks/``, then the playbook's directory."""
    path = Path(target).expanduser()
    if path.is_absolute():
        return [path]
    out = [Path(file).parent / path]
    if role is not None:
        out.append(role.path / "tasks" / path)
    out.append(ctx.play_dir / path)
    return out


def _import_tasks(args: dict[str, Any], keywords: dict[str, Any], name: str | None, loc: Location, file: str,
                  ctx: LoadContext, role: Role | None) -> Block:
    target = _file_arg(args, "import_tasks", loc)
    candidates = task_file_candidates(target, file, ctx, role)
    found = next((p for p in candidates if p.is_file()), None)
    if found is None:
        raise PlaybookError(f"import_tasks: cannot find {target!r} (looked in "
                            f"{', '.join(str(p.parent) for p in candidates)})", loc)
    items = load_task_file_items(found, ctx, role, loc)
    return Block(items, loc, name=name, keywords=keywords, role=role)


def load_task_file_items(path: Path, ctx: LoadContext, role: Role | None, loc: Location | None = None) -> list[Item]:
    """Every item of a task file; importing a file that is already being imported is an error."""
    key = str(path.resolve())
    if key in ctx.stack or len(ctx.stack) > MAX_IMPORT_DEPTH:
        raise PlaybookError(f"recursive import of {path}", loc)
    ctx.stack = ctx.stack + (key,)
    try:
        data = read_yaml(path, ctx.vault, ctx.files)
        return load_items(data, str(path), ctx, role, what=str(path.name))
    finally:
        ctx.stack = ctx.stack[:-1]


def _import_role(args: dict[str, Any], keywords: dict[str, Any], name: str | None, loc: Location,
                 ctx: LoadContext, parent: Role | None) -> Block:
    from ftltui.playbook.roles import load_role_in, without_validation

    for key in args:
        if key not in IMPORT_ROLE_ARGS:
            raise PlaybookError(f"import_role: unknown argument {key!r}; expected one of "
                                f"{', '.join(sorted(IMPORT_ROLE_ARGS))}", loc)
    role_name = args.get("name")
    if not isinstance(role_name, str) or not role_name:
        raise PlaybookError("import_role: expected 'name: ROLE'", loc)
    entry = {k: str(args[k]) for k in ("tasks_from", "vars_from", "defaults_from", "handlers_from") if k in args}
    role = load_role_in(role_name, ctx, loc, parent=parent, **entry)  # a collection role's siblings first
    use = RoleUse(role, loc)
    tasks = list(role.tasks)
    if str(args.get("rolespec_validate", True)).lower() in ("false", "no", "0", "off", "n", "f"):
        tasks = without_validation(tasks)
    return Block(tasks, loc, name=name, keywords=keywords, role=role, role_use=use)
