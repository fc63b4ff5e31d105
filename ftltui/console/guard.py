"""Read-only sessions and protected groups: the one check every write goes through.

A console (or any face on a :class:`~ftltui.console.ConsoleSession`) can be opened
read-only: everything can be seen, nothing can be started or changed. The refusal is
made here, in the console core, so a face that forgets to hide a key still cannot act:
each write operation of the session calls :meth:`Guard.check_write` first and raises
:class:`ReadOnlyRefusal` (an :class:`~ftltui.errors.FtlError`, so every face already
shows it as one line).

Protected groups are groups a run must not touch by accident (``prod``): a run, play
or workflow whose hosts include a host of one of them raises
:class:`ProtectedConfirmationRequired` naming the host count, unless the caller says
the operator confirmed (the console asks; the CLI wants ``--confirm-protected``).

Both are set by the face (``ftl-tui --readonly``, ``--protected GROUP``) or by the
inventory itself, for production inventories, as variables of the group ``all``:

* ``ftl_tui_readonly: true``: every console and CLI write on this inventory is refused;
* ``ftl_tui_protected_groups: [prod, db]`` (or ``"prod,db"``).

The inventory's word is read each time (a reloaded inventory takes effect at once) and
can only add restrictions: an inventory cannot make a ``--readonly`` session writable.
Plain Python: no textual.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ftltui.errors import FtlError

if TYPE_CHECKING:
    from ftltui.inventory import Inventory
    from ftltui.vault import VaultKeyring

READONLY_VAR = "ftl_tui_readonly"
PROTECTED_VAR = "ftl_tui_protected_groups"
TRUE_WORDS = frozenset({"true", "yes", "on", "1"})


class ReadOnlyRefusal(FtlError):
    """A write asked of a read-only session; ``action`` names it (``run``, ``cancel`` ...)."""

    def __init__(self, action: str, why: str) -> None:
        self.action = action
        self.why = why
        super().__init__(f"read-only: {action} refused ({why})")


@dataclass(frozen=True)
class ProtectedTouch:
    """The protected hosts a run would touch, and the protected groups they are in."""

    groups: tuple[str, ...]
    hosts: tuple[str, ...]

    @property
    def message(self) -> str:
        n = len(self.hosts)
        groups = ", ".join(self.groups)
        return (f"This run touches {n} host{'' if n == 1 else 's'} in protected "
                f"group{'' if len(self.groups) == 1 else 's'} {groups}")


class ProtectedConfirmationRequired(FtlError):
    """A run on protected hosts that nobody confirmed; ``touch`` says which."""

    def __init__(self, touch: ProtectedTouch, how: str = "confirm to continue") -> None:
        self.touch = touch
        super().__init__(f"{touch.message}; {how}")


@dataclass(frozen=True)
class Policy:
    """What applies now: the face's settings joined with the inventory's."""

    readonly: bool = False
    why: str = ""  # where read-only came from, for the refusal message
    protected_groups: tuple[str, ...] = ()


def _truthy(value: object) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in TRUE_WORDS


def _group_names(value: object) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    items = value.split(",") if isinstance(value, str) else value if isinstance(value, (list, tuple)) else [value]
    return tuple(dict.fromkeys(str(v).strip() for v in items if str(v).strip()))


def _all_vars(inventory: Inventory | None) -> dict[str, Any]:
    if inventory is None:
        return {}
    group = inventory.groups.get("all")
    return dict(group.vars) if group is not None else {}


class Guard:
    """The face's read-only flag and protected groups; the inventory may add to both."""

    def __init__(self, readonly: bool = False, protected_groups: Sequence[str] = (),
                 why: str = "--readonly") -> None:
        self.readonly = readonly
        self.protected_groups = tuple(protected_groups)
        self.why = why

    def policy(self, inventory: Inventory | None) -> Policy:
        av = _all_vars(inventory)
        readonly, why = self.readonly, self.why if self.readonly else ""
        if not readonly and _truthy(av.get(READONLY_VAR, False)):
            readonly, why = True, f"the inventory sets {READONLY_VAR}"
        groups = tuple(dict.fromkeys(self.protected_groups + _group_names(av.get(PROTECTED_VAR))))
        return Policy(readonly, why, groups)

    def check_write(self, action: str, inventory: Inventory | None) -> None:
        """Raise :class:`ReadOnlyRefusal` when the session is read-only now."""
        policy = self.policy(inventory)
        if policy.readonly:
            raise ReadOnlyRefusal(action, f"this session is read-only: {policy.why}")

    def protected(self, inventory: Inventory | None, hosts: Iterable[str]) -> ProtectedTouch | None:
        """The protected hosts among ``hosts`` (None when there are none)."""
        groups = self.policy(inventory).protected_groups
        if not groups or inventory is None:
            return None
        wanted = set(hosts)
        hit_groups: list[str] = []
        hit_hosts: dict[str, None] = {}
        for name in groups:
            try:
                members = [h.name for h in inventory.select(name)]
            except FtlError:
                continue  # a protected group this inventory does not have
            hit = [h for h in members if h in wanted]
            if hit:
                hit_groups.append(name)
                hit_hosts.update((h, None) for h in hit)
        if not hit_hosts:
            return None
        return ProtectedTouch(tuple(hit_groups), tuple(hit_hosts))

    def check_run(self, action: str, inventory: Inventory | None, hosts: Iterable[str], *, confirmed: bool = False,
                  how: str = "confirm to continue") -> None:
        """A write that runs on ``hosts``: read-only refuses it; protected hosts need ``confirmed``."""
        self.check_targets(action, inventory, lambda: hosts, confirmed=confirmed, how=how)

    def check_targets(self, action: str, inventory: Inventory | None, hosts: Callable[[], Iterable[str]], *,
                      confirmed: bool = False, how: str = "confirm to continue") -> None:
        """The protected-group check every face makes (console, CLI, API owner, attached
        console): read-only refuses ``action``; then, only when protected groups are in
        force and nobody confirmed, ``hosts()`` is asked for the names the write would
        touch (loading a playbook or a workflow for it is not free, so it is lazy) and
        :class:`ProtectedConfirmationRequired` raised if any is protected."""
        self.check_write(action, inventory)
        if confirmed or not self.policy(inventory).protected_groups:
            return
        touch = self.protected(inventory, hosts())
        if touch is not None:
            raise ProtectedConfirmationRequired(touch, how)


def workflow_hosts(path: str, inventory: Inventory | None) -> list[str]:
    """Every host a workflow file's steps name (its own loader, so the file's errors are its)."""
    from ftltui.jobs.workflow.loader import load_workflow

    if inventory is None:
        return []
    wf = load_workflow(path, inventory)
    names: dict[str, None] = {}
    for step in wf.steps.values():
        names.update((h.name, None) for h in inventory.select(step.hosts))
    return list(names)


def playbook_hosts(path: str, limit: str | None, inventory: Inventory | None, roles_path: Sequence[str] = (),
                   collections_paths: Sequence[str] = (), vault: VaultKeyring | None = None) -> list[str]:
    """The hosts a playbook's plays target within ``limit`` (the Jobs pane's own count)."""
    from pathlib import Path

    from ftltui.jobs.playbook_content import load
    from ftltui.jobs.playbook_kind import play_hosts

    playbook = load(Path(path), roles_path, collections_paths, vault)
    return list(play_hosts(playbook, inventory, limit))
