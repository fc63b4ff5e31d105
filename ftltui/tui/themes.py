"""Colour themes: YAML files in ``themes/`` turned into Textual ``Theme`` objects.

A theme file holds the ``Theme`` fields (``name``, ``primary``, ``background`` ...,
``variables``). The chosen theme name is persisted in the state dir (``theme``).
A bad file is skipped with a message rather than stopping the console.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from textual.theme import Theme

from ftltui.errors import StateError
from ftltui.state.storage import atomic_write

DEFAULT_THEME = "ftl-dark"
_FIELDS = ("primary", "secondary", "warning", "error", "success", "accent", "foreground", "background",
           "surface", "panel", "boost", "dark", "luminosity_spread", "text_alpha", "variables")


def load_themes(directory: Path) -> tuple[list[Theme], list[str]]:
    """Every valid theme in ``directory`` (sorted by file name) and one message per bad file."""
    themes: list[Theme] = []
    problems: list[str] = []
    for path in sorted(directory.glob("*.y*ml")) if directory.is_dir() else []:
        try:
            data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
            if not isinstance(data, dict) or "primary" not in data:
                raise ValueError("expected a mapping with at least 'name' and 'primary'")
            kwargs = {k: data[k] for k in _FIELDS if k in data}
            kwargs["variables"] = {str(k): str(v) for k, v in (kwargs.get("variables") or {}).items()}
            themes.append(Theme(name=str(data.get("name") or path.stem), **kwargs))
        except (OSError, ValueError, TypeError, yaml.YAMLError) as exc:
            problems.append(f"{path}: {exc}")
    return themes, problems


def saved_theme(state_dir: Path | None) -> str | None:
    if state_dir is None:
        return None
    try:
        name = (state_dir / "theme").read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return name or None


def save_theme(state_dir: Path | None, name: str) -> None:
    if state_dir is None:
        return
    try:
        atomic_write(state_dir / "theme", (name + "\n").encode("utf-8"), durable=False)
    except StateError:
        pass  # a setting: the console goes on with the theme, next start uses the default
