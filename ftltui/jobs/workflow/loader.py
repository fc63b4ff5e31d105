"""Workflow files: YAML parsed with positions, validated fully before anything runs.

Every problem is a :class:`WorkflowError` with ``file:line:col`` of the offending
node: unknown module, unknown or invalid arguments (types checked unless templated),
unknown ``depends_on``, cycles (the message names the cycle), bad ``when``
expressions, host patterns that are malformed or match nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ftltui.ansible_modules.docs import controller_spec
from ftltui import modules
from ftltui.errors import FtlError, Location, WorkflowError
from ftltui.jobs.workflow.expr import CompiledExpr, ExprError, compile_expr

TRIGGERS = ("all_success", "all_done", "one_success")
STEP_KEYS = {"name", "hosts", "module", "args", "depends_on", "retries", "timeout", "when", "trigger", "check",
             "environment"}
TOP_KEYS = {"name", "hosts", "vars", "secrets", "steps", "description", "environment"}


@dataclass
class Step:
    name: str
    module: str
    args: dict[str, Any]
    hosts: str
    depends_on: list[str] = field(default_factory=list)
    retries: int = 0
    timeout: float | None = None
    when: str | None = None
    when_tree: CompiledExpr | None = None
    trigger: str = "all_success"
    check: bool | None = None
    loc: Location = field(default_factory=lambda: Location(""))
    # the module process's extra variables: a mapping (values may be templates) or one
    # template giving a mapping; rendered per host when the step runs, never on argv
    environment: dict[str, Any] | str | None = None


@dataclass
class Workflow:
    name: str
    path: str
    hosts: str
    vars: dict[str, Any]
    secrets: list[str]
    steps: dict[str, Step]
    environment: dict[str, Any] | str | None = None  # for every step; a step's own names win

    def dependants(self, name: str) -> set[str]:
        """Every step that (transitively) depends on ``name``."""
        out: set[str] = set()
        todo = [name]
        while todo:
            cur = todo.pop()
            for s in self.steps.values():
                if cur in s.depends_on and s.name not in out:
                    out.add(s.name)
                    todo.append(s.name)
        return out

    def secret_values(self, extra_vars: dict[str, Any] | None = None) -> list[str]:
        """Values named in ``secrets:``, and every vault-decrypted value (e.g. from ``-e @vaulted.yml``)."""
        from ftltui.vault.values import vault_texts

        merged = {**self.vars, **(extra_vars or {})}
        out = [str(merged[k]) for k in self.secrets if merged.get(k) not in (None, "") and not _undecrypted(merged[k])]
        return out + [str(v) for v in vault_texts(merged)]


def _undecrypted(value: Any) -> bool:
    from ftltui.vault.values import VaultValue

    return isinstance(value, VaultValue)  # str() of it raises: it has no text to hide


def _loc(path: str, node: yaml.Node) -> Location:
    return Location(path, node.start_mark.line + 1, node.start_mark.column + 1)


class _NodeError(Exception):
    """A node that composes but does not construct (``!!python/...`` tags); located by the caller."""

    def __init__(self, node: yaml.Node, message: str) -> None:
        super().__init__(message)
        self.node = node


def _plain(node: yaml.Node) -> Any:
    if node is None:
        return None
    try:
        return yaml.SafeLoader(yaml.serialize(node)).get_single_data()
    except yaml.YAMLError as exc:
        raise _NodeError(node, str(getattr(exc, "problem", None) or exc).split("\n")[0]) from None


def _map(path: str, node: yaml.Node, what: str) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    if not isinstance(node, yaml.MappingNode):
        raise WorkflowError(f"{what}: expected a mapping", _loc(path, node))
    out = {}
    for k, v in node.value:
        out[str(k.value)] = (k, v)
    return out


def load_workflow(path: str | Path, inventory: Any = None) -> Workflow:
    """Parse and validate; ``inventory`` (optional) lets host patterns be checked."""
    p = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise WorkflowError(f"cannot read workflow: {exc.strerror}", Location(p)) from None
    except UnicodeDecodeError as exc:
        line = exc.object[: exc.start].count(b"\n") + 1
        raise WorkflowError(f"not UTF-8 text (byte {exc.object[exc.start]:#04x})", Location(p, line)) from None
    try:
        return _parse(p, text, inventory)
    except RecursionError:  # PyYAML composes (and re-serializes) recursively
        raise WorkflowError("invalid YAML: nested too deeply", Location(p, 1)) from None
    except _NodeError as exc:
        raise WorkflowError(f"invalid YAML: {exc}", _loc(p, exc.node)) from None


def _parse(p: str, text: str, inventory: Any) -> Workflow:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        loc = Location(p, mark.line + 1, mark.column + 1) if mark else Location(p)
        pos = getattr(exc, "position", None)  # ReaderError (control characters): an offset, no mark
        if mark is None and isinstance(pos, int):
            loc = Location(p, text.count("\n", 0, pos) + 1, pos - text.rfind("\n", 0, pos))
        raise WorkflowError(f"invalid YAML: {getattr(exc, 'problem', exc)}", loc) from None
    if root is None:
        raise WorkflowError("empty workflow; expected name, hosts, steps", Location(p, 1))
    top = _map(p, root, "workflow")
    for key, (knode, _) in top.items():
        if key not in TOP_KEYS:
            raise WorkflowError(f"unknown key {key!r}; expected one of {', '.join(sorted(TOP_KEYS))}", _loc(p, knode))
    name = str(_plain(top["name"][1])) if "name" in top else Path(p).stem
    hosts = str(_plain(top["hosts"][1])) if "hosts" in top else "all"
    wvars = _plain(top["vars"][1]) if "vars" in top else {}
    if not isinstance(wvars, dict):
        raise WorkflowError("vars: expected a mapping", _loc(p, top["vars"][1]))
    secrets = _plain(top["secrets"][1]) if "secrets" in top else []
    if not isinstance(secrets, list):
        raise WorkflowError("secrets: expected a list of variable names", _loc(p, top["secrets"][1]))
    if "steps" not in top or not isinstance(top["steps"][1], yaml.SequenceNode) or not top["steps"][1].value:
        raise WorkflowError("steps: expected a non-empty list of steps", _loc(p, top["steps"][1]) if "steps" in top
                            else Location(p, 1))
    wenv = _environment(p, top["environment"][1]) if "environment" in top else None
    steps: dict[str, Step] = {}
    for snode in top["steps"][1].value:
        step = _step(p, snode, hosts, secrets)
        if step.name in steps:
            raise WorkflowError(f"duplicate step name {step.name!r}", step.loc)
        steps[step.name] = step
    wf = Workflow(name, p, hosts, wvars, [str(s) for s in secrets], steps, wenv)
    _check_graph(wf)
    if inventory is not None:
        _check_patterns(wf, inventory)
    return wf


def _step(p: str, node: yaml.Node, default_hosts: str, secrets: list[Any]) -> Step:
    fields = _map(p, node, "step")
    loc = _loc(p, node)
    for key, (knode, _) in fields.items():
        if key not in STEP_KEYS:
            raise WorkflowError(f"unknown step key {key!r}; expected one of {', '.join(sorted(STEP_KEYS))}",
                                _loc(p, knode))
    for req in ("name", "module"):
        if req not in fields:
            raise WorkflowError(f"step needs a {req!r}", loc)
    val = {k: _plain(v) for k, (_, v) in fields.items()}
    at = {k: _loc(p, v) for k, (_, v) in fields.items()}
    module = str(val["module"])
    try:
        spec = controller_spec(module)
    except KeyError:
        raise WorkflowError(f"unknown module {module!r} (known: {', '.join(modules.available())})",
                            at["module"]) from None
    args = val.get("args") or {}
    if isinstance(args, str):
        from ftltui.engine.kvargs import parse_kv

        known = spec.known_args()
        try:
            args = parse_kv(args, spec.free_form, known)
        except FtlError as exc:
            raise WorkflowError(exc.message, at["args"]) from None
    if not isinstance(args, dict):
        raise WorkflowError("args: expected a mapping or a 'k=v' string", at["args"])
    from ftltui.engine.executor import precheck_args

    try:
        precheck_args(spec, args)
    except FtlError as exc:
        raise WorkflowError(exc.message, at.get("args", loc)) from None
    deps = val.get("depends_on") or []
    if isinstance(deps, str):
        deps = [deps]
    if not isinstance(deps, list) or not all(isinstance(d, (str, int)) for d in deps):
        raise WorkflowError("depends_on: expected a step name or a list of step names", at["depends_on"])
    trigger = str(val.get("trigger") or "all_success")
    if trigger not in TRIGGERS:
        raise WorkflowError(f"trigger: expected one of {', '.join(TRIGGERS)}, got {trigger!r}", at["trigger"])
    when = val.get("when")
    tree = None
    if when is not None:
        if isinstance(when, bool):
            when = "true" if when else "false"
        try:
            tree = compile_expr(str(when))
        except ExprError as exc:
            raise WorkflowError(f"when: {exc}", at["when"]) from None
    try:
        retries = int(val.get("retries") or 0)
        timeout = float(val["timeout"]) if val.get("timeout") is not None else None
    except (TypeError, ValueError, OverflowError):  # OverflowError: retries: .inf
        raise WorkflowError("retries/timeout: expected a number", loc) from None
    env = _environment(p, fields["environment"][1]) if "environment" in fields else None
    return Step(str(val["name"]), module, args, str(val.get("hosts") or default_hosts), [str(d) for d in deps],
                retries, timeout, str(when) if when is not None else None, tree, trigger,
                bool(val["check"]) if "check" in val else None, loc, env)


def _environment(p: str, node: yaml.Node) -> dict[str, Any] | str | None:
    """``environment:``: a mapping of variable names to text (templates allowed), or one
    template that gives such a mapping on each host. Names are checked here, so a bad one
    is an error at load time with its line, not a failed step."""
    value = _plain(node)
    if value is None:
        return None
    if isinstance(value, str):
        if "{{" not in value:
            raise WorkflowError("environment: expected a mapping of variable names to values (or a template "
                                "giving one)", _loc(p, node))
        return value
    if not isinstance(node, yaml.MappingNode) or not isinstance(value, dict):
        raise WorkflowError("environment: expected a mapping of variable names to values", _loc(p, node))
    for knode, vnode in node.value:
        name = _plain(knode)
        if not isinstance(name, str) or not name or "=" in name or "\0" in name:
            raise WorkflowError(f"environment: {str(name)[:60]!r} is not a usable variable name", _loc(p, knode))
        item = _plain(vnode)
        if isinstance(item, (dict, list)):
            raise WorkflowError(f"environment: the value of {name} must be text (or a number), "
                                f"got a {'mapping' if isinstance(item, dict) else 'list'}", _loc(p, vnode))
    return {str(k): v for k, v in value.items()}


def _check_graph(wf: Workflow) -> None:
    for s in wf.steps.values():
        for d in s.depends_on:
            if d not in wf.steps:
                raise WorkflowError(f"step {s.name!r} depends on unknown step {d!r} "
                                    f"(steps: {', '.join(wf.steps)})", s.loc)
    state: dict[str, int] = {}  # 1 visiting, 2 done
    stack: list[str] = []

    def visit(n: str) -> None:
        state[n] = 1
        stack.append(n)
        for d in wf.steps[n].depends_on:
            if state.get(d) == 1:
                cycle = stack[stack.index(d):] + [d]
                raise WorkflowError(f"dependency cycle: {' -> '.join(cycle)}", wf.steps[d].loc)
            if d not in state:
                visit(d)
        stack.pop()
        state[n] = 2

    for n in wf.steps:
        if n not in state:
            visit(n)


def _check_patterns(wf: Workflow, inventory: Any) -> None:
    for s in wf.steps.values():
        try:
            hosts = inventory.select(s.hosts)
        except FtlError as exc:
            raise WorkflowError(f"hosts: {exc.message}", s.loc) from None
        if not hosts:
            raise WorkflowError(f"hosts: pattern {s.hosts!r} matches no host in the inventory", s.loc)
