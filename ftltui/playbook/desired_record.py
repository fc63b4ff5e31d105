"""Desired-state drift from a playbook run in check mode (``--check``, ``--check --diff``).

A task that reports ``changed`` in check mode means the host differs from what the
playbook declares, as a workflow step does under ``play --check``. This collects, from the
run's events, each such (task, host) with the module's diff in the shape the drift code
reads for workflow steps (``{TASK: {"results": {HOST: result}}}`` and the task's module),
so ``ftltui.drift.desired.changes_from_steps`` turns it into ``desired`` changes that are
classified, ignored and rendered like any other drift.

Only what drift needs is kept (``changed``/``failed``/``unreachable``, ``msg``, ``diff``);
results of ``no_log`` tasks arrive censored (the executor censors at the source), so no
secret is kept. Tasks are named by their TASK label; a label seen again for another task
gets `` #2``, `` #3``. A task is one entry however many ``serial`` batches run it: its
identity is the play, the task's file:line and how many times that place ran before in
the batch (an include run twice is two tasks), not the count of its label.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

_KEPT = ("changed", "failed", "unreachable", "msg", "diff")


@dataclass
class DesiredCollector:
    """Feed it every playbook event; ``steps``/``modules`` are the drift input."""

    steps: dict[str, dict[str, Any]] = field(default_factory=dict)
    modules: dict[str, str] = field(default_factory=dict)
    real_runs: frozenset[str] = frozenset()  # task paths with check_mode: false (they really ran)
    _tasks: dict[str, str] = field(default_factory=dict)  # task_id -> key
    _uses: dict[str, int] = field(default_factory=dict)  # label -> tasks named by it
    _keys: dict[tuple[int, str, int], str] = field(default_factory=dict)  # task identity -> key
    _in_batch: dict[tuple[int, str], int] = field(default_factory=dict)  # (play, path) -> runs this batch

    def __call__(self, ev: Any) -> None:
        kind = getattr(ev, "type", type(ev).__name__)
        if kind == "PlayStarted":  # once per serial batch: the play's tasks run again
            self._in_batch.clear()
        elif kind == "TaskStarted":
            if getattr(ev, "handler", False) or ev.path in self.real_runs:
                return  # a handler's change follows a task's; a check_mode: false task changed for real
            place = (ev.play, ev.path)
            self._in_batch[place] = self._in_batch.get(place, 0) + 1
            identity = (ev.play, ev.path, self._in_batch[place])
            key = self._keys.get(identity)
            if key is None:
                n = self._uses.get(ev.label, 0) + 1
                self._uses[ev.label] = n
                key = self._keys[identity] = ev.label if n == 1 else f"{ev.label} #{n}"
            self._tasks[ev.task_id] = key
            self.modules[key] = ev.action
        elif kind == "HostTaskResult" and ev.status in ("changed", "failed", "unreachable") and not ev.ignored:
            key = self._tasks.get(ev.task_id)
            if key is not None:
                self.steps.setdefault(key, {"results": {}})["results"][ev.host] = slim_result(ev.result)

    def doc(self) -> dict[str, Any]:
        """The JSON-ready record a job keeps (``summary["desired"]``)."""
        return {"steps": self.steps, "modules": {k: v for k, v in self.modules.items() if k in self.steps}}


def slim_result(result: dict[str, Any]) -> dict[str, Any]:
    """What drift reads of one result; a loop's item diffs gathered into one list."""
    out = {k: result[k] for k in _KEPT if k in result}
    items = result.get("results")
    if isinstance(items, list):
        out.pop("msg", None)  # "All items completed": says nothing about the change
    if isinstance(items, list) and "diff" not in out:
        diffs: list[Any] = []
        for item in items:
            if isinstance(item, dict) and item.get("changed") and item.get("diff"):
                d = item["diff"]
                diffs.extend(d if isinstance(d, list) else [d])
        if diffs:
            out["diff"] = diffs
    return out


def real_run_paths(playbook: Any) -> frozenset[str]:
    """Where the tasks that run for real under ``--check`` are (``check_mode: false`` on the
    task or on an enclosing block, role entry or play, written as a literal)."""
    from ftltui.playbook.model import Block, Task

    out: set[str] = set()

    def off(keywords: dict[str, Any], inherited: bool) -> bool:
        value = keywords.get("check_mode")
        if value is None:
            return inherited
        return value in (False, "false", "no", "False")

    def walk(items: list[Any], inherited: bool) -> None:
        for item in items:
            if isinstance(item, Task):
                if off(item.keywords, inherited):
                    out.add(str(item.location))
            elif isinstance(item, Block):
                here = off(item.keywords, inherited)
                walk(item.block + item.rescue + item.always, here)
                use = getattr(item, "role_use", None)
                if use is not None:
                    walk(use.role.tasks, here)

    for play in playbook.plays:
        base = off(play.keywords, False)
        walk(play.pre_tasks + play.tasks + play.post_tasks, base)
        for use in play.roles:
            walk(use.role.tasks, off(use.keywords, base))
    return frozenset(out)
