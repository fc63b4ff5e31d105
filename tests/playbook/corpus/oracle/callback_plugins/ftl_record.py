"""A notification callback for the oracle tests: records what ansible-playbook reports.

Loaded by ansible-playbook itself (ANSIBLE_CALLBACK_PLUGINS + ANSIBLE_CALLBACKS_ENABLED)
beside its default stdout callback, it writes one JSON line per callback to
$FTL_RECORD_FILE. tests/playbook/test_output_text.py turns the lines into ftl-tui's
playbook events, renders them with ftl-tui's text output and compares the text with
what ansible-playbook printed for the same run. Nothing in ftltui/ reads this file.
"""

from __future__ import annotations

import json
import os

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: ftl_record
type: notification
short_description: record playbook events as JSON lines for ftl-tui's tests
description: [record playbook events as JSON lines for ftl-tui's tests]
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "notification"
    CALLBACK_NAME = "ftl_record"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self) -> None:
        super().__init__()
        self._file = open(os.environ["FTL_RECORD_FILE"], "a", encoding="utf-8")  # noqa: SIM115

    def _emit(self, kind: str, **data) -> None:
        self._file.write(json.dumps({"kind": kind, **data}, default=str) + "\n")
        self._file.flush()

    def v2_playbook_on_start(self, playbook) -> None:
        self._emit("playbook", path=playbook._file_name)

    def v2_playbook_on_play_start(self, play) -> None:
        self._emit("play", label=play.get_name().strip())

    def v2_playbook_on_no_hosts_matched(self) -> None:
        self._emit("no_hosts")

    def _task(self, task, handler: bool) -> None:
        origin = getattr(task, "_origin", None)  # file, line and column (ansible-core 2.19)
        path = task.get_path() or ""
        if origin is not None and origin.path and origin.line_num and origin.col_num:
            path = f"{origin.path}:{origin.line_num}:{origin.col_num}"
        self._emit("task", task_id=task._uuid, label=task.get_name().strip(), action=task.action,
                   path=path, handler=handler)

    def v2_playbook_on_task_start(self, task, is_conditional) -> None:
        self._task(task, False)

    def v2_playbook_on_handler_task_start(self, task) -> None:
        self._task(task, True)

    def _result(self, kind: str, result, **extra) -> None:
        data = dict(result._result)
        delegated = result._task.delegate_to
        self._emit(kind, task_id=result._task._uuid, host=result._host.get_name(), result=data,
                   delegated_to=str(delegated) if delegated else None, **extra)

    def v2_runner_on_ok(self, result) -> None:
        self._result("ok", result)

    def v2_runner_on_failed(self, result, ignore_errors=False) -> None:
        self._result("failed", result, ignored=bool(ignore_errors))

    def v2_runner_on_skipped(self, result) -> None:
        self._result("skipped", result)

    def v2_runner_on_unreachable(self, result) -> None:
        self._result("unreachable", result)

    def _item(self, kind: str, result) -> None:
        r = result._result
        label = r.get("_ansible_item_label", r.get("item"))
        self._result(kind, result, label=str(label))

    def v2_runner_item_on_ok(self, result) -> None:
        self._item("item_ok", result)

    def v2_runner_item_on_failed(self, result) -> None:
        self._item("item_failed", result)

    def v2_runner_item_on_skipped(self, result) -> None:
        self._item("item_skipped", result)

    def v2_playbook_on_include(self, included_file) -> None:
        self._emit("include", file=included_file._filename, hosts=[h.name for h in included_file._hosts])

    def v2_playbook_on_stats(self, stats) -> None:
        self._emit("stats", stats={h: stats.summarize(h) for h in stats.processed})
