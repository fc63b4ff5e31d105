"""``:run PATTERN MODULE ARGS`` hands the module the arguments as typed (hR #1).

The ``:`` line is shell-split to find the command, pattern and module; the words after the
module used to be re-joined with spaces, so the user's quotes were gone before the text
reached the shell: ``touch '/x/old release'`` made two files, ``echo 'a;touch /x/I'`` ran
the second command, and a k=v value with a space was refused. Each case is checked
against what ``ansible localhost -m MODULE -a ARGS`` does with the same text.
The real app through the pilot, real runs on localhost (the fixture inventory)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from tuihelpers import enter_command, jobs_finished, ready, wait_for

pytestmark = pytest.mark.skipif(shutil.which("ansible") is None, reason="ansible-core not installed")

SIZE = (120, 40)


def _cases(out: Path) -> list[tuple[str, str]]:
    return [
        ("shell", f"touch '{out}/old release'"),
        ("shell", f"echo 'a;touch {out}/INJECTED' > '{out}/echoed'"),
        ("shell", f"echo 'a   b' '$HOME' > {out}/spaced"),
        ("copy", f"content='hello world' dest={out}/c1"),
        ("lineinfile", f"path={out}/lines line='a = b' create=true"),
    ]


def _ansible(args: str, module: str, cwd: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update(ANSIBLE_LOCALHOST_WARNING="False", ANSIBLE_NOCOLOR="1", HOME=str(cwd))
    done = subprocess.run(["ansible", "localhost", "-c", "local", "-i", "localhost,", "-e",
                           f"ansible_python_interpreter={sys.executable}", "-m", module, "-a", args],
                          check=False, cwd=cwd, env=env, capture_output=True, text=True, timeout=300,
                          stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stdout + done.stderr


def _tree(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): p.read_text() for p in sorted(root.rglob("*")) if p.is_file()}


async def test_run_line_keeps_quoted_arguments_as_typed(make_app, tmp_path: Path, monkeypatch: Any) -> None:
    theirs, ours, cwd = tmp_path / "theirs", tmp_path / "ours", tmp_path / "cwd"
    for d in (theirs, ours, cwd):
        d.mkdir()
    for module, args in _cases(theirs):
        _ansible(args, module, cwd)

    monkeypatch.chdir(cwd)  # a stray `./release` would land here
    app = make_app(state_dir=tmp_path / "state")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        for n, (module, args) in enumerate(_cases(ours), start=1):
            if module == "copy":  # after the shell cases: what the old console did to them shows here
                assert sorted(_tree(ours)) == ["echoed", "old release", "spaced"]
            await enter_command(pilot, f"run localhost {module} {args}")
            await wait_for(pilot, lambda n=n: jobs_finished(app, n))
        assert [j.state for j in app.services.jobs.values()] == ["succeeded"] * len(_cases(ours))

    assert sorted(_tree(ours)) == ["c1", "echoed", "lines", "old release", "spaced"]
    assert _tree(ours)["echoed"] == f"a;touch {ours}/INJECTED\n"  # printed, not run
    assert _tree(ours)["spaced"] == "a   b $HOME\n"
    assert _tree(ours) == _tree(theirs) | {"echoed": f"a;touch {ours}/INJECTED\n"}
    assert _tree(theirs)["echoed"] == f"a;touch {theirs}/INJECTED\n"
    assert [p.name for p in cwd.iterdir() if not p.name.startswith(".")] == []  # no stray `release`
