"""Content-addressed job content: blobs, manifests, stored trees, and workflow jobs that
run what they were enqueued with (real state store, real engine, real files)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ftltui.engine.executor import Executor
from ftltui.errors import StateError
from ftltui.inventory import load_inventory
from ftltui.jobs import JobQueue
from ftltui.jobs.content_store import ContentStore, Manifest, sha256_hex
from ftltui.jobs.kinds import enqueue_workflow, register_builtin
from ftltui.state import StateStore


def test_blobs_are_content_addressed_and_checked(tmp_path: Path) -> None:
    store = ContentStore(tmp_path)
    sha = store.put(b"hello\n")
    assert sha == sha256_hex(b"hello\n") and store.put(b"hello\n") == sha
    path = store.blob_path(sha)
    assert oct(path.stat().st_mode & 0o777) == "0o600" and store.get(sha) == b"hello\n"
    path.write_bytes(b"tampered\n")
    with pytest.raises(StateError, match="damaged"):
        store.get(sha)
    with pytest.raises(StateError, match="missing"):
        store.get("0" * 64)
    with pytest.raises(StateError, match="not a content hash"):
        store.blob_path("../../etc/passwd")


def test_tree_round_trip_keeps_modes_and_repairs_changes(tmp_path: Path) -> None:
    src = tmp_path / "proj"
    (src / "roles" / "r" / "files").mkdir(parents=True)
    (src / "site.yml").write_text("- hosts: all\n")
    script = src / "roles" / "r" / "files" / "run.sh"
    script.write_text("#!/bin/sh\necho hi\n")
    script.chmod(0o755)
    store = ContentStore(tmp_path / "state")
    sha, manifest = store.put_files(src, src / "site.yml", [src / "site.yml", script])
    assert manifest.main == "site.yml" and set(manifest.files) == {"site.yml", "roles/r/files/run.sh"}
    tree, again = store.materialize(sha)
    assert again == manifest and (tree / "site.yml").read_text() == "- hosts: all\n"
    assert (tree / "roles/r/files/run.sh").stat().st_mode & 0o777 == 0o755
    (tree / "site.yml").write_text("changed by a run\n")  # a run wrote into the copy
    tree, _ = store.materialize(sha)
    assert (tree / "site.yml").read_text() == "- hosts: all\n"
    # the same content stored from elsewhere is the same files (not the same root)
    assert store.manifest_of(tree, tree / "site.yml", [tree / "site.yml", tree / "roles/r/files/run.sh"]) \
        .same_files(manifest)


def test_manifest_cannot_escape_its_tree(tmp_path: Path) -> None:
    store = ContentStore(tmp_path)
    blob = store.put(b"x")
    sha = store.put(Manifest("/somewhere", "a.yml", {"../../escape": (blob, 0o644)}).to_bytes())
    with pytest.raises(StateError, match="outside its tree"):
        store.materialize(sha)
    assert not (tmp_path / "escape").exists() and not (tmp_path / "content" / "escape").exists()


WORKFLOW = """\
name: write
hosts: l1
steps:
  - name: write
    module: copy
    args:
      dest: {dest}
      content: "{text}\\n"
