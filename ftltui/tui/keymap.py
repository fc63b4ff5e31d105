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


def load_keymap(*dirs: Path | None) -> tuple[dict[str, str], list[str]]:
    """Merge ``keymap.yaml`` from each directory (later wins); return (keymap, problems)."""
    keymap: dict[str, str] = {}
    problems: list[str] = []
    for d in dirs:
        if d is None:
            continue
        path = Path(d) / KEYMAP_FILE
        if not path.exists():
            continue
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"{path}:{mark.line + 1}" if mark else str(path)
            problems.append(f"{where}: {getattr(exc, 'problem', exc)}")
            continue
        if not isinstance(data, dict):
            problems.append(f"{path}:1: expected a mapping of binding id -> keys")
            continue
        for k, v in data.items():
            if isinstance(v, list):
                v = ",".join(str(x) for x in v)
            keymap[str(k)] = str(v)
    return keymap, problems
