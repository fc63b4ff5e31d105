"""Nothing under ftltui/ except ftltui/tui/ imports textual, textual-serve or rich (an AST scan, not grep)."""

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
                 if "tui" not in p.relative_to(PKG).parts[:1] and {"textual", "textual_serve", "rich"} & _imports(p)]
    assert offenders == []


def test_plain_core_of_tui_has_no_textual() -> None:
    offenders = [n for n in PLAIN_TUI if "textual" in _imports(PKG / "tui" / n)]
    assert offenders == []


def test_scan_can_fail(tmp_path: Path) -> None:
    bad = tmp_path / "x.py"
    bad.write_text("from textual.app import App\n")
    assert "textual" in _imports(bad)


def test_console_core_has_no_textual() -> None:
    """The headless core (ftltui/console) is what the CLI and the API use too."""
    core = sorted((PKG / "console").rglob("*.py"))
    assert core, "ftltui/console is missing"
    assert [str(p.relative_to(PKG)) for p in core if {"textual", "rich"} & _imports(p)] == []


def _private_names(path: Path, class_name: str) -> set[str]:
    """``_x`` attributes a class keeps on ``self`` and its ``_x`` methods (not dunders)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    cls = next(n for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and n.name == class_name)
    names = {n.name for n in cls.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    names |= {n.attr for n in ast.walk(cls) if isinstance(n, ast.Attribute)
              and isinstance(n.value, ast.Name) and n.value.id == "self"}
    return {n for n in names if n.startswith("_") and not n.endswith("__")}


def _foreign_uses(files: list[Path], names: set[str]) -> list[str]:
    """``obj._x`` for a private name of the class, on anything but ``self``/``cls``."""
    out = []
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and node.attr in names
                    and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))):
                out.append(f"{path.name}:{node.lineno} .{node.attr}")
    return out


PRIVATE_OWNERS = (("engine/executor.py", "Executor", "engine"), ("jobs/queue.py", "JobQueue", "jobs"))


def test_no_one_reaches_into_the_executor_or_the_queue() -> None:
    """Faces use the public surface (``connection_stats``, ``get``); only the owning package
    may touch ``Executor._*`` / ``JobQueue._*``."""
    for source, class_name, package in PRIVATE_OWNERS:
        names = _private_names(PKG / source, class_name)
        assert {"_runners", "_jobs"} & names, (class_name, names)  # the scan sees the class
        outside = [p for p in PKG.rglob("*.py") if p.relative_to(PKG).parts[0] != package]
        assert _foreign_uses(outside, names) == [], class_name


def test_private_scan_can_fail(tmp_path: Path) -> None:
    bad = tmp_path / "face.py"
    bad.write_text("def peek(q, ex):\n    return q._jobs, ex._runners.get('ssh'), self_ok()\n")
    names = _private_names(PKG / "engine/executor.py", "Executor") | _private_names(PKG / "jobs/queue.py", "JobQueue")
    assert _foreign_uses([bad], names) == ["face.py:2 ._jobs", "face.py:2 ._runners"]


# The layers below the runners: what they import must not depend on a face or a runner.
# ``templating`` is the Jinja2 engine both the ad-hoc engine and the playbook runner use.
LOWER = ("engine", "state", "inventory", "templating")
UPPER = ("jobs", "playbook", "console", "tui", "commands", "api")


def _ftltui_imports(path: Path) -> list[tuple[int, str]]:
    """Every ``ftltui.X`` import in ``path`` with its line, lazy ones inside functions too."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    out: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        out += [(node.lineno, n) for n in names if n.startswith("ftltui.")]
    return out


def _upward(files: list[Path], root: Path) -> list[str]:
    out = []
    for path in files:
        for line, name in _ftltui_imports(path):
            if name.split(".")[1] in UPPER:
                out.append(f"{path.relative_to(root)}:{line} {name}")
    return out


def test_lower_layers_do_not_import_upper_ones() -> None:
    """engine/, state/, inventory/ and templating/ never import jobs/, playbook/, console/,
    tui/, commands/ or api/ (not even lazily): the engine reaching up into the playbook
    package made the ad-hoc path load the playbook runner and tied both to one layout."""
    lower = [p for p in PKG.rglob("*.py") if p.relative_to(PKG).parts[0] in LOWER]
    assert len({p.relative_to(PKG).parts[0] for p in lower}) == len(LOWER)
    assert _upward(lower, PKG) == []


def test_upward_scan_can_fail(tmp_path: Path) -> None:
    bad = tmp_path / "engine" / "x.py"
    bad.parent.mkdir()
    bad.write_text("def f():\n    from ftltui.playbook.jinja.environment import environment\n"
                   "import ftltui.state.storage\n")
    assert _upward([bad], tmp_path) == ["engine/x.py:2 ftltui.playbook.jinja.environment"]
