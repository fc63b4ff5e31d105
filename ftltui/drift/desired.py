"""Desired-state drift: "declared vs actual" from a workflow run in check mode.

A step whose module reports ``changed`` in check mode means the host differs from what
the workflow declares. Each such (host, step) becomes a :class:`Change` of type
``desired`` (id = step name, source ``declared``) carrying the module's own diff, so it
is classified, ignored, correlated and rendered exactly like observed drift
(ignore pattern: ``host:desired:STEP:field``).

Ansible's ``diff`` shapes are understood: ``{"before": str, "after": str}`` becomes a
unified diff, ``{"before": {...}, "after": {...}}`` becomes dot-path field changes, and
a list of either is merged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml

from ftltui.drift.diff import compare_fields, unified
from ftltui.drift.model import Change, FieldChange
from ftltui.errors import Location, WorkflowError


@dataclass
class CheckStep:
    name: str
    hosts: str
    module: str
    args: dict[str, Any] = field(default_factory=dict)


def _diff_parts(diff: Any) -> tuple[list[FieldChange], str]:
    fields: list[FieldChange] = []
    texts: list[str] = []
    for d in diff if isinstance(diff, list) else [diff]:
        if not isinstance(d, dict):
            continue
        before, after = d.get("before"), d.get("after")
        if isinstance(before, dict) or isinstance(after, dict):
            fields.extend(compare_fields(before if isinstance(before, dict) else {}, after if isinstance(after, dict) else {}))
        elif isinstance(before, str) or isinstance(after, str):
            texts.append(unified(
                before or "", after or "", "",
                fromfile=f"actual {d.get('before_header') or ''}".rstrip(),
                tofile=f"declared {d.get('after_header') or d.get('before_header') or ''}".rstrip(),
            ))
    return fields, "".join(texts)


def change_from_result(host: str, step: str, module: str, result: Mapping[str, Any]) -> Change | None:
    """The declared-vs-actual change of one host's check-mode result, or None if in sync."""
    if not result.get("changed") or result.get("failed"):
        return None
    fields, text = _diff_parts(result.get("diff"))
    if not fields and not text:
        fields = [FieldChange("changed", False, True)]
    msg = str(result.get("msg") or "")
    summary = f"{module} would change" + (f": {msg}" if msg else "")
    return Change(host, "desired", step, "modified", fields, text, source="declared", summary=summary)


def changes_from_results(step: str, module: str, results: Mapping[str, Any]) -> tuple[list[Change], list[str]]:
    """Changes for every host of one step's results (``HostResult`` or plain dicts).

    Hosts whose check failed or were unreachable are not drift: they come back as
    warnings, because "could not check" must not read as "in sync".
    """
    changes: list[Change] = []
    warnings: list[str] = []
    for host in sorted(results):
        hr = results[host]
        status = getattr(hr, "status", None) or ("failed" if hr.get("failed") else "changed" if hr.get("changed") else "ok")
        result = getattr(hr, "result", hr)
        if status in ("failed", "unreachable", "cancelled"):
            warnings.append(f"{host}: step {step!r} could not be checked ({status}: {result.get('msg', '')})")
            continue
        c = change_from_result(host, step, module, result)
        if c is not None:
            changes.append(c)
    return changes, warnings


def load_check_steps(path: str | Path) -> list[CheckStep]:
    """The steps of a workflow file (name, default hosts, steps: name/hosts/module/args).

    Only what a check needs is read; ``depends_on``/``when``/``trigger`` are not
    evaluated here: every step is checked against the current state.
    """
    p = Path(path)
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise WorkflowError("workflow file not found", Location(str(p))) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        loc = Location(str(p), mark.line + 1, mark.column + 1) if mark else Location(str(p))
        raise WorkflowError(f"expected valid YAML ({getattr(exc, 'problem', exc)})", loc) from None
    if not isinstance(data, dict) or not isinstance(data.get("steps"), list):
        raise WorkflowError("expected a mapping with a 'steps' list", Location(str(p), 1, 1))
    default_hosts = str(data.get("hosts") or "all")
    steps = []
    for i, s in enumerate(data["steps"], 1):
        if not isinstance(s, dict) or not s.get("module"):
            raise WorkflowError(f"step {i}: expected a mapping with 'module'", Location(str(p)))
        steps.append(CheckStep(str(s.get("name") or f"step{i}"), str(s.get("hosts") or default_hosts),
                               str(s["module"]), dict(s.get("args") or {})))
    return steps


async def check_workflow(executor: Any, path: str | Path, limit: Iterable[str] | None = None) -> tuple[list[Change], list[str]]:
    """Run every step's module in check mode; the declared-vs-actual changes and warnings.

    ``limit`` restricts the hosts (names) as ``--limit`` would.
    """
    allowed = set(limit) if limit is not None else None
    changes: list[Change] = []
    warnings: list[str] = []
    for step in load_check_steps(path):
        hosts = [h for h in executor.resolve(step.hosts) if allowed is None or h.name in allowed]
        if not hosts:
            continue
        res = await executor.run(hosts, step.module, step.args, check=True)
        c, w = changes_from_results(step.name, step.module, res.results)
        changes.extend(c)
        warnings.extend(w)
    return changes, warnings
