"""An Ansible module's argument rules are checked on the controller, before any host, with Ansible's words.

Each case breaks one rule of a real ansible-core module (mutually_exclusive, a missing
required option, required_together, required_if all-of and any-of, required_by); the
oracle is the ``msg`` of the same task under ``ansible-playbook``. ftl-tui must refuse the
run before a host starts (no event at all), and the workflow/console check
(``precheck_args`` on the controller spec) must say the same. Calls that pass every rule
must not be refused (the same modules, the rules satisfied).
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

import pytest
from amhelp import Inv
from pbhelp import play

from ftltui.ansible_modules.docs import ansible_spec
from ftltui.engine.executor import Executor, precheck_args
from ftltui.errors import ModuleArgsError

pytestmark = pytest.mark.skipif(shutil.which("ansible-playbook") is None, reason="ansible-core not installed")

BROKEN = [
    ("ansible.builtin.lineinfile", {"path": "@DIR@/f", "line": "a", "insertbefore": "BOF", "insertafter": "EOF"}),
    ("ansible.builtin.lineinfile", {"line": "a", "insertbefore": "BOF", "insertafter": "EOF", "regexp": "x",
                                    "search_string": "y"}),
    ("ansible.builtin.lineinfile", {"dest": "@DIR@/f", "line": "a", "insertbefore": "BOF", "insertafter": None}),
    ("ansible.builtin.debconf", {"question": "x", "vtype": "string"}),
    ("ansible.builtin.debconf", {"name": "tzdata", "question": "x"}),
    ("ansible.builtin.debconf", {"pkg": "tzdata", "selection": "x", "answer": "y"}),
    ("ansible.builtin.group", {"name": "ftl-nonexistent", "non_unique": True}),
    ("ansible.builtin.group", {"name": "ftl-nonexistent", "non_unique": "yes"}),
    ("ansible.builtin.yum_repository", {"name": "zz"}),
    ("ansible.builtin.yum_repository", {"name": "zz", "baseurl": "http://example.invalid/"}),
    ("ansible.builtin.systemd_service", {"enabled": True}),
    ("ansible.builtin.systemd_service", {"masked": False}),
]
# these pass every rule (the module may still fail later, on the host, for its own reasons)
FINE = [
    ("ansible.builtin.lineinfile", {"path": "/x", "line": "a", "insertafter": "EOF"}),
    ("ansible.builtin.debconf", {"name": "tzdata", "question": "x", "vtype": "string", "value": None}),
    ("ansible.builtin.group", {"name": "x", "non_unique": False}),
    ("ansible.builtin.group", {"name": "x", "non_unique": "{{ maybe }}"}),
    ("ansible.builtin.yum_repository", {"name": "zz", "state": "absent"}),
    ("ansible.builtin.systemd_service", {}),
    ("ansible.builtin.systemd_service", {"name": "x", "enabled": True}),
]


def _fill(args: dict[str, Any], d: str) -> dict[str, Any]:
    return {k: v.replace("@DIR@", d) if isinstance(v, str) else v for k, v in args.items()}


def test_rules_refuse_before_any_host_with_ansibles_message(tmp_path: Path) -> None:
    d = str(tmp_path)
    tasks = [{m: _fill(a, d), "check_mode": True} for m, a in BROKEN]
    want = play(tmp_path, tasks)
    loop = asyncio.new_event_loop()
    executor = Executor(Inv(), ansible_modules=["lineinfile"])  # Ansible's lineinfile, not the native one
    try:
        for (module, args), oracle in zip(BROKEN, want):
            assert oracle.get("failed"), (module, args, oracle)
            events: list[Any] = []
            with pytest.raises(ModuleArgsError) as exc:
                loop.run_until_complete(executor.run("localhost", module, _fill(args, d), check=True,
                                                     on_event=events.append))
            assert str(exc.value) == f"{module}: {oracle['msg']}", args
            assert events == []  # refused before RunStarted: no host was touched
            with pytest.raises(ModuleArgsError) as form:  # the workflow loader's and the run form's check (controller_spec for non-native names)
                precheck_args(ansible_spec(module), _fill(args, d))
            assert str(form.value) == str(exc.value)
    finally:
        loop.run_until_complete(executor.close())
        loop.close()
    assert not (tmp_path / "f").exists()


@pytest.mark.parametrize("module,args", FINE)
def test_calls_that_keep_the_rules_are_not_refused(module: str, args: dict[str, Any]) -> None:
    spec = Executor(Inv(), ansible_modules=["lineinfile"]).module_spec(module)
    assert spec.rules is not None
    assert spec.rules.violation(args) is None
    precheck_args(spec, args)


COPY_ACTION = [  # the copy action checks these itself, before the module, in its own words
    ({}, True),
    ({"content": "some text"}, True),
    ({"src": "/etc/hostname", "content": "some text", "dest": "@DIR@/zz"}, True),
    ({"src": "@DIR@/no-such-file", "dest": "@DIR@/zz"}, False),
]


def test_copy_action_checks_come_first_with_its_words(tmp_path: Path) -> None:
    d = str(tmp_path)
    want = play(tmp_path, [{"ansible.builtin.copy": _fill(a, d), "check_mode": c} for a, c in COPY_ACTION],
                name="copy-action")
    loop = asyncio.new_event_loop()
    executor = Executor(Inv(), ansible_modules=["copy"])
    try:
        for (args, check), oracle in zip(COPY_ACTION, want):
            res = loop.run_until_complete(executor.run("localhost", "ansible.builtin.copy", _fill(args, d), check=check))
            got = res.results["localhost"]
            assert (got.status, got.result["msg"]) == ("failed", oracle["msg"]), args
    finally:
        loop.run_until_complete(executor.close())
        loop.close()
