"""The native ``copy`` of a controller directory (issue 15) and its hash-once upload (issue 17).

Oracles: ``ansible-playbook`` on localhost (the same cases as Ansible's own copy action in
test_copy_action.py, here run by ftl-tui's native copy) and ``ansible -m copy`` on the bed
(h03 through ftl-tui's gate, h04 through ansible): the outcomes and every file and mode
left behind equal Ansible's. Over SSH the upload is checked with the SHA-1 that is also the
result's ``checksum`` and the ``md5sum`` comes from the controller: both equal Ansible's.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from amhelp import Inv, copy_source_tree
from pbhelp import play
from test_run_bed import HOME, _ansible, _inventory, _seed

from ftltui.engine.executor import Executor
from ftltui.inventory import load_inventory

pytestmark = pytest.mark.skipif(shutil.which("ansible-playbook") is None, reason="ansible-core not installed")


def _cases(src: str, d: str) -> list[tuple[dict[str, Any], bool]]:
    """(copy args, check mode)."""
    return [
        ({"src": src, "dest": f"{d}/d1/"}, False),  # the directory itself, into an existing directory
        ({"src": src + "/", "dest": f"{d}/d3"}, False),  # what is inside, over an old file
        ({"src": src, "dest": f"{d}/d1/"}, False),  # again: unchanged
        ({"src": src + "/", "dest": f"{d}/d4/new", "directory_mode": "0750", "mode": "0640"}, False),
        ({"src": src + "/", "dest": f"{d}/d5/new"}, True),  # check mode: nothing written
        ({"src": src + "/", "dest": f"{d}/d3", "mode": "0600"}, False),  # unchanged bytes, new mode
    ]


def _listing(root: Path) -> dict[str, tuple[str, bytes | None]]:
    return {str(p.relative_to(root)): (oct(p.stat().st_mode), p.read_bytes() if p.is_file() else None)
            for p in sorted(root.rglob("*"))}


@pytest.mark.timeout(900)  # ansible-playbook runs several modules per directory copied
def test_native_copy_of_a_directory_leaves_what_ansible_leaves(tmp_path: Path) -> None:
    src = tmp_path / "src" / "tree"
    copy_source_tree(src)
    theirs, ours = tmp_path / "theirs", tmp_path / "ours"
    for side in (theirs, ours):
        side.mkdir()
        (side / "d1").mkdir()
        (side / "d3").mkdir()
        (side / "d3" / "a.txt").write_text("old\n")
    want = play(tmp_path, [{"ansible.builtin.copy": a, "check_mode": c} for a, c in _cases(str(src), str(theirs))])
    loop = asyncio.new_event_loop()
    executor = Executor(Inv(), base_dir=str(tmp_path))  # the native copy
    try:
        for (args, check), oracle in zip(_cases(str(src), str(ours)), want):
            res = loop.run_until_complete(executor.run("localhost", "copy", args, check=check))
            got = json.loads(json.dumps(res.results["localhost"].result).replace(str(ours), str(theirs)))
            assert (bool(got.get("changed")), bool(got.get("failed"))) == \
                (bool(oracle.get("changed")), bool(oracle.get("failed"))), (args, got, oracle)
            assert got.get("dest") == oracle.get("dest"), (args, got, oracle)
            if "ansible-tmp" not in str(oracle.get("src")):  # a tree's result: {changed, dest, src}
                assert got.get("src") == oracle.get("src"), (args, got, oracle)
    finally:
        loop.run_until_complete(executor.close())
        loop.close()
    assert _listing(ours) == _listing(theirs)
    assert not (ours / "d5").exists()


@pytest.mark.ssh
async def test_native_copy_over_ssh_equals_ansibles_and_hashes_once(sshbed, tmp_path) -> None:
    src = tmp_path / "tree"
    (src / "sub" / "empty").mkdir(parents=True)
    (src / "top.txt").write_text("top\n")
    (src / "sub" / "inner.bin").write_bytes(bytes(range(256)) * 512)
    one = tmp_path / "one.bin"
    one.write_bytes(b"\x00ftl" * 300_000)
    tmp_path.chmod(0o755)
    ours, theirs = HOME / f"ncp-ours-{tmp_path.name}", HOME / f"ncp-theirs-{tmp_path.name}"
    inv = _inventory(tmp_path / "inv.json", sshbed, ["h03", "h04"])
    ex = Executor(load_inventory([str(inv)]))
    steps = [("tree", {"src": f"{src}/", "dest": "@D@/app", "directory_mode": "0750"}, False),
             ("again", {"src": f"{src}/", "dest": "@D@/app", "directory_mode": "0750"}, False),
             ("check", {"src": str(src), "dest": "@D@/other/"}, True),
             ("one", {"src": str(one), "dest": "@D@/one.bin", "mode": "0640"}, False)]
    try:
        _seed(ours, {}), _seed(theirs, {})
        for step, args, check in steps:
            a = json.loads(json.dumps(args).replace("@D@", str(ours)))
            b = json.loads(json.dumps(args).replace("@D@", str(theirs)))
            got = (await ex.run("h03", "copy", a, check=check)).results["h03"].result
            want = _ansible(inv, "h04", "ansible.builtin.copy", b, check)
            assert (got["changed"], bool(got.get("failed"))) == (want["changed"], bool(want.get("failed"))), \
                (step, got, want)
            assert got["dest"].replace(str(ours), "@D@") == want["dest"].replace(str(theirs), "@D@"), step
            if step == "one":  # Ansible's result keys, equal to its own when shown
                data = one.read_bytes()
                assert got["checksum"] == want["checksum"] == hashlib.sha1(data).hexdigest()
                assert got["md5sum"] == want["md5sum"] == hashlib.md5(data).hexdigest()
        assert _listing(ours) == _listing(theirs)
        assert (ours / "app" / "sub" / "inner.bin").owner() == "ftltest"
        assert not (ours / "other").exists()
    finally:
        await ex.close()
        shutil.rmtree(ours, ignore_errors=True), shutil.rmtree(theirs, ignore_errors=True)
