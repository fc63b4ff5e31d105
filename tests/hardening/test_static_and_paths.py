"""No shell with user strings outside the shell modules; fetch cannot write outside its dest."""

from __future__ import annotations

import ast
import asyncio
import os
from pathlib import Path

import pytest

from ftltui.engine.executor import Executor
from ftltui.inventory import load_inventory

PKG = Path(__file__).resolve().parents[2] / "ftltui"
SPAWNERS = {"Popen", "run", "call", "check_call", "check_output", "run_process", "run_command",
            "create_subprocess_exec", "create_process", "run_exec"}
# Ansible's shell/raw modules and the pipe lookup (a controller command the playbook's author
# writes, run "through a shell" per its documentation): a shell is their contract
SHELL_ALLOWED = {"modules/shell.py", "modules/raw.py", "templating/lookups.py"}


def _calls():
    for path in sorted(PKG.rglob("*.py")):
        rel = str(path.relative_to(PKG))
        for node in ast.walk(ast.parse(path.read_text(), rel)):
            if isinstance(node, ast.Call):
                yield rel, node


def test_no_shell_true_and_no_shell_spawning_apis() -> None:
    bad = []
    for rel, call in _calls():
        name = ast.unparse(call.func)
        if name in ("os.system", "os.popen", "asyncio.create_subprocess_shell", "subprocess.getoutput",
                    "subprocess.getstatusoutput", "commands.getoutput"):
            bad.append(f"{rel}:{call.lineno}: {name}")
        if name.split(".")[-1] not in SPAWNERS:
            continue  # e.g. a user record's ``shell=`` field
        for kw in call.keywords:
            if kw.arg == "shell" and not (isinstance(kw.value, ast.Constant) and kw.value.value is False):
                literal_true = isinstance(kw.value, ast.Constant) and kw.value.value is True
                passthrough = rel == "modules/_command.py" and ast.unparse(kw.value) == "shell"
                if not (rel in SHELL_ALLOWED and literal_true) and not passthrough:
                    bad.append(f"{rel}:{call.lineno}: {ast.unparse(call)[:80]}")
    assert not bad, "shell=... outside the shell/raw modules:\n" + "\n".join(bad)


def test_command_module_builds_argv_and_never_asks_for_a_shell() -> None:
    tree = ast.parse((PKG / "modules" / "command.py").read_text())
    calls = [c for c in ast.walk(tree) if isinstance(c, ast.Call) and ast.unparse(c.func) == "run_command"]
    assert calls and all(kw.arg != "shell" for c in calls for kw in c.keywords)


async def test_command_does_not_interpret_shell_syntax(tmp_path: Path) -> None:
    inv = tmp_path / "inv.json"
    inv.write_text('{"all": {"hosts": {"l1": {"ansible_connection": "local"}}}}')
    marker = tmp_path / "pwned"
    ex = Executor(load_inventory([str(inv)]))
    try:
        res = await ex.run("l1", "command", {"cmd": f"echo $HOME; touch {marker} `id` $(id)"})
    finally:
        await ex.close()
    r = res.results["l1"]
    assert r.status == "changed"
    assert r.result["stdout"] == f"$HOME; touch {marker} `id` $(id)"
    assert not marker.exists()


# -- fetch destinations -------------------------------------------------------------------

@pytest.fixture
async def local_ex(tmp_path: Path):
    inv = tmp_path / "inv.json"
    inv.write_text('{"all": {"hosts": {"l1": {"ansible_connection": "local"}}}}')
    ex = Executor(load_inventory([str(inv)]), base_dir=str(tmp_path))
    yield ex
    await ex.close()


async def test_fetch_dotdot_in_remote_path_stays_inside_dest(local_ex, tmp_path: Path) -> None:
    src = tmp_path / "remote" / "f.txt"
    src.parent.mkdir()
    src.write_text("data")
    dest = tmp_path / "fetched"
    ups = "/..".join([""] * len(src.parent.parts))  # as many levels as there are: up to /
    sneaky = f"{src.parent}{ups}{src}"  # climbs out, then back to the real file
    r = (await local_ex.run("l1", "fetch", {"src": sneaky, "dest": str(dest)})).results["l1"]
    assert r.status == "changed", r.result
    got = Path(r.result["dest"]).resolve()
    assert dest.resolve() in got.parents and got.read_text() == "data"
    assert not any(p for p in tmp_path.parent.glob("*.txt"))


async def test_fetch_through_a_symlink_in_dest_is_refused(local_ex, tmp_path: Path) -> None:
    src = tmp_path / "remote.txt"
    src.write_text("data")
    dest = tmp_path / "fetched"
    outside = tmp_path / "outside"
    outside.mkdir()
    dest.mkdir()
    os.symlink(outside, dest / "l1")  # dest/<host> points elsewhere
    r = (await local_ex.run("l1", "fetch", {"src": str(src), "dest": str(dest)})).results["l1"]
    assert r.status == "failed" and "escapes" in r.msg, r.result
    assert not any(outside.rglob("*"))


async def test_fetch_of_a_root_path_is_refused_cleanly(local_ex, tmp_path: Path) -> None:
    r = (await local_ex.run("l1", "fetch", {"src": "/", "dest": str(tmp_path / "d")})).results["l1"]
    assert r.status == "failed", r.result
    assert not (tmp_path / "d" / "l1").exists() or not any((tmp_path / "d" / "l1").iterdir())


def test_gate_upload_names_cannot_escape_the_gate_tmpdir(tmp_path: Path) -> None:
    import io

    from ftltui.gate.server import Gate

    g = Gate(io.BytesIO(), io.BytesIO(), "test")
    try:
        for name in ("../../etc/evil", "/etc/evil", "..", ""):
            g.put_begin({"id": 7, "size": 1, "sha256": "x", "name": name})
            up = g.uploads.pop(7)
            up.file.close()
            assert os.path.dirname(up.path) == g.tmpdir, up.path
    finally:
        import shutil

        shutil.rmtree(g.tmpdir, ignore_errors=True)
