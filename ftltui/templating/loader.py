"""``{% include %}`` and ``{% import %}`` in template files: names are looked up in the
directories of the template being rendered (its own directory, then the search paths'
``templates/`` and the paths themselves), as Ansible's template module and lookup do.

The environment is shared, so the directories of the current render travel in a
context variable set by :func:`template_dirs` around it.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from jinja2 import BaseLoader, TemplateNotFound

_DIRS: contextvars.ContextVar[tuple[Path, ...]] = contextvars.ContextVar("ftl_template_dirs", default=())


@contextlib.contextmanager
def template_dirs(dirs: Sequence[Path]) -> Iterator[None]:
    token = _DIRS.set(tuple(dirs))
    try:
        yield
    finally:
        _DIRS.reset(token)


class SearchPathLoader(BaseLoader):
    """Finds included templates in the directories of the current render."""

    def get_source(self, environment: Any, template: str) -> tuple[str, str, Any]:
        name = os.path.normpath(template)
        candidates = [Path(name)] if os.path.isabs(name) else [d / name for d in _DIRS.get()]
        for path in candidates:
            if path.is_file():
                mtime = path.stat().st_mtime
                return path.read_text(encoding="utf-8"), str(path), lambda p=path, m=mtime: p.stat().st_mtime == m
        looked = ", ".join(str(p) for p in candidates) or "no template directory"
        raise TemplateNotFound(f"{template} (looked in: {looked})")
