"""Ansible's copy of a controller directory over real sshd: h01 through ftl-tui, h02 through `ansible`.

``src=tree/`` with ``directory_mode``, then again (unchanged), then ``src=tree`` (the
directory itself) in check mode: the same outcomes, and the same files on both hosts.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from test_run_bed import HOME, _ansible, _inventory, _seed

from ftltui.engine.executor import Executor
from ftltui.inventory import load_inventory

pytestmark = [pytest.mark.ssh, pytest.mark.skipif(shutil.which("ansible") is None, reason="no ansible")]


def _listing(root: Path) -> dict[str, tuple[str, str | None]]:
    return {str(p.relative_to(root)): (oct(p.stat().st_mode), p.read_text() if p.is_file() else None)
            for p in sorted(root.rglob("*"))}


async def test_directory_copy_over_ssh_equals_ansibles(sshbed, tmp_path) -> None:
    src = tmp_path / "tree"
    (src / "sub" / "empty").mkdir(parents=True)
    (src / "top.txt").write_text("top\n")
    (src / "sub" / "inner.txt").write_text("inner\n")
    tmp_path.chmod(0o755)
    ours, theirs = HOME / f"cp-ours-{tmp_path.name}", HOME / f"cp-theirs-{tmp_path.name}"
    inv = _inventory(tmp_path / "inv.json", sshbed, ["h01", "h02"])
    ex = Executor(load_inventory([str(inv)]), ansible_modules=("copy",))
    steps = [("run", {"src": f"{src}/", "dest": "@D@/app", "directory_mode": "0750"}, False),
             ("again", {"src": f"{src}/", "dest": "@D@/app", "directory_mode": "0750"}, False),
             ("check", {"src": str(src), "dest": "@D@/other/"}, True)]
    try:
        _seed(ours, {}), _seed(theirs, {})
        for step, args, check in steps:
            a = json.loads(json.dumps(args).replace("@D@", str(ours)))
            b = json.loads(json.dumps(args).replace("@D@", str(theirs)))
            got = (await ex.run("h01", "ansible.builtin.copy", a, check=check)).results["h01"].result
            want = _ansible(inv, "h02", "ansible.builtin.copy", b, check)
            assert (got["changed"], bool(got.get("failed"))) == (want["changed"], bool(want.get("failed"))), (step, got)
            assert got["dest"].replace(str(ours), "@D@") == want["dest"].replace(str(theirs), "@D@"), step
        assert _listing(ours) == _listing(theirs)
        assert (ours / "app" / "sub" / "inner.txt").owner() == "ftltest"
        assert not (ours / "other").exists()
    finally:
        await ex.close()
        shutil.rmtree(ours, ignore_errors=True), shutil.rmtree(theirs, ignore_errors=True)


async def test_a_bundle_removed_from_the_host_cache_is_sent_again(sshbed, tmp_path) -> None:
    """A cleaner empties ~/.cache/ftl-tui under a live gate: the next task re-sends what it needs."""
    inv = _inventory(tmp_path / "inv.json", sshbed, ["h04"])
    ex = Executor(load_inventory([str(inv)]))
    target = HOME / f"lost-{tmp_path.name}.ini"
    try:
        args = {"path": str(target), "section": "s", "option": "o", "value": "1"}
        first = (await ex.run("h04", "community.general.ini_file", args)).results["h04"]
        assert first.status == "changed", first.result
        for d in (HOME / ".cache" / "ftl-tui").glob("ab-*"):
            shutil.rmtree(d) if d.is_dir() else d.unlink()  # a bundle is a zip or an unpacked directory
        again = (await ex.run("h04", "community.general.ini_file", dict(args, value="2"))).results["h04"]
        assert again.status == "changed", again.result
        assert "o = 2" in target.read_text()
    finally:
        await ex.close()
        target.unlink(missing_ok=True)
