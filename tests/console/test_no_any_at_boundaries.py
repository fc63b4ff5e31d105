"""Issue 16: the console core and the engine have no ``Any`` at their boundaries.

Every public function and method (of a public class) in ftltui/console/*.py and
ftltui/engine/executor.py is annotated without ``Any``: records where the data has a
shape (RunBecome, PlayOptionsDoc, JobHistory, WorkflowStepView), the JSON types of
ftltui/json_types.py for user and host JSON (module args, vars, facts, owner answers).
mypy then checks every face's call against them.
"""

from __future__ import annotations

import ast
from pathlib import Path

import ftltui

PKG = Path(ftltui.__file__).parent
FILES = sorted((PKG / "console").glob("*.py")) + [PKG / "engine" / "executor.py"]


def _mentions_any(node: ast.AST | None) -> bool:
    """``Any`` (or ``typing.Any``) anywhere in an annotation, quoted ones parsed too."""
    for n in ast.walk(node) if node is not None else ():
        if (isinstance(n, ast.Name) and n.id == "Any") or (isinstance(n, ast.Attribute) and n.attr == "Any"):
            return True
        if isinstance(n, ast.Constant) and isinstance(n.value, str):
            try:
                quoted = ast.parse(n.value, mode="eval")
            except SyntaxError:
                continue
            if _mentions_any(quoted):
                return True
    return False


def any_in_public_signatures(files: list[Path], root: Path) -> list[str]:
    found: list[str] = []
    for path in files:
        tree = ast.parse(path.read_text(), str(path))

        def visit(body: list[ast.stmt], owner: str, path: Path = path) -> None:
            for node in body:
                if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                    visit(node.body, node.name + ".", path)
                elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    if node.name.startswith("_") and node.name != "__init__":
                        continue
                    a = node.args
                    params = [*a.posonlyargs, *a.args, *a.kwonlyargs, *(p for p in (a.vararg, a.kwarg) if p)]
                    bad = [p.arg for p in params if _mentions_any(p.annotation)]
                    if _mentions_any(node.returns):
                        bad.append("return")
                    if bad:
                        found.append(f"{path.relative_to(root)}:{node.lineno} {owner}{node.name} {bad}")

        visit(tree.body, "")
    return found


def test_no_any_in_the_public_signatures_of_the_core_and_the_executor() -> None:
    assert any_in_public_signatures(FILES, PKG) == []


def test_the_scan_sees_what_it_should(tmp_path: Path) -> None:
    src = tmp_path / "m.py"
    src.write_text("from typing import Any\n"
                   "def f(a: dict[str, Any]) -> None: ...\n"
                   "def _private(a: Any) -> Any: ...\n"
                   "class C:\n"
                   "    def __init__(self, x: 'list[Any] | None') -> None: ...\n"
                   "    async def g(self) -> typing.Any: ...\n"
                   "    def _h(self, a: Any) -> None: ...\n"
                   "    def ok(self, a: 'Anything') -> object: ...\n"
                   "class _Hidden:\n"
                   "    def f(self, a: Any) -> None: ...\n")
    assert any_in_public_signatures([src], tmp_path) == ["m.py:2 f ['a']", "m.py:5 C.__init__ ['x']",
                                                         "m.py:6 C.g ['return']"]
