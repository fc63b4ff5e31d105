"""A loaded playbook: plays, blocks, tasks and roles, each with where it was written.

The loader checks every keyword against the tables below and turns short forms into one
shape (``- copy: src=a dest=b`` and ``action:``/``local_action:`` all become a
:class:`Task` with ``action`` and ``args``); the runner reads only this model, never YAML.
Keyword values stay as written (strings with ``{{ }}`` are templated at run time, per
host, as Ansible does); inheritance (a play's ``become`` reaching its tasks, a block's
``when`` joining its tasks') is the runner's job, so the model keeps each keyword on the
object that declared it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

from ftltui.errors import FtlError, Location

# Keywords each object accepts (ansible-core 2.19's playbook keyword reference). The
# loader rejects any other key with file, line and the keyword's name; a keyword listed
# in UNSUPPORTED is rejected at --syntax-check with "not supported by ftl-tui".
COMMON_KEYWORDS = frozenset({
    "name", "any_errors_fatal", "become", "become_exe", "become_flags", "become_method",
    "become_user", "check_mode", "collections", "connection", "debugger", "diff", "environment",
    "ignore_errors", "ignore_unreachable", "module_defaults", "no_log", "port", "remote_user",
    "run_once", "tags", "throttle", "timeout", "vars",
})
PLAY_KEYWORDS = COMMON_KEYWORDS | frozenset({
    "hosts", "gather_facts", "gather_subset", "gather_timeout", "fact_path", "force_handlers",
    "handlers", "max_fail_percentage", "order", "post_tasks", "pre_tasks", "roles", "serial",
    "strategy", "tasks", "vars_files", "vars_prompt",
})
BLOCK_KEYWORDS = COMMON_KEYWORDS | frozenset({
    "block", "rescue", "always", "when", "delegate_to", "delegate_facts", "notify",
})
TASK_KEYWORDS = COMMON_KEYWORDS | frozenset({
    "action", "args", "async", "changed_when", "delay", "delegate_facts", "delegate_to",
    "failed_when", "local_action", "loop", "loop_control", "notify", "poll", "register",
    "retries", "until", "when", "listen",
}) | frozenset(f"with_{k}" for k in (
    "items", "dict", "fileglob", "together", "sequence", "list", "indexed_items", "flattened",
    "nested", "subelements", "random_choice", "first_found", "lines", "file", "env",
))
ROLE_ENTRY_KEYWORDS = COMMON_KEYWORDS | frozenset({"role", "when", "delegate_to", "delegate_facts"})

# Keywords the loader accepts (they are Ansible's) but ftl-tui does not run: --syntax-check
# and load fail naming the keyword, file and line. The runner removes a name from here
# when it implements it.
UNSUPPORTED_KEYWORDS = frozenset({"async", "poll", "debugger", "order", "fact_path", "gather_timeout"})
# ``connection:`` values ftl-tui runs (templates are checked at run time)
SUPPORTED_CONNECTIONS = frozenset({"ssh", "local", "smart"})

# Actions the runner performs on the controller (never sent to a host as a module). The
# loader accepts them as task actions beside native and installed Ansible modules;
# ``import_tasks``/``import_role`` never reach the runner (the loader expands them).
CONTROLLER_ACTIONS = frozenset({
    "debug", "set_fact", "assert", "fail", "include_vars", "import_tasks", "include_tasks",
    "import_role", "include_role", "add_host", "group_by", "pause", "wait_for_connection", "meta",
    "set_stats", "validate_argument_spec",
})
# Actions whose string argument keeps words without ``=`` as ``_raw_params`` (Ansible's
# free-form modules and the controller actions that take a free-form argument).
RAW_PARAMS_ACTIONS = frozenset({
    "command", "shell", "raw", "script", "win_command", "win_shell",
    "include_vars", "include_tasks", "import_tasks", "include_role", "import_role", "add_host",
    "group_by", "set_fact", "meta",
})
_BUILTIN_PREFIXES = ("ansible.builtin.", "ansible.legacy.")


def builtin_name(action: str) -> str:
    """``ansible.builtin.X`` / ``ansible.legacy.X`` -> ``X`` (other names unchanged): the
    loader and the runner compare actions by this name."""
    for prefix in _BUILTIN_PREFIXES:
        if action.startswith(prefix):
            return action[len(prefix):]
    return action


class PlaybookError(FtlError):
    """A playbook, task file, role or vars file is invalid: ansible-playbook's parser
    error (exit status 4), with file, line and what was expected."""


class PlayKeywordError(PlaybookError):
    """A play keyword whose template fails when the play starts (``hosts: "{{ nope }}"``):
    ansible-playbook stops the whole run there with exit 4, no recap, and names where the
    value was written."""


@dataclass
class Task:
    """One task (or handler). ``action`` is the module or action name as written after
    alias resolution of the short forms (``copy``, ``ansible.builtin.copy``,
    ``include_tasks``, ``meta``...); ``args`` are its arguments, free-form text kept as
    ``{"_raw_params": "..."}`` for ``command``/``shell``/``raw``/``script``/``include_*``/
    ``meta`` and ``k=v`` strings already split into a mapping (values still templates).
    ``keywords`` holds every other keyword as written (``when``, ``loop``, ``register``,
    ``notify``, ``become``, ``tags``...). ``listen`` is set for handlers only."""

    action: str
    args: dict[str, Any]
    location: Location
    name: str | None = None
    keywords: dict[str, Any] = field(default_factory=dict)
    role: Role | None = None  # the role the task was read from (names it "role : task", sets role_path)

    @property
    def label(self) -> str:
        """The name ansible-playbook prints in ``TASK [...]``."""
        base = self.name if self.name else self.action
        return f"{self.role.name} : {base}" if self.role is not None else base


@dataclass
class Block:
    """``block``/``rescue``/``always`` with the keywords that apply to all three."""

    block: list[Item]
    location: Location
    rescue: list[Item] = field(default_factory=list)
    always: list[Item] = field(default_factory=list)
    name: str | None = None
    keywords: dict[str, Any] = field(default_factory=dict)
    role: Role | None = None
    # set when the block is a role applied statically (``import_role``): the runner enters
    # that role's scope (defaults, vars, params, role_path) and runs its dependencies
    # first, as for an entry of ``roles:``; ``block`` holds the role's own tasks
    role_use: RoleUse | None = None


Item = Union[Task, Block]


@dataclass
class Role:
    """A role directory, loaded: its task list (``tasks/main.yml`` or ``tasks_from``), its
    handlers, defaults and vars (files already read, values still templates), its
    ``meta/main.yml`` dependencies (resolved to :class:`RoleUse`) and argument specs."""

    name: str  # as the user wrote it (``common``, ``ns.coll.role``)
    path: Path
    tasks: list[Item] = field(default_factory=list)
    handlers: list[Task] = field(default_factory=list)
    defaults: dict[str, Any] = field(default_factory=dict)
    vars: dict[str, Any] = field(default_factory=dict)
    dependencies: list[RoleUse] = field(default_factory=list)
    allow_duplicates: bool = False
    argument_specs: dict[str, Any] = field(default_factory=dict)  # meta/argument_specs.yml, per entry point
    collection: str | None = None  # ``ns.coll`` for a role inside a collection


@dataclass
class RoleUse:
    """A role applied in a play's ``roles:``, or as another role's dependency, with its
    params (role params: high variable precedence) and entry keywords (``when``, ``tags``,
    ``become``, ``vars``...)."""

    role: Role
    location: Location
    params: dict[str, Any] = field(default_factory=dict)
    keywords: dict[str, Any] = field(default_factory=dict)


@dataclass
class Play:
    """One play. ``hosts`` is the pattern as written (may be a template or a list,
    joined with ``,``). ``vars_files`` entries stay as written (templates, lists of
    alternatives): the runner reads them per host, as Ansible does."""

    hosts: str
    location: Location
    name: str | None = None
    pre_tasks: list[Item] = field(default_factory=list)
    roles: list[RoleUse] = field(default_factory=list)
    tasks: list[Item] = field(default_factory=list)
    post_tasks: list[Item] = field(default_factory=list)
    handlers: list[Task] = field(default_factory=list)
    vars: dict[str, Any] = field(default_factory=dict)
    vars_files: list[Any] = field(default_factory=list)
    vars_prompt: list[dict[str, Any]] = field(default_factory=list)
    keywords: dict[str, Any] = field(default_factory=dict)  # gather_facts, serial, become, strategy, ...
    base_dir: Path = Path(".")  # the playbook's directory: relative files, templates and roles resolve here
    # where ``include_role`` looks at run time, as roles:/import_role did at load time
    roles_path: tuple[Path, ...] = ()
    collections_paths: tuple[Path, ...] = ()
    hosts_at: Location | None = None  # where ``hosts:``'s value was written: a template error names it

    @property
    def label(self) -> str:
        """What ansible-playbook prints in ``PLAY [...]``: the name, else the pattern."""
        return self.name if self.name is not None else self.hosts


@dataclass
class Playbook:
    """Plays in order, ``import_playbook`` already expanded (each play keeps its own
    ``base_dir``). ``files`` maps every file read (playbook, imports, roles, vars files
    loaded statically) to its content hash, so a job can store what it ran."""

    path: Path
    plays: list[Play]
    files: dict[str, str] = field(default_factory=dict)
