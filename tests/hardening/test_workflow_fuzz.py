"""Hostile workflow files and ``when:`` expressions: load, or the project's own error; never eval.

``FTL_FUZZ_EXAMPLES`` generated cases per target (10,000 by default, what CI runs), 10 per
hypothesis example (hypothesis slows down past ~1000 examples, the targets do not).
Inputs are random text steered by fragments of the real syntax, plus structured
workflows (random keys/values around a valid skeleton) so most cases get deep into
the validation. ``eval``/``exec`` are replaced by tripwires for the whole module.
"""

from __future__ import annotations

import builtins
import os
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ftltui.engine.executor  # noqa: F401  (imported lazily by the loader; dataclasses use exec)
import ftltui.engine.kvargs  # noqa: F401
from ftltui import modules
from ftltui.errors import WorkflowError
from ftltui.inventory import load_inventory
from ftltui.jobs.workflow.expr import ExprError, compile_expr, evaluate
from ftltui.jobs.workflow.loader import Workflow, load_workflow

FUZZ_CASES = int(os.environ.get("FTL_FUZZ_EXAMPLES", "10000"))
BATCH = 10
FUZZ = settings(max_examples=max(1, FUZZ_CASES // BATCH), deadline=None, database=None,
                suppress_health_check=list(HealthCheck))
COUNTS: dict[str, int] = {}
FIXTURE_INVENTORY = Path(__file__).resolve().parents[1] / "tui" / "fixtures" / "inventory.yml"


def _tripwire(*_a: Any, **_k: Any) -> None:
    raise AssertionError("eval/exec called by the workflow loader or the when evaluator")


@contextmanager
def no_eval() -> Iterator[None]:
    """eval/exec are tripwires while a target runs (not around hypothesis: it uses exec).

    Allowed: importing a module from a file, and Jinja2 running the code it compiled from a template
    (``<template>``): conditions are Ansible expressions, compiled by Jinja2's sandbox,
    whose generated code only ever calls back into the sandbox."""
    saved = builtins.eval, builtins.exec

    def jinja_exec_only(code: Any, *args: Any, **kwargs: Any) -> Any:
        where = getattr(code, "co_filename", None)
        if where == "<template>" or (where and os.path.isfile(where)):  # a template, or a module being imported
            return saved[1](code, *args, **kwargs)
        return _tripwire()

    builtins.eval, builtins.exec = _tripwire, jinja_exec_only  # type: ignore[assignment]
    try:
        yield
    finally:
        builtins.eval, builtins.exec = saved


def _text(bits: list[str], max_size: int = 60) -> st.SearchStrategy[str]:
    alphabet = bits + list(" \n\t:-[]{}'\"#,=!&*|>%@`?\\") + ["\x00", "\x7f", "\u00e9", "\u202e", "\ud800", "\U0001f600"]
    return st.binary(max_size=max_size).map(lambda b: "".join(alphabet[x % len(alphabet)] for x in b))


WF_BITS = ["name: ", "hosts: ", "steps:\n", "vars:\n", "secrets: ", "description: ", "  - name: ", "    module: ",
           "    args: ", "    depends_on: ", "    when: ", "    trigger: ", "    retries: ", "    timeout: ",
           "    check: ", "command", "shell", "ping", "copy", "nosuch", "all_success", "one_success", "[a, b]",
           "cmd=echo", "argv: [x]", "{{ x }}", "steps.a.changed", "\n", "  ", "    ", "- ", ": ", "a", "b",
           "&x ", "*x", "!!python/object:os.system ", "<<: *x", "---\n", "1e9", "-1", "null", "true", "~", "'",
           "[" * 3, "{" * 3, "web", "db:&web", "!nomatch", "__import__('os')", "x.__class__"]
EXPR_BITS = ["steps", ".", "a", "b", "changed", "failed", "rc", "vars", "['x']", "[0]", "[9]", "[-1]", "[True]",
             " == ", " != ", " < ", " >= ", " in ", " not in ", " and ", " or ", "not ", "(", ")", "[", "]", ",",
             "1", "0", "'s'", "\"t\"", "true", "None", "__class__", "_x", "lambda: 1", "f()", " + ", "-", "**",
             "{{", "}}", "x if y else z", "[i for i in x]", "{}", "{'a': 1}", "...", "b''", "1j", "@", ";", "\\",
             "not " * 50, "(" * 40, "((" * 120, "[0]" * 40, "x.y" * 20]
for _name in modules.available():  # import every module now: importing runs exec (dataclasses)
    modules.spec(_name)
ENV: dict[str, Any] = {
    "steps": {"a": {"changed": True, "failed": False, "rc": 0, "ok": ["h1", "h2"]},
              "b": {"changed": False, "failed": True, "rc": 2, "hosts": {"h1": "failed"}}},
    "vars": {"x": "1", "n": 3, "l": [1, "two", None], "d": {"k": [[]]}},
    "x": [1, 2], "y": None, "z": "s", "a": {"b": 1}, "b": 0,
}


def _check_expr(src: str) -> None:
    try:
        with no_eval():
            tree = compile_expr(src)
    except ExprError:
        COUNTS["expr_rejected"] = COUNTS.get("expr_rejected", 0) + 1
        return
    try:
        with no_eval():
            evaluate(tree, ENV)
        COUNTS["expr_ok"] = COUNTS.get("expr_ok", 0) + 1
    except ExprError:
        COUNTS["expr_eval_error"] = COUNTS.get("expr_eval_error", 0) + 1


@FUZZ
@given(st.lists(_text(EXPR_BITS, 30), min_size=BATCH, max_size=BATCH))
def test_fuzz_when_expressions(sources: list[str]) -> None:
    for src in sources:
        _check_expr(src)


def test_when_expressions_pinned() -> None:
    """Inputs that escaped before the fix (IndexError, RecursionError), and the eval bait."""
    for src in ["x[5]", "x[-9]", "vars.l[7]", "not " * 3000 + "x", "(" * 150 + "not " * 800 + "x" + ")" * 150,
                "[" * 150 + "]" * 150, "not " * 101 + "x", "steps.a.ok[2]", "\ud800", "x\x00",
                "vars.x + 1"]:  # arithmetic is Ansible's (allowed); '1' + 1 fails when evaluated
        with pytest.raises(ExprError):
            evaluate(compile_expr(src), ENV)
    for src in ["__import__('os').system('true')", "x.__class__", "().__class__.__bases__", "open('/etc/passwd')",
                "(lambda: 1)()", "steps['a'].__dict__", "[c for c in x]"]:
        with pytest.raises(ExprError):
            compile_expr(src)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a SyntaxWarning would print to stderr, i.e. over the TUI
        assert evaluate(compile_expr("1and steps.a.changed"), ENV) is True
        assert evaluate(compile_expr("'\\_' != 'x'"), ENV) is True
        with pytest.raises(ExprError):
            compile_expr("1j if x else 2")
    assert evaluate(compile_expr("steps.a.changed and not steps.b.changed"), ENV) is True
    with pytest.raises(ExprError, match="nested deeper than"):  # Jinja2 nests each `and`: refused, clearly
        evaluate(compile_expr("x and " * 3000 + "x"), ENV)
    assert evaluate(compile_expr("x and " * 50 + "x"), ENV) == [1, 2]
    assert evaluate(compile_expr("vars.l[0] == 1 and steps.a.ok[1] == 'h2'"), ENV) is True
    assert evaluate(compile_expr("{{ vars['x'] == '1' }}"), ENV) is True


# -- workflow files ------------------------------------------------------------------------

KEYS = ["name", "hosts", "module", "args", "depends_on", "retries", "timeout", "when", "trigger", "check", "bogus",
        "vars", "secrets", "steps", "description"]
YAML_VALUES = ["a", "b", "c", "all", "web", "db:&web", "nomatch", "'['", "command", "shell", "ping", "copy", "nosuch",
               "cmd=echo hi", "'argv=x'", "{argv: [x]}", "{cmd: echo}", "{data: 1}", "{bogus: 1}", "{1: 2}",
               "'{{ v }}'", "{data: '{{ v }}'}", "steps.a.changed", "'not steps.b.failed'", "'x['", "'x[9]'",
               "'__import__(\"os\")'", "all_done", "one_success", "first", "''", "~", "null", "true", "5", "-1",
               "1e400", ".inf", ".nan", "[a, b]", "[a]", "[[a]]", "[{a: 1}]", "{a: 1}", "[]", "{}", "&x a", "*x",
               "!!python/name:os.system", "!!binary aGk=", "!!set {a}", "2020-01-01", "'\\x1b[2J'", "\"\\u202e\"",
               "|\n      multi\n      line", "[" * 20, "0x1F", "'1.5'", "[a, c, b]"]


@st.composite
def _structured(draw: st.DrawFn) -> str:
    """A workflow skeleton (valid at first) with keys and values broken at random; cheap to draw."""
    b = draw(st.binary(min_size=2, max_size=24))
    pick = iter(b)

    def nxt(seq: list[str]) -> str:
        return seq[next(pick, 0) % len(seq)]

    lines = ["name: wf", "hosts: " + nxt(["all", "all", "web", "nomatch", "'web:&db'", "'['"])]
    for _ in range(next(pick, 0) % 2):
        lines.append(f"{nxt(KEYS)}: {nxt(YAML_VALUES)}")
    lines.append("steps:")
    for i in range(next(pick, 0) % 4):
        lines.append(f"  - name: {nxt(['a', 'b', 'c', 's' + str(i)])}")
        lines.append(f"    module: {nxt(['ping', 'ping', 'command', 'shell', 'copy', 'nosuch'])}")
        for _ in range(next(pick, 0) % 3):
            lines.append(f"    {nxt(KEYS)}: {nxt(YAML_VALUES)}")
    return "\n".join(lines) + "\n"


_INVENTORY = None


def _inventory() -> Any:
    global _INVENTORY
    if _INVENTORY is None:
        _INVENTORY = load_inventory([str(FIXTURE_INVENTORY)])
    return _INVENTORY


def _check_workflow(path: Path, text: str, with_inventory: bool) -> None:
    try:
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
    except UnicodeEncodeError:
        path.write_bytes(text.encode("utf-8", "replace"))
    inv = _inventory() if with_inventory else None
    try:
        with no_eval():
            wf = load_workflow(path, inv)
    except WorkflowError as exc:
        assert exc.location is not None and exc.location.file == str(path), exc
        assert exc.location.line >= 1, exc.location
        COUNTS["wf_error"] = COUNTS.get("wf_error", 0) + 1
        return
    assert isinstance(wf, Workflow) and wf.steps
    COUNTS["wf_ok"] = COUNTS.get("wf_ok", 0) + 1


@pytest.fixture(scope="module")
def wf_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("wf")


@FUZZ
@given(texts=st.lists(st.one_of(_text(WF_BITS), _structured()), min_size=BATCH, max_size=BATCH),
       with_inventory=st.booleans())
def test_fuzz_workflow_loader(wf_dir: Path, texts: list[str], with_inventory: bool) -> None:
    for text in texts:
        _check_workflow(wf_dir / "wf.yml", text, with_inventory)


def test_workflow_loader_pinned(tmp_path: Path) -> None:
    """Inputs that escaped before the fixes (RecursionError, ConstructorError, TypeError,
    OverflowError, UnicodeDecodeError), and eval bait."""
    p = tmp_path / "wf.yml"
    step = "name: w\nsteps:\n  - name: a\n    module: ping\n    "
    for text in [step + "depends_on: 5\n", step + "depends_on: [{a: 1}]\n", step + "retries: .inf\n",
                 step + "retries: -.inf\n", "name: w\nsteps:\n  - name: a\n    module: !!python/name:os.system ping\n",
                 "name: w\x00\nsteps: [1]\n", "[" * 5000, "{a: " * 3000, "- " * 3000 + "x",
                 "name: w\nsteps:\n  - name: a\n    module: ping\n    when: " + "not " * 3000 + "x\n",
                 "name: w\nsteps:\n  - name: a\n    module: ping\n    when: __import__('os').system('id')\n",
                 "name: !!python/object/apply:os.system [id]\nsteps: []\n"]:
        p.write_text(text, encoding="utf-8")
        with pytest.raises(WorkflowError) as info, no_eval():
            load_workflow(p)
        assert info.value.location is not None and info.value.location.file == str(p)
    p.write_bytes(b"name: \xff\xfe\nsteps: [1]\n")
    with pytest.raises(WorkflowError):
        load_workflow(p)


def test_fuzz_reached_the_interesting_paths() -> None:
    """Runs last in this module: the generators reach both outcomes of each target."""
    if FUZZ_CASES < 1000 or not COUNTS:
        pytest.skip("needs the fuzz tests of this module to have run")
    assert COUNTS.get("wf_ok", 0) > 0 and COUNTS.get("wf_error", 0) > 0, COUNTS
    assert COUNTS.get("expr_ok", 0) > 0 and COUNTS.get("expr_rejected", 0) > 0, COUNTS
    assert sum(v for k, v in COUNTS.items() if k.startswith("wf_")) >= FUZZ_CASES
    assert sum(v for k, v in COUNTS.items() if k.startswith("expr_")) >= FUZZ_CASES
