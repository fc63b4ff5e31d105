"""What a task inherits from the play, roles and blocks around it.

The model keeps each keyword on the object that declared it; Ansible's inheritance
(a play's ``become`` reaching its tasks, a block's ``when`` joining its tasks', tags
adding up) is computed here, once per nesting level, as an immutable :class:`Scope`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from ftltui.playbook.model import Role, RoleUse

# keywords whose innermost value wins (task over block over role entry over play)
INHERITED = frozenset({
    "become", "become_user", "become_method", "become_flags", "become_exe", "remote_user",
    "check_mode", "diff", "ignore_errors", "ignore_unreachable", "no_log", "any_errors_fatal",
    "run_once", "delegate_to", "delegate_facts", "connection", "port", "timeout", "throttle",
    "module_defaults", "collections",
})


@dataclass(frozen=True)
class Scope:
    """Keywords, vars, conditions and tags from the enclosing play/role/blocks.

    ``keywords`` is outermost first; ``var_layers`` are block/role-entry ``vars`` outermost
    first; ``whens`` are the enclosing conditions (all must hold); ``roles`` is the chain
    of role uses from the outermost (for defaults, vars and params)."""

    keywords: tuple[dict[str, Any], ...] = ()
    var_layers: tuple[dict[str, Any], ...] = ()
    whens: tuple[Any, ...] = ()
    tags: frozenset[str] = frozenset()
    environment: tuple[Any, ...] = ()
    roles: tuple[RoleUse, ...] = ()
    extra_vars: dict[str, Any] = field(default_factory=dict)  # include params (task vars level)

    def enter(self, keywords: dict[str, Any], *, role: RoleUse | None = None) -> Scope:
        """The scope inside an object (play, role entry, block, include) with ``keywords``."""
        inherited = {k: v for k, v in keywords.items() if k in INHERITED}
        when = keywords.get("when")
        env = keywords.get("environment")
        vars_ = keywords.get("vars") or {}
        return replace(
            self,
            keywords=self.keywords + ((inherited,) if inherited else ()),
            var_layers=self.var_layers + ((dict(vars_),) if vars_ else ()),
            whens=self.whens + (tuple(as_list(when)) if when is not None else ()),
            tags=self.tags | tag_set(keywords.get("tags")),
            environment=self.environment + ((env,) if env else ()),
            roles=self.roles + ((role,) if role is not None else ()),
        )

    def keyword(self, name: str, task_keywords: dict[str, Any], default: Any = None) -> Any:
        if name in task_keywords:
            return task_keywords[name]
        for kw in reversed(self.keywords):
            if name in kw:
                return kw[name]
        return default

    @property
    def role(self) -> Role | None:
        return self.roles[-1].role if self.roles else None


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def tag_set(value: Any) -> frozenset[str]:
    """Tags as written: a list, or a comma-separated string."""
    out: set[str] = set()
    for v in as_list(value):
        out.update(t.strip() for t in str(v).split(",") if t.strip())
    return frozenset(out)


def tags_selected(tags: Iterable[str], only: Iterable[str], skip: Iterable[str]) -> bool:
    """Ansible's tag selection: ``always`` runs unless skipped by name, ``never`` only
    when asked for by name, ``tagged``/``untagged``/``all`` as documented."""
    tags = frozenset(tags)
    only = tag_set(list(only)) or frozenset({"all"})  # "-t a,b" and "-t a -t b" alike
    skip = tag_set(list(skip))
    untagged = not tags
    effective = tags or frozenset({"untagged"})
    asked = "all" in only and "never" not in tags
    asked = asked or not effective.isdisjoint(only)
    asked = asked or ("tagged" in only and not untagged and "never" not in tags)
    run = "always" in tags or asked
    if run and skip:
        if "all" in skip:
            run = "always" in tags and "always" not in skip
        elif not effective.isdisjoint(skip) or ("tagged" in skip and not untagged):
            run = False
    return run
