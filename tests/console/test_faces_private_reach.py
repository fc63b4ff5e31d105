"""The faces (console, TUI, CLI commands, API, schedules) use each other's public names only
(issue 16: "no private attributes"; an AST scan, not grep).

A face that imports ``_helper`` from another package, or calls ``SomeClass._x`` on a class
it imported from one, depends on what that package may change without notice; the
package gives the name publicly instead (``api.cli_client.with_owner``,
``ScheduleBook.parse_id``). Inside one package, private helpers are shared freely.
"""

from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parents[2] / "ftltui"
FACES = ("tui", "commands", "api", "console", "schedule")


def _package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def private_reaches(root: Path) -> list[str]:
    """``from ftltui.other import _x`` and ``Imported._x`` in the faces under ``root``."""
    out = []
    for face in FACES:
        for path in sorted((root / face).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
            foreign: set[str] = set()  # names this file imported from another ftltui package
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 \
                        and node.module.startswith("ftltui.") and _package(node.module) != face:
                    for alias in node.names:
                        foreign.add(alias.asname or alias.name)
                        if alias.name.startswith("_") and not alias.name.startswith("__"):
                            out.append(f"{face}/{path.relative_to(root / face)}:{node.lineno} "
                                       f"imports {node.module}.{alias.name}")
            for node in ast.walk(tree):
                if (isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")
                        and isinstance(node.value, ast.Name) and node.value.id in foreign):
                    out.append(f"{face}/{path.relative_to(root / face)}:{node.lineno} {node.value.id}.{node.attr}")
    return sorted(out)


def test_faces_reach_no_other_packages_private_names() -> None:
    assert private_reaches(PKG) == []


def test_the_scan_can_fail(tmp_path: Path) -> None:
    for face in FACES:
        (tmp_path / face).mkdir()
    (tmp_path / "commands" / "x.py").write_text(
        "from ftltui.api.cli_client import _with_owner, ok\n"
        "from ftltui.schedule.model import ScheduleBook\n"
        "from ftltui.commands.common import _mine\n"  # its own package: fine
        "ScheduleBook._id(3); ok._private_of_an_imported_name\n")
    assert private_reaches(tmp_path) == [
        "commands/x.py:1 imports ftltui.api.cli_client._with_owner",
        "commands/x.py:4 ScheduleBook._id",
        "commands/x.py:4 ok._private_of_an_imported_name",
    ]