"""


async def _queue(tmp_path: Path) -> JobQueue:
    inv = tmp_path / "inv.yml"
    inv.write_text("all:\n  hosts:\n    l1:\n      ansible_connection: local\n")
    q = JobQueue(StateStore.open(tmp_path / "state"), executor=Executor(load_inventory([str(inv)])), heartbeat=0.05)
    register_builtin(q)
    await q.start()
    return q


async def test_workflow_requeue_runs_the_content_it_was_enqueued_with(tmp_path: Path) -> None:
    dest, wf = tmp_path / "out.txt", tmp_path / "wf.yml"
    wf.write_text(WORKFLOW.format(dest=dest, text="v1"))
    q = await _queue(tmp_path)
    try:
        job = await q.wait((await enqueue_workflow(q, wf)).id)
        assert job.state == "succeeded" and dest.read_text() == "v1\n"
        assert job.spec["content"] == sha256_hex(wf.read_bytes())
        wf.write_text(WORKFLOW.format(dest=dest, text="v2"))  # the file changes after the run
        dest.unlink()
        again = await q.wait((await q.requeue(job.id)).id)
        assert again.state == "succeeded" and dest.read_text() == "v1\n"  # what ran before, not the file now
        assert "running the stored content" in q.store.log_path(again.id).read_text()
        wf.unlink()  # even a removed file: the stored content runs
        dest.unlink()
        third = await q.wait((await q.requeue(job.id)).id)
        assert third.state == "succeeded" and dest.read_text() == "v1\n"
        # a fresh enqueue reads the file as it is now
        wf.write_text(WORKFLOW.format(dest=dest, text="v3"))
        fresh = await q.wait((await enqueue_workflow(q, wf)).id)
        assert fresh.spec["content"] != job.spec["content"] and dest.read_text() == "v3\n"
    finally:
        await q.stop()
        await q.executor.close()
        q.store.close()


def test_cli_retry_of_a_workflow_runs_the_stored_content(tmp_path: Path) -> None:
    """``ftl-tui jobs retry`` (another process, the state on disk): the stored version."""
    dest, wf, inv = tmp_path / "out.txt", tmp_path / "wf.yml", tmp_path / "inv.yml"
    inv.write_text("all:\n  hosts:\n    l1:\n      ansible_connection: local\n")
    text = WORKFLOW.format(dest=dest, text="v1") + "  - name: boom\n    module: command\n" \
        "    depends_on: [write]\n    args: {argv: [/bin/false]}\n"
    wf.write_text(text)
    cli = [sys.executable, "-m", "ftltui", "--state-dir", str(tmp_path / "state")]
    env = {**os.environ, "NO_COLOR": "1"}
    first = subprocess.run(cli[:3] + ["play", str(wf), "-i", str(inv), "--state-dir", str(tmp_path / "state")],
                           capture_output=True, text=True, env=env)
    assert first.returncode == 2, first.stdout + first.stderr
    wf.write_text(WORKFLOW.format(dest=dest, text="v2"))
    dest.unlink()
    shown = subprocess.run(cli[:3] + ["jobs", "show", "1", "--state-dir", str(tmp_path / "state")],
                           capture_output=True, text=True, env=env)
    assert f"content sha256:{sha256_hex(text.encode())} of {wf}" in shown.stdout, shown.stdout
    again = subprocess.run(cli[:3] + ["jobs", "requeue", "1", "-i", str(inv), "--state-dir", str(tmp_path / "state")],
                           capture_output=True, text=True, env=env)
    assert dest.read_text() == "v1\n", again.stdout + again.stderr


async def test_a_file_holding_a_secret_is_never_stored(tmp_path: Path) -> None:
    """Secrets never reach the state dir: such a file is run live, and the job says why."""
    from ftltui.jobs.playbook_kind import enqueue_playbook

    dest, wf = tmp_path / "out.txt", tmp_path / "wf.yml"
    wf.write_text("name: s\nhosts: l1\nvars:\n  token: tok-Secret-9x\nsecrets: [token]\nsteps:\n"
                  f"  - name: w\n    module: copy\n    args: {{dest: {dest}, content: hi}}\n")
    book = tmp_path / "site.yml"
    book.write_text("- hosts: l1\n  gather_facts: false\n  vars: {pw: pw-Inventory-7q}\n  tasks:\n"
                    f"    - copy: {{content: hi, dest: {tmp_path / 'b.txt'}}}\n")
    q = await _queue(tmp_path)
    q.executor.inventory.hosts["l1"].vars["ansible_become_password"] = "pw-Inventory-7q"
    try:
        job = await q.wait((await enqueue_workflow(q, wf)).id)
        assert job.state == "succeeded" and job.spec["content"] is None
        assert "holds a secret value" in job.spec["content_note"] and "tok-Secret-9x" not in job.spec["content_note"]
        pb = await q.wait((await enqueue_playbook(q, book)).id)
        assert pb.state == "succeeded" and pb.spec["content"] is None and pb.summary["ran"] == "live", pb.reason
        again = await q.wait((await q.requeue(pb.id)).id)
        assert again.state == "succeeded"
    finally:
        await q.stop()
        await q.executor.close()
        q.store.close()
    for f in (tmp_path / "state").rglob("*"):
        if f.is_file():
            data = f.read_bytes()
            assert b"tok-Secret-9x" not in data and b"pw-Inventory-7q" not in data, f
