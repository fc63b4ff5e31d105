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

from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from ftltui.drift.diff import compare_fields, unified
from ftltui.drift.model import Change, FieldChange


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


def _status_and_result(hr: Any) -> tuple[str, Mapping[str, Any]]:
    """A ``HostResult``, its stored ``to_dict()`` form, or a bare Ansible result dict."""
    if hasattr(hr, "status"):
        return hr.status, hr.result
    if isinstance(hr, Mapping) and "status" in hr and isinstance(hr.get("result"), Mapping):
        return str(hr["status"]), hr["result"]
    status = "failed" if hr.get("failed") else "changed" if hr.get("changed") else "ok"
    return status, hr


def changes_from_results(step: str, module: str, results: Mapping[str, Any]) -> tuple[list[Change], list[str]]:
    """Changes for every host of one step's results.

    Hosts whose check failed or were unreachable are not drift: they come back as
    warnings, because "could not check" must not read as "in sync".
    """
    changes: list[Change] = []
    warnings: list[str] = []
    for host in sorted(results):
        status, result = _status_and_result(results[host])
        if status in ("failed", "unreachable", "cancelled"):
            warnings.append(f"{host}: step {step!r} could not be checked ({status}: {result.get('msg', '')})")
            continue
        c = change_from_result(host, step, module, result)
        if c is not None:
            changes.append(c)
    return changes, warnings


def changes_from_steps(
    steps: Mapping[str, Mapping[str, Any]], modules: Mapping[str, str], limit: Iterable[str] | None = None
) -> tuple[list[Change], list[str]]:
    """Desired-state drift of a finished check-mode workflow run (``job.steps``).

    ``modules`` maps step name -> module (the workflow file has it; step records
    don't). Steps that never ran (skipped by ``when``, upstream failed) add nothing.
    """
    allowed = set(limit) if limit is not None else None
    changes: list[Change] = []
    warnings: list[str] = []
    for name, rec in steps.items():
        results = {h: r for h, r in (rec.get("results") or {}).items() if allowed is None or h in allowed}
        c, w = changes_from_results(name, modules.get(name, "?"), results)
        changes.extend(c)
        warnings.extend(w)
    return changes, warnings


async def check_workflow(executor: Any, path: str | Path, limit: Iterable[str] | None = None, *,
                         roles_path: Sequence[str | Path] = (),
                         collections_paths: Sequence[str | Path] = ()) -> tuple[list[Change], list[str]]:
    """Run the workflow in check mode through the real DAG runner; its declared-vs-actual drift.

    The same loader and runner as ``ftl-tui play --check`` (validation, ``depends_on``,
    ``when``, per-host templating), so both report the same thing. ``limit``
    restricts the hosts (names) whose changes are reported. A playbook goes to
    :func:`check_playbook` with ``roles_path``/``collections_paths`` (ansible.cfg's, as
    ``ftl-tui play`` passes them: a role found only there loads).
    """
    from ftltui.jobs.workflow.loader import load_workflow
    from ftltui.jobs.workflow.runner import WorkflowRun
    from ftltui.playbook.loader import is_playbook

    if is_playbook(Path(path)):  # a playbook's --check --diff run feeds the same report
        return await check_playbook(executor, path, limit, roles_path=roles_path,
                                    collections_paths=collections_paths)
    wf = load_workflow(path, executor.inventory)
    steps = await WorkflowRun(wf, executor, check=True).run()
    return changes_from_steps(steps, {n: s.module for n, s in wf.steps.items()}, limit)


def desired_report(doc: dict[str, Any] | None) -> Any:
    """The drift report of a playbook job's collected record (``summary["desired"]``,
    :class:`ftltui.playbook.desired_record.DesiredCollector`); None when there is none."""
    if not doc:
        return None
    from ftltui.drift.compare import ReportOptions, finish_report

    changes, warnings = changes_from_steps(doc.get("steps") or {}, doc.get("modules") or {})
    report = finish_report(changes, [], ReportOptions())
    report.warnings.extend(warnings)
    return report


def desired_text(report: Any) -> str:
    """What ``play --check`` prints after the recap, worded as for a workflow."""
    from ftltui.drift.report import render_table
    from ftltui.engine.sanitize import safe_text

    lines = ["", "desired-state drift (what this playbook would change):" if report.has_drift
             else "desired-state drift: none, every host matches the playbook"]
    if report.has_drift or report.warnings:
        lines.append(safe_text(render_table(report, diffs=True)).rstrip())
    return "\n".join(lines) + "\n"


async def check_playbook(executor: Any, path: Any, limit: Any = None, *, roles_path: Sequence[str | Path] = (),
                         collections_paths: Sequence[str | Path] = (), vault: Any = None
                         ) -> tuple[list[Any], list[str]]:
    """Run the playbook with ``--check --diff`` on ``executor``; its declared-vs-actual
    changes and warnings, as :func:`ftltui.drift.desired.check_workflow` gives a workflow's
    (``drift show --desired site.yml``). ``limit``: host names, passed to the run as
    ``--limit`` (a ``check_mode: false`` task really runs: never on a host outside it).
    ``vault``: the inventory's keyring unless given."""
    from ftltui.playbook.desired_record import DesiredCollector, real_run_paths
    from ftltui.playbook.loader import load_playbook
    from ftltui.playbook.options import PlayOptions
    from ftltui.playbook.runner import run_playbook

    if vault is None:
        vault = getattr(executor.inventory, "vault", None)
    playbook = load_playbook(Path(path), roles_path=[Path(p).expanduser() for p in roles_path],
                             collections_paths=[Path(p).expanduser() for p in collections_paths], vault=vault)
    collector = DesiredCollector(real_runs=real_run_paths(playbook))
    names = list(limit) if limit is not None else None
    options = PlayOptions(check=True, diff=True, forks=getattr(executor, "forks", 50),
                          limit=",".join(names) if names is not None else None)
    await run_playbook(playbook, executor, options, collector)
    return changes_from_steps(collector.steps, collector.modules, names)
