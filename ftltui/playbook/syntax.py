"""``--syntax-check``, ``--list-tasks``, ``--list-tags`` and ``--list-hosts``: what
ansible-playbook prints for a loaded playbook, without running anything.

The listings follow ansible-playbook 2.19's output (compared line by line in
tests/playbook/test_loader_listing.py): a task's tags are its own and every enclosing
block's, import's, role entry's and play's, sorted; tasks filtered out by ``--tags`` /
``--skip-tags`` are not listed, nor are handlers and the ``rescue``/``always`` parts of
blocks. :func:`tags_selected` is the tag rule itself (``always``, ``never``, ``all``,
``tagged``, ``untagged``), for the runner as well.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ftltui.engine.sanitize import safe_text
from ftltui.playbook.model import Block, Item, Play, Playbook, PlaybookError, Task
from ftltui.playbook.roles import role_items


def tag_names(value: Any) -> set[str]:
    """A ``tags:`` value as a set of names (``"a, b"`` is two tags, as in Ansible)."""
    if value is None:
        return set()
    values = value if isinstance(value, list) else [value]
    out: set[str] = set()
    for v in values:
        out.update(t.strip() for t in str(v).split(",") if t.strip())
    return out


def tags_selected(tags: set[str], only: Sequence[str] = (), skip: Sequence[str] = ()) -> bool:
    """Does a task with these (inherited) ``tags`` run under ``-t only`` / ``--skip-tags skip``?

    Ansible's documented rules: with no ``-t`` every task runs except those tagged ``never``;
    ``always`` runs unless skipped by name; ``never`` runs only when one of its tags is asked
    for; ``all``, ``tagged`` and ``untagged`` select by whether a task has tags.
    """
    wanted = set(only) or {"all"}
    if "always" in tags:
        run = True
    elif wanted & tags:
        run = True
    elif "all" in wanted and "never" not in tags:
        run = True
    elif "tagged" in wanted and tags and "never" not in tags:
        run = True
    elif "untagged" in wanted and not tags:
        run = True
    else:
        run = False
    if not run or not skip:
        return run
    skipped = set(skip)
    if skipped & tags:
        return False
    if "all" in skipped and "always" not in tags:
        return False
    if "tagged" in skipped and tags:
        return False
    if "untagged" in skipped and not tags:
        return False
    return True


@dataclass
class ListedTask:
    label: str
    tags: list[str]


@dataclass
class ListedPlay:
    """One play as ``--list-*`` shows it (``number`` counts from 1, across imports)."""

    number: int
    pattern: str
    label: str
    tags: list[str]
    tasks: list[ListedTask] = field(default_factory=list)


def _walk(items: Iterable[Item], inherited: set[str], only: Sequence[str], skip: Sequence[str],
          out: list[ListedTask]) -> None:
    for item in items:
        own = inherited | tag_names(item.keywords.get("tags"))
        if isinstance(item, Block):
            inner = list(item.block)
            if item.role_use is not None:
                inner = role_items(item.role_use)
            _walk(inner, own, only, skip, out)
        elif isinstance(item, Task) and tags_selected(own, only, skip):
            out.append(ListedTask(item.label, sorted(own)))


def play_tasks(play: Play, only: Sequence[str] = (), skip: Sequence[str] = ()) -> list[ListedTask]:
    """The tasks ``--list-tasks`` shows for ``play``, in run order, with their tags."""
    base = tag_names(play.keywords.get("tags"))
    out: list[ListedTask] = []
    _walk(play.pre_tasks, base, only, skip, out)
    for use in play.roles:
        _walk(role_items(use), base | tag_names(use.keywords.get("tags")), only, skip, out)
    _walk(play.tasks, base, only, skip, out)
    _walk(play.post_tasks, base, only, skip, out)
    return out


def list_plays(playbook: Playbook, only: Sequence[str] = (), skip: Sequence[str] = (), *,
               list_tags: bool = False) -> list[ListedPlay]:
    """The plays and tasks to list; with ``list_tags`` and no ``-t``, ``never`` tasks count
    too (ansible-playbook --list-tags shows every tag)."""
    if list_tags and not only:
        only = ("all", "never")
    return [ListedPlay(n, play.hosts, play.label, sorted(tag_names(play.keywords.get("tags"))),
                       play_tasks(play, only, skip)) for n, play in enumerate(playbook.plays, 1)]


def _tags(tags: Iterable[str]) -> str:
    return "[" + ", ".join(tags) + "]"


def format_listing(shown_path: str, plays: list[ListedPlay], *, tasks: bool = False, tags: bool = False,
                   hosts: Callable[[str], list[str]] | None = None) -> str:
    """ansible-playbook's text for ``--list-tasks``/``--list-tags``/``--list-hosts`` (any mix);
    ``shown_path`` is the playbook as given on the command line; ``hosts`` maps a play's
    pattern to its hosts (after ``--limit``) when ``--list-hosts`` is asked for."""
    lines = ["", f"playbook: {shown_path}"]
    for play in plays:
        lines += ["", f"  play #{play.number} ({play.pattern}): {play.label}\t{_tags(play.tags)}".replace(
            "\t[", "\tTAGS: [")]
        if hosts is not None:
            names = hosts(play.pattern)
            lines += [f"    pattern: {[play.pattern]!r}", f"    hosts ({len(names)}):"]
            lines += [f"      {h}" for h in names]
        if tasks:
            lines.append("    tasks:")
            lines += [f"      {t.label}\tTAGS: {_tags(t.tags)}" for t in play.tasks]
        if tags:
            used = sorted({tag for t in play.tasks for tag in t.tags} | set(play.tags))
            lines.append(f"      TASK TAGS: {_tags(used)}")
    # names and paths come from the playbook's files: shown, never obeyed by the terminal (hD #5)
    return safe_text("\n".join(lines) + "\n")


def syntax_check(path: Path, **load_options: Any) -> list[PlaybookError]:
    """The problems ``--syntax-check`` reports (the loader stops at the first): ``[]`` when
    the playbook loads, with every import, role and task file it names."""
    from ftltui.playbook.loader import load_playbook

    try:
        load_playbook(Path(path), **load_options)
    except PlaybookError as exc:
        return [exc]
    return []
