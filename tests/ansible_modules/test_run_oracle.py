"""Installed Ansible modules run through a local gate: outcomes equal `ansible`'s own.

Each case runs the same module with the same arguments under ftl-tui and under `ansible`
(ad hoc, local connection, the JSON callback) on separate copies of the same files, in
check mode, then for real, then again (idempotency), and compares changed/failed/skipped,
the module's result fields and the files left behind.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
from pathlib import Path
from typing import Any, Iterator

import pytest

from amhelp import Ftl, ansible, ftl, outcome
from pbhelp import play

pytestmark = pytest.mark.skipif(shutil.which("ansible") is None, reason="ansible-core not installed")


@pytest.fixture(scope="module")
def runner() -> Iterator[Ftl]:
    f = Ftl()
    yield f
    f.close()


def _swap(value: Any, a: str, b: str) -> Any:
    if isinstance(value, str):
        return value.replace(a, b)
    if isinstance(value, dict):
        return {k: _swap(v, a, b) for k, v in value.items()}
    if isinstance(value, list):
        return [_swap(v, a, b) for v in value]
    return value


def _compare(runner: Ftl, tmp_path: Path, module: str, args: dict[str, Any], seed: dict[str, str],
             steps: tuple[tuple[str, bool], ...] = (("check", True), ("run", False), ("again", False))) -> None:
    """check mode, real run, second run: same outcome and same files on both sides."""
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    for side in (ours, theirs):
        side.mkdir()
        for name, text in seed.items():
            (side / name).write_text(text)
    for step, check in steps:
        status, got = ftl(runner, module, _swap(args, "@DIR@", str(ours)), check=check)
        want = ansible(module, _swap(args, "@DIR@", str(theirs)), check=check)
        a, b = outcome(_swap(got, str(ours), "@DIR@")), outcome(_swap(want, str(theirs), "@DIR@"))
        if module.endswith(".copy"):  # the uploaded temp file: a path in each tool's own temp dir
            a.pop("src", None), b.pop("src", None)
        assert a == b, step
        assert status == ("failed" if want.get("failed") else "skipped" if want.get("skipped")
                          else "changed" if want.get("changed") else "ok"), step
        for p in sorted(theirs.rglob("*")):
            mine = ours / p.relative_to(theirs)
            assert mine.exists(), f"{step}: {mine} missing"
            if p.is_file():
                assert mine.read_bytes() == p.read_bytes(), step
                assert oct(mine.stat().st_mode) == oct(p.stat().st_mode), step
        assert sorted(x.relative_to(ours) for x in ours.rglob("*")) == \
            sorted(x.relative_to(theirs) for x in theirs.rglob("*")), step


def test_ping_is_ansibles_when_forced(runner: Ftl) -> None:
    runner.executor.ansible_modules = frozenset({"ping"})
    try:
        spec = runner.executor.module_spec("ansible.builtin.ping")
        assert type(spec).__name__ == "AnsibleSpec"
        assert ftl(runner, "ansible.builtin.ping", {"data": "hi"}) == ("ok", {"changed": False, "ping": "hi"})
        status, res = ftl(runner, "ansible.builtin.ping", {"data": "crash"})
        want = ansible("ansible.builtin.ping", {"data": "crash"})
        assert status == "failed" and res["msg"] == want["msg"] == "Task failed: Module failed: boom"
    finally:
        runner.executor.ansible_modules = frozenset()


def test_lineinfile_ansible_impl_matches(runner: Ftl, tmp_path: Path) -> None:
    runner.executor.ansible_modules = frozenset({"lineinfile"})
    try:
        _compare(runner, tmp_path, "ansible.builtin.lineinfile",
                 {"path": "@DIR@/conf", "regexp": "^port=", "line": "port=8080", "mode": "0640"},
                 {"conf": "# conf\nport=80\nhost=a\n"})
    finally:
        runner.executor.ansible_modules = frozenset()


def test_ini_file_from_community_general(runner: Ftl, tmp_path: Path) -> None:
    _compare(runner, tmp_path, "community.general.ini_file",
             {"path": "@DIR@/app.ini", "section": "db", "option": "port", "value": "5432"},
             {"app.ini": "[db]\nhost = x\n"})


def test_ansible_copy_with_content(runner: Ftl, tmp_path: Path) -> None:
    runner.executor.ansible_modules = frozenset({"copy"})
    try:
        _compare(runner, tmp_path, "ansible.builtin.copy", {"content": "hello\n", "dest": "@DIR@/hello",
                                                             "mode": "0600"}, {})
    finally:
        runner.executor.ansible_modules = frozenset()


def test_ansible_copy_of_a_controller_file(runner: Ftl, tmp_path: Path) -> None:
    src = tmp_path / "payload.txt"
    src.write_text("payload\n")
    runner.executor.ansible_modules = frozenset({"copy"})
    try:
        _compare(runner, tmp_path, "ansible.builtin.copy", {"src": str(src), "dest": "@DIR@/", "mode": "0644"},
                 {"payload.txt": "old\n"})
    finally:
        runner.executor.ansible_modules = frozenset()


def test_community_general_missing_arg_message(runner: Ftl) -> None:
    """Refused on the controller, before any host, with the message the module gives under Ansible."""
    from ftltui.errors import ModuleArgsError

    with pytest.raises(ModuleArgsError) as exc:
        ftl(runner, "community.general.ini_file", {"section": "x"})
    want = ansible("community.general.ini_file", {"section": "x"})
    assert want["failed"] and str(exc.value) == f"community.general.ini_file: {want['msg']}"


@pytest.mark.skipif(os.geteuid() != 0, reason="creates a user")
def test_user_module(runner: Ftl, tmp_path: Path) -> None:
    names = ("ftlamu1", "ftlamu2")
    steps = (("check", True), ("run", False), ("again", False))
    try:
        # Ansible's side works on its own user: its three steps in one ansible-playbook run
        wants = play(tmp_path, [{"ansible.builtin.user": {"name": names[1], "shell": "/bin/sh", "create_home": False},
                                 "check_mode": check} for _, check in steps])
        assert len(wants) == len(steps), wants
        for (step, check), want in zip(steps, wants):
            _, got = ftl(runner, "ansible.builtin.user", {"name": names[0], "shell": "/bin/sh",
                                                           "create_home": False}, check=check)
            a, b = outcome(_swap(got, names[0], "U")), outcome(_swap(want, names[1], "U"))
            a.pop("uid", None), b.pop("uid", None), a.pop("group", None), b.pop("group", None)
            assert a == b, step
        assert pwd.getpwnam(names[0]).pw_shell == pwd.getpwnam(names[1]).pw_shell == "/bin/sh"
    finally:
        for n in names:
            subprocess.run(["userdel", n], capture_output=True)


def test_host_variable_forces_ansibles_implementation(tmp_path: Path) -> None:
    """ftl_ansible_modules on a host: that host runs Ansible's lineinfile (its diff is a list)."""
    for hostvars, shape in (({}, dict), ({"ftl_ansible_modules": "lineinfile"}, list)):
        f = Ftl(**hostvars)
        try:
            status, res = ftl(f, "lineinfile", {"path": str(tmp_path / f"f-{shape.__name__}"), "line": "a",
                                                "create": True})
            assert status == "changed" and isinstance(res["diff"], shape), res
        finally:
            f.close()
