"""The user's key remapping: ``keymap.yaml`` maps binding ids to keys.

Example::

    # <state dir>/keymap.yaml
    pane.logs: "2,f2"
    logs.follow: "F"

Every binding in the console has an id (``<area>.<action>``); Textual's
``App.set_keymap`` applies the mapping. Plain Python (no textual).
"""

from __future__ import annotations

from pathlib import Path

import yaml

KEYMAP_FILE = "keymap.yaml"


KnownBindings = list[dict[str, tuple[str, ...]]]  # per class: binding id -> its default keys


def binding_groups(root: type) -> KnownBindings:
    """Every class below ``root`` (a Textual ``DOMNode``, passed in: this module imports no
    textual) with bindings that have ids: one dict per class, its ids -> default keys (own
    and inherited). A remapped key clashes only with bindings of the same class."""
    groups: KnownBindings = []
    seen: set[type] = set()
    todo = [root]
    while todo:
        cls = todo.pop()
        if cls in seen:
            continue
        seen.add(cls)
        todo.extend(cls.__subclasses__())
        group: dict[str, tuple[str, ...]] = {}
        for base in reversed(cls.__mro__):
            for b in vars(base).get("BINDINGS", None) or ():
                bid, key = getattr(b, "id", None), getattr(b, "key", None)
                if bid and isinstance(key, str):
                    group[bid] = _keys(key)
        if group:
            groups.append(group)
    return groups


def _keys(text: str) -> tuple[str, ...]:
    return tuple(k.strip() for k in text.split(",") if k.strip())


def load_keymap(*dirs: Path | None, known: KnownBindings | None = None) -> tuple[dict[str, str], list[str]]:
    """Merge ``keymap.yaml`` from each directory (later wins); return (keymap, problems).

    With ``known`` (:func:`binding_groups`), also a problem for each id no binding has (a
    typo is otherwise dropped without a word) and for each binding a remap leaves without
    any key (``pane.logs: q`` takes ``q`` from ``app.quit``), each naming file and line."""
    keymap: dict[str, str] = {}
    where: dict[str, str] = {}
    problems: list[str] = []
    for d in dirs:
        if d is None:
            continue
        path = Path(d) / KEYMAP_FILE
        if not path.exists():
            continue
        try:
            text = path.read_text(encoding="utf-8")
            data = yaml.safe_load(text) or {}
            node = yaml.compose(text, Loader=yaml.SafeLoader)
        except (OSError, yaml.YAMLError) as exc:
            mark = getattr(exc, "problem_mark", None)
            at = f"{path}:{mark.line + 1}" if mark else str(path)
            problems.append(f"{at}: {getattr(exc, 'problem', exc)}")
            continue
        if not isinstance(data, dict):
            problems.append(f"{path}:1: expected a mapping of binding id -> keys")
            continue
        lines = {str(k.value): k.start_mark.line + 1 for k, _ in node.value} if isinstance(node, yaml.MappingNode) \
            else {}
        for k, v in data.items():
            if isinstance(v, list):
                v = ",".join(str(x) for x in v)
            keymap[str(k)] = str(v)
            where[str(k)] = f"{path}:{lines.get(str(k), 1)}"
    if known is not None:
        problems.extend(_check(keymap, where, known))
    return keymap, problems


def _check(keymap: dict[str, str], where: dict[str, str], known: KnownBindings) -> list[str]:
    import difflib

    ids = {bid for group in known for bid in group}
    out = []
    for bid in keymap:
        if bid not in ids:
            near = difflib.get_close_matches(bid, sorted(ids), n=1)
            hint = f" (did you mean {near[0]!r}?)" if near else " (the help screen, ?, lists the ids)"
            out.append(f"{where[bid]}: unknown binding id {bid!r}, ignored{hint}")
    left_bare: set[str] = set()
    for group in known:
        taken = {key: bid for bid in group if bid in keymap for key in _keys(keymap[bid])}
        for bid, keys in group.items():
            if bid in keymap or not keys or bid in left_bare:
                continue
            if all(key in taken for key in keys):
                left_bare.add(bid)
                takers = ", ".join(f"{taken[key]}: {key}" for key in keys)
                out.append(f"{where[taken[keys[0]]]}: {takers} leaves {bid} without a key; "
                           f"give {bid} one in keymap.yaml")
    return out
