"""The inventory of the read-only and protected-group tests (issue 16), for the console
core, the TUI and the CLI alike: group ``prod`` (p1, p2) and group ``dev`` (d1), every
host on the local connection, with ``extra`` lines under ``all: vars:`` (the guard's own
words: ``ftl_tui_readonly``, ``ftl_tui_protected_groups``)."""

from __future__ import annotations

import sys
from pathlib import Path

INVENTORY = """\
all:
  vars:
    ansible_connection: local
    ansible_python_interpreter: {python}
{extra}
  children:
    prod:
      hosts:
        p1: {{}}
        p2: {{}}
    dev:
      hosts:
        d1: {{}}
"""


def guard_inventory(tmp_path: Path, extra: str = "") -> Path:
    """``tmp_path/inventory.yml`` written; ``extra``: lines indented for ``all: vars:``."""
    path = tmp_path / "inventory.yml"
    path.write_text(INVENTORY.format(python=sys.executable, extra=extra))
    return path
