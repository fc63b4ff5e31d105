"""Nothing under ftltui/ except ftltui/tui/ imports textual (an AST scan, not grep)."""

from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parents[2] / "ftltui"
PLAIN_TUI = ("commands.py", "filters.py", "fuzzy.py", "logring.py", "keymap.py", "services.py", "hostview.py")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module.split(".")[0])
    return out


def test_only_tui_imports_textual() -> None:
    offenders = [str(p.relative_to(PKG)) for p in PKG.rglob("*.py")
                 if "tui" not in p.relative_to(PKG).parts[:1] and {"textual", "rich"} & _imports(p)]
    assert offenders == []


def test_plain_core_of_tui_has_no_textual() -> None:
    offenders = [n for n in PLAIN_TUI if "textual" in _imports(PKG / "tui" / n)]
    assert offenders == []


def test_scan_can_fail(tmp_path: Path) -> None:
    bad = tmp_path / "x.py"
    bad.write_text("from textual.app import App\n")
    assert "textual" in _imports(bad)
