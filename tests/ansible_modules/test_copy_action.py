"""Ansible's copy action with a controller directory: the files left behind and the results equal ansible's.

Cases, each run by ``ansible-playbook`` on one side and by ftl-tui (Ansible's ``copy``
forced) on the other: ``src=tree`` (the directory itself goes into dest), ``src=tree/``
(what is inside) into an existing directory holding an old file, a second run
(unchanged), ``directory_mode``/``mode`` into a destination whose parents are missing,
check mode (nothing written), and the check-mode diff of ``content`` over an existing file.
One deliberate difference: ``content`` is a no_log option of copy, so ftl-tui masks its
value in the diff too (Ansible shows it there).
"""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from amhelp import Inv, copy_source_tree
from pbhelp import play

from ftltui.engine.executor import Executor
from ftltui.engine.redact import MASK

pytestmark = pytest.mark.skipif(shutil.which("ansible-playbook") is None, reason="ansible-core not installed")

INTERNAL = {"_ansible_no_log", "action", "exception", "invocation"}


def _cases(src: str, d: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(copy args, task keywords); few, as each directory copy costs Ansible several module runs."""
    return [
        ({"src": src, "dest": f"{d}/d1/"}, {}),
        ({"src": src + "/", "dest": f"{d}/d3"}, {"diff": True}),
        ({"src": src, "dest": f"{d}/d1/"}, {}),
        ({"src": src + "/", "dest": f"{d}/d4/new", "directory_mode": "0750", "mode": "0640"}, {}),
        ({"src": src + "/", "dest": f"{d}/d5/new"}, {"check_mode": True}),
        ({"content": "hello\n", "dest": f"{d}/d3/a.txt"}, {"diff": True, "check_mode": True}),
    ]


def _listing(root: Path) -> dict[str, tuple[str, str | None]]:
    out = {}
    for p in sorted(root.rglob("*")):
        out[str(p.relative_to(root))] = (oct(p.stat().st_mode), p.read_text() if p.is_file() else None)
    return out


@pytest.mark.timeout(900)  # ansible-playbook runs several modules per directory copied; slow on a busy machine
def test_copy_of_a_directory_leaves_what_ansible_leaves(tmp_path: Path) -> None:
    src = tmp_path / "src" / "tree"
    copy_source_tree(src)
    theirs, ours = tmp_path / "theirs", tmp_path / "ours"
    for side in (theirs, ours):
        side.mkdir()
        (side / "d3").mkdir()
        (side / "d3" / "a.txt").write_text("old\n")
    want = play(tmp_path, [{"ansible.builtin.copy": a, **kw} for a, kw in _cases(str(src), str(theirs))])
    loop = asyncio.new_event_loop()
    executor = Executor(Inv(), ansible_modules=["copy"], base_dir=str(tmp_path))
    try:
        for (args, kw), oracle in zip(_cases(str(src), str(ours)), want):
            res = loop.run_until_complete(executor.run("localhost", "ansible.builtin.copy", args,
                                                       check=kw.get("check_mode", False), diff=kw.get("diff", False)))
            got = json.loads(json.dumps(res.results["localhost"].result).replace(str(ours), str(theirs)))
            expected = {k: v for k, v in oracle.items() if k not in INTERNAL}
            if "content" in args and expected.get("diff"):  # copy marks content no_log: ftl-tui masks it everywhere
                expected["diff"] = [dict(d, after=MASK) for d in expected["diff"]]
            if "ansible-tmp" in str(expected.get("src")) or "content" in args:  # one file: the module's own result
                got.pop("src", None), expected.pop("src", None)  # each tool's upload temp path
                for r in (got, expected):  # times and owners of the file module's reply are not the point
                    for k in ("gid", "uid", "group", "owner", "size", "md5sum", "state", "mode"):
                        r.pop(k, None)
            assert got == expected, (args, kw)
    finally:
        loop.run_until_complete(executor.close())
        loop.close()
    assert _listing(ours) == _listing(theirs)
    assert not (ours / "d5").exists()
