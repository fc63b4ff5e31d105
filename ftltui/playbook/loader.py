"""Loading an Ansible playbook into :mod:`ftltui.playbook.model`, checked before anything runs.

A playbook is a YAML list of plays and ``import_playbook`` entries (a ftl-tui workflow is
a mapping: :func:`is_playbook` tells them apart by shape). Every key is checked against
the keyword tables of the model; unknown keywords, keywords ftl-tui does not run, actions
that name no module, and files that cannot be found are a :class:`PlaybookError` with
file, line and the offending name. Static imports (``import_playbook``, ``import_tasks``,
``import_role``) and roles are expanded now; ``include_*`` stay tasks for the runner,
which calls :func:`load_task_file` and :func:`load_role` when it reaches them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from ftltui.errors import Location
from ftltui.playbook.loader_keywords import check_keywords, merged_vars
from ftltui.playbook.loader_tasks import LoadContext, load_items, load_task_file_items
from ftltui.playbook.loader_yaml import (
    item_where,
    key_where,
    read_text,
    read_yaml,
    type_name,
    value_where,
    where,
)
from ftltui.playbook.model import (
    PLAY_KEYWORDS,
    Block,
    Item,
    Play,
    Playbook,
    PlaybookError,
    Role,
)
from ftltui.playbook.roles import flat_handlers, load_role_in, role_entry
from ftltui.playbook.vars_prompt import encrypt_problem
from ftltui.vault import VaultKeyring

IMPORT_PLAYBOOK_KEYS = frozenset({"import_playbook", "name", "vars", "tags", "when"})
VARS_PROMPT_KEYS = frozenset({"name", "prompt", "default", "private", "confirm", "encrypt", "salt_size", "salt",
                              "unsafe"})
_SECTIONS = ("pre_tasks", "tasks", "post_tasks")


def is_playbook(path: Path) -> bool:
    """True when the file is a YAML list (a playbook), False for a mapping (a workflow).

    A file that does not parse is judged by its first content line (``- ``: a playbook),
    so the error comes from the loader the user meant.
    """
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    try:
        for event in yaml.parse(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
            if isinstance(event, yaml.SequenceStartEvent):
                return True
            if isinstance(event, (yaml.MappingStartEvent, yaml.ScalarEvent)):
                return False
    except yaml.YAMLError:
        pass
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#") and stripped != "---":
            return stripped.startswith("- ") or stripped == "-"
    return False


def has_document(text: str) -> bool:
    """False for YAML text that loads as nothing (blank, comments, ``---``, ``null``):
    ansible-playbook's "Empty playbook, nothing to do". Text that does not parse is True:
    the loader says why, with its line."""
    try:
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) is not None
    except yaml.YAMLError:
        return True


def load_playbook(path: Path, *, roles_path: Sequence[Path] = (), collections_paths: Sequence[Path] = (),
                  vault: VaultKeyring | None = None) -> Playbook:
    """The playbook at ``path`` with every import and role expanded; PlaybookError if invalid."""
    path = Path(path)
    files: dict[str, str] = {}
    plays: list[Play] = []
    roles_cache: dict[tuple[Any, ...], Role] = {}
    _load_plays(path, tuple(Path(p) for p in roles_path), tuple(Path(p) for p in collections_paths), vault,
                files, plays, (), roles_cache, {})
    from ftltui.playbook.template_check import check_collection_plugins

    check_collection_plugins(files)  # a collection filter ftl-tui cannot run: an error now, with its line
    return Playbook(path, plays, files)


def _load_plays(path: Path, roles_path: tuple[Path, ...], collections_paths: tuple[Path, ...],
                vault: VaultKeyring | None, files: dict[str, str], plays: list[Play], stack: tuple[str, ...],
                roles_cache: dict[tuple[Any, ...], Role], inherited: dict[str, Any]) -> None:
    file = str(path)
    data = read_yaml(path, vault, files)
    if data is None:
        raise PlaybookError("empty playbook, nothing to do", Location(file, 1))
    if not isinstance(data, list):
        raise PlaybookError(f"a playbook must be a list of plays, got a {type_name(data)} (a mapping is an ftl-tui "
                            "workflow file)", where(file, data))
    stack = stack + (str(path.resolve()),)
    for index, entry in enumerate(data):
        if not isinstance(entry, dict):
            raise PlaybookError(f"playbook entries must be either valid plays or 'import_playbook' statements, got a "
                                f"{type_name(entry)}", item_where(file, data, index))
        if "import_playbook" in entry:
            _import_playbook(entry, file, path, roles_path, collections_paths, vault, files, plays, stack,
                             roles_cache, inherited)
            continue
        ctx = LoadContext(path.parent, roles_path, collections_paths, vault, files, roles=roles_cache)
        plays.append(_apply_import(load_play(entry, file, ctx), inherited))


def _import_playbook(entry: dict[str, Any], file: str, path: Path, roles_path: tuple[Path, ...],
                     collections_paths: tuple[Path, ...], vault: VaultKeyring | None, files: dict[str, str],
                     plays: list[Play], stack: tuple[str, ...], roles_cache: dict[tuple[Any, ...], Role],
                     inherited: dict[str, Any]) -> None:
    for key in entry:
        if key not in IMPORT_PLAYBOOK_KEYS:
            raise PlaybookError(f"'{key}' is not allowed on import_playbook (ftl-tui takes "
                                f"{', '.join(sorted(IMPORT_PLAYBOOK_KEYS))})", key_where(file, entry, key))
    check_keywords({k: v for k, v in entry.items() if k in ("vars", "tags")}, file, entry, "import_playbook")
    target = entry["import_playbook"]
    at = value_where(file, entry, "import_playbook")
    if not isinstance(target, str) or not target.strip():
        raise PlaybookError("import_playbook: expected the path of a playbook", at)
    if "{{" in target or "{%" in target:
        raise PlaybookError(f"import_playbook: {target!r} is a template; ftl-tui imports playbooks before any "
                            "variable exists", at)
    sub = _playbook_path(target.strip(), path, collections_paths, at)
    if str(sub.resolve()) in stack:
        raise PlaybookError(f"import_playbook: {target} imports itself (recursion)", at)
    nested = _merge_inherited(inherited, entry)
    _load_plays(sub, roles_path, collections_paths, vault, files, plays, stack, roles_cache, nested)


def _playbook_path(target: str, path: Path, collections_paths: tuple[Path, ...], at: Location) -> Path:
    candidate = Path(target).expanduser()
    if not candidate.is_absolute():
        candidate = path.parent / candidate
    if candidate.is_file():
        return candidate
    parts = target.split(".")
    if "/" not in target and len(parts) >= 3:  # ns.coll.playbook: playbooks/ of a collection
        from ftltui.ansible_modules.locations import collection_roots, find_collection

        found = find_collection(".".join(parts[:2]), collection_roots([str(p) for p in collections_paths],
                                                                      str(path.parent)))
        if found is not None:
            base = Path(found[1]) / "playbooks" / Path(*parts[2:])
            for ext in (".yml", ".yaml"):
                if base.with_name(base.name + ext).is_file():
                    return base.with_name(base.name + ext)
    raise PlaybookError(f"import_playbook: cannot find {target!r} (looked at {candidate})", at)


def _merge_inherited(inherited: dict[str, Any], entry: dict[str, Any]) -> dict[str, Any]:
    """What an ``import_playbook`` passes to its plays: vars (they override the plays'),
    tags (added to the plays'), when (every task of the plays is conditional on it)."""
    tags = entry.get("tags")
    when = entry.get("when")
    out_vars: dict[str, Any] = {**inherited.get("vars", {}), **merged_vars(entry.get("vars"))}
    out_tags: list[Any] = [*inherited.get("tags", []),
                           *(tags if isinstance(tags, list) else [] if tags is None else [tags])]
    out_when: list[Any] = [*inherited.get("when", []),
                           *(when if isinstance(when, list) else [] if when is None else [when])]
    return {"vars": out_vars, "tags": out_tags, "when": out_when}


def _apply_import(play: Play, inherited: dict[str, Any]) -> Play:
    if not inherited:
        return play
    play.vars = {**play.vars, **inherited["vars"]}
    if inherited["tags"]:
        own = play.keywords.get("tags")
        own_list = own if isinstance(own, list) else [] if own is None else [own]
        play.keywords["tags"] = own_list + inherited["tags"]
    if inherited["when"]:
        cond = {"when": list(inherited["when"])}
        for section in _SECTIONS:
            items: list[Item] = getattr(play, section)
            if items:
                setattr(play, section, [Block(items, play.location, keywords=dict(cond))])
        for use in play.roles:
            own = use.keywords.get("when")
            use.keywords["when"] = list(inherited["when"]) + (own if isinstance(own, list) else
                                                               [] if own is None else [own])
        for handler in play.handlers:
            own = handler.keywords.get("when")
            handler.keywords["when"] = list(inherited["when"]) + (own if isinstance(own, list) else
                                                                   [] if own is None else [own])
    return play


def load_play(data: dict[str, Any], file: str, ctx: LoadContext) -> Play:
    """One play mapping."""
    loc = where(file, data)
    for key in data:
        if key not in PLAY_KEYWORDS:
            raise PlaybookError(f"'{key}' is not a valid attribute for a Play", key_where(file, data, key))
    if "hosts" not in data or data["hosts"] is None:
        raise PlaybookError("the field 'hosts' is required but was not set", loc)
    hosts = data["hosts"]
    if isinstance(hosts, list):
        if not all(isinstance(h, (str, int)) for h in hosts):
            raise PlaybookError("hosts: expected a host pattern or a list of them", value_where(file, data, "hosts"))
        hosts = ",".join(str(h) for h in hosts)
    elif not isinstance(hosts, (str, int)) or isinstance(hosts, bool):
        raise PlaybookError(f"hosts: expected a host pattern, got a {type_name(hosts)}", value_where(file, data, "hosts"))
    if not str(hosts).strip():
        raise PlaybookError("hosts: the host pattern is empty", value_where(file, data, "hosts"))
    keywords = {k: v for k, v in data.items() if k not in ("hosts", "name", "vars", "vars_files", "vars_prompt",
                                                         "roles", "handlers", *_SECTIONS)}
    check_keywords({**keywords, **({"vars": data["vars"]} if "vars" in data else {})}, file, data, "play")
    collections = keywords.get("collections") or []
    ctx.collections = tuple(collections)
    name = data.get("name")
    play = Play(str(hosts), loc, None if name is None else str(name), keywords=keywords, base_dir=ctx.play_dir,
                roles_path=ctx.roles_path, collections_paths=ctx.collections_paths,
                hosts_at=value_where(file, data, "hosts"))
    play.vars = dict(merged_vars(data.get("vars")))
    play.vars_files = _vars_files(data.get("vars_files"), file, data)
    _record_static_files(play.vars_files, ctx)
    play.vars_prompt = _vars_prompt(data.get("vars_prompt"), file, data)
    play.pre_tasks = load_items(data.get("pre_tasks"), file, ctx, None, what="pre_tasks")
    roles = data.get("roles")
    if roles is not None and not isinstance(roles, list):
        raise PlaybookError(f"roles: expected a list of roles, got a {type_name(roles)}", value_where(file, data, "roles"))
    play.roles = [role_entry(r, file, ctx, item_where(file, roles, i)) for i, r in enumerate(roles or [])]
    play.tasks = load_items(data.get("tasks"), file, ctx, None, what="tasks")
    play.post_tasks = load_items(data.get("post_tasks"), file, ctx, None, what="post_tasks")
    play.handlers = flat_handlers(load_items(data.get("handlers"), file, ctx, None, what="handlers"))
    return play


def _vars_files(value: Any, file: str, data: Any) -> list[Any]:
    if value is None:
        return []
    entries = value if isinstance(value, list) else [value]
    for entry in entries:
        ok = isinstance(entry, str) or (isinstance(entry, list) and all(isinstance(e, str) for e in entry))
        if not ok:
            raise PlaybookError("vars_files: expected file names (or lists of alternatives)",
                                value_where(file, data, "vars_files"))
    return list(entries)


def _record_static_files(vars_files: list[Any], ctx: LoadContext) -> None:
    """Hash the ``vars_files`` whose names hold no template, so a job stores them too (the
    runner reads them per host; a missing or unreadable one is its error to report)."""
    for entry in vars_files:
        for name in entry if isinstance(entry, list) else [entry]:
            if "{{" in name or "{%" in name:
                continue
            path = Path(name).expanduser()
            path = path if path.is_absolute() else ctx.play_dir / path
            if path.is_file():
                try:
                    read_text(path, ctx.files)
                except PlaybookError:
                    pass


def _vars_prompt(value: Any, file: str, data: Any) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise PlaybookError("vars_prompt: expected a list of prompts", value_where(file, data, "vars_prompt"))
    out = []
    for entry in value:
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise PlaybookError("vars_prompt: each prompt needs 'name: VARIABLE'", where(file, entry) if
                                isinstance(entry, dict) else value_where(file, data, "vars_prompt"))
        for key in entry:
            if key not in VARS_PROMPT_KEYS:
                raise PlaybookError(f"vars_prompt: unknown option {key!r}; expected one of "
                                    f"{', '.join(sorted(VARS_PROMPT_KEYS))}", key_where(file, entry, key))
        problem = encrypt_problem(entry.get("encrypt"))  # refused here, not ignored (hR s11 finding 9)
        if problem is not None:
            raise PlaybookError(problem, key_where(file, entry, "encrypt"))
        if not isinstance(entry.get("salt_size", 0), int):
            raise PlaybookError(f"vars_prompt: salt_size must be a number, got {entry['salt_size']!r}",
                                key_where(file, entry, "salt_size"))
        out.append(dict(entry))
    return out


def load_task_file(path: Path, *, role: Role | None, play_dir: Path | None = None,
                   roles_path: Sequence[Path] = (), collections_paths: Sequence[Path] = (),
                   vault: VaultKeyring | None = None, files: dict[str, str] | None = None) -> list[Item]:
    """A task file's items (``include_tasks`` at run time); ``files`` collects what was read."""
    path = Path(path)
    ctx = LoadContext(play_dir or path.parent, tuple(roles_path), tuple(collections_paths), vault,
                      files if files is not None else {})
    return load_task_file_items(path, ctx, role)


def load_role(name: str, *, play_dir: Path, roles_path: Sequence[Path] = (), collections_paths: Sequence[Path] = (),
              tasks_from: str = "main", vars_from: str = "main", defaults_from: str = "main",
              handlers_from: str = "main", vault: VaultKeyring | None = None, collections: Sequence[str] = (),
              files: dict[str, str] | None = None, parent: Role | None = None) -> Role:
    """A role for ``include_role``/``import_role`` (its dependencies in ``role.dependencies``);
    ``parent`` is the role that includes it (a short name is looked up in its collection first)."""
    ctx = LoadContext(Path(play_dir), tuple(roles_path), tuple(collections_paths), vault,
                      files if files is not None else {}, collections=tuple(collections))
    return load_role_in(name, ctx, None, tasks_from=tasks_from, vars_from=vars_from, defaults_from=defaults_from,
                        handlers_from=handlers_from, parent=parent)


__all__ = ["has_document", "is_playbook", "load_play", "load_playbook", "load_role", "load_task_file", "read_text"]
