"""--diff and no_log reach Ansible modules as Ansible passes them, and results look as Ansible's do.

Oracle: one ``ansible-playbook`` run holding every case as a task (``diff:``/``no_log:`` set
per task), plus ad-hoc ``ansible ... [-D]`` for what the terminal shows. ftl-tui runs the
same modules through ``Executor.run(diff=..., no_log=...)`` and ``ftl-tui run [-D] [--no-log]``.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from amhelp import Inv
from pbhelp import play

from ftltui.engine.executor import Executor

pytestmark = pytest.mark.skipif(shutil.which("ansible-playbook") is None, reason="ansible-core not installed")

SECRET = "sekrit-4711-value"
PASSWORD = "hunter2-no-log-password"
INTERNAL = ("_ansible_no_log", "action", "exception", "invocation")


def _ini(path: str) -> dict[str, Any]:
    return {"path": path, "section": "db", "option": "port", "value": "5432"}


def _cases(d: str) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(module, args, task keywords) with their run options: ``diff``, ``no_log``, ``check_mode``."""
    return [
        ("community.general.ini_file", _ini(f"{d}/plain.ini"), {"diff": False}),
        ("community.general.ini_file", _ini(f"{d}/diffed.ini"), {"diff": True}),
        ("ansible.builtin.command", {"cmd": f"echo {SECRET}"}, {"no_log": True}),
        ("ansible.builtin.command", {"cmd": f"sh -c 'echo {SECRET} >&2; exit 3'"}, {"no_log": True}),
        ("community.general.ini_file", _ini(f"{d}/hidden.ini"), {"no_log": True, "diff": True}),
        ("ansible.builtin.user", {"name": "ftl-no-such-user", "password": PASSWORD}, {"check_mode": True}),
    ]


def _run(executor: Executor, loop: asyncio.AbstractEventLoop, module: str, args: dict[str, Any],
         kw: dict[str, Any]) -> tuple[dict[str, Any], str]:
    events: list[Any] = []
    res = loop.run_until_complete(executor.run(
        "localhost", module, args, check=kw.get("check_mode", False), diff=kw.get("diff", False),
        no_log=kw.get("no_log", False), on_event=events.append))
    return res.results["localhost"].result, json.dumps([e.to_dict() for e in events], default=str)


@pytest.mark.parametrize("forced", [False, True], ids=["native-command", "ansible-command"])
def test_diff_and_no_log_results_equal_ansibles(tmp_path: Path, forced: bool) -> None:
    theirs, ours = tmp_path / "theirs", tmp_path / "ours"
    theirs.mkdir(), ours.mkdir()
    want = play(tmp_path, [{m: a, **kw} for m, a, kw in _cases(str(theirs))])
    loop = asyncio.new_event_loop()
    executor = Executor(Inv(), ansible_modules=["command"] if forced else [])
    try:
        for (module, args, kw), oracle in zip(_cases(str(ours)), want):
            got, events = _run(executor, loop, module, args, kw)
            if kw.get("no_log"):
                assert got == {k: v for k, v in oracle.items() if k not in INTERNAL}, module
                assert SECRET not in events and "5432" not in events, module  # no output lines, no args
            elif module.endswith("ini_file"):
                shown = json.loads(json.dumps(got.get("diff")).replace(str(ours), str(theirs)))
                assert shown == oracle.get("diff"), kw
                assert (got["changed"], got.get("msg")) == (oracle["changed"], oracle.get("msg"))
            else:  # user: the no_log option's value appears nowhere, the outcome is Ansible's
                assert (got["changed"], bool(got.get("failed"))) == (oracle["changed"], bool(oracle.get("failed")))
                assert PASSWORD not in events and PASSWORD not in json.dumps(got)
        for name in ("plain.ini", "diffed.ini", "hidden.ini"):
            assert (ours / name).read_text() == (theirs / name).read_text()
    finally:
        loop.run_until_complete(executor.close())
        loop.close()


def _inventory(tmp_path: Path) -> Path:
    inv = tmp_path / "inv.yml"
    inv.write_text(f"all:\n  hosts:\n    localhost:\n      ansible_connection: local\n"
                   f"      ansible_python_interpreter: {sys.executable}\n")
    return inv


def _cli(tmp_path: Path, tool: str, module: str, args: str, *flags: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update(ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-tmp"), ANSIBLE_NOCOLOR="1", NO_COLOR="1")
    cmd = ["ansible"] if tool == "ansible" else [sys.executable, "-m", "ftltui", "run"]
    proc = subprocess.run([*cmd, "localhost", "-i", str(_inventory(tmp_path)), "-m", module, "-a", args, *flags],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    return proc.stdout


@pytest.mark.parametrize("module", ["community.general.ini_file", "lineinfile"], ids=["ansible", "native"])
def test_the_terminal_shows_a_diff_only_with_D_as_ansible_does(tmp_path: Path, module: str) -> None:
    for flags in ((), ("-D",)):
        shown = {}
        for tool in ("ansible", "ftl"):
            target = tmp_path / f"{tool}{len(flags)}.ini"
            target.write_text("[db]\nhost = x\n")
            args = f"path={target} section=db option=port value=5432" if module.endswith("ini_file") \
                else f"path={target} line='port = 5432'"
            out = _cli(tmp_path, tool, module, args, *flags)
            assert "CHANGED" in out, out
            shown[tool] = [line for line in out.splitlines() if line.startswith(("+port", "+++", "---"))]
        assert bool(shown["ftl"]) == bool(shown["ansible"]) == bool(flags), shown
        assert [x for x in shown["ftl"] if x.startswith("+port")] == [x for x in shown["ansible"] if x.startswith("+port")]


def test_no_log_cli_censors_the_result(tmp_path: Path) -> None:
    out = _cli(tmp_path, "ftl", "ansible.builtin.command", f"echo {SECRET}", "--no-log", "--ansible-module", "command")
    assert SECRET not in out and "the output has been hidden due to the fact that 'no_log: true'" in out
