"""A queued playbook job stores what its includes read at run time, so a re-run runs that.

The project's role is reached only through ``include_role`` with a templated name, its
task files only through ``include_tasks`` (templated, static, and nested in an included
file) and its vars through ``include_vars``, all beside the playbook (outside the
directories stored wholesale). ansible-playbook runs the same project first: the job's
files must equal its files. Then every file changes on disk; a requeue of the job runs
the stored version (v1), while a fresh job runs the files as they are now (v2).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ftltui.engine.executor import Executor
from ftltui.inventory import load_inventory
from ftltui.jobs import JobQueue
from ftltui.jobs.content_store import ContentStore
from ftltui.jobs.kinds import register_builtin
from ftltui.jobs.playbook_kind import enqueue_playbook
from ftltui.state import StateStore

SITE = """\
- hosts: all
  gather_facts: false
  vars: {which: web, step: step1}
  tasks:
    - include_role: {name: "{{ which }}"}
    - include_tasks: "{{ step }}.yml"
    - include_tasks: static.yml
    - include_vars: settings.yml
    - copy: {content: "{{ colour }}\\n", dest: "{{ out }}/colour"}
"""


def _project(root: Path, version: str) -> None:
    files = {
        "site.yml": SITE,
        "web/tasks/main.yml": f"- copy: {{content: \"web {version}\\n\", dest: \"{{{{ out }}}}/web\"}}\n"
                              "- template: {src: page.j2, dest: \"{{ out }}/page\"}\n",
        "web/templates/page.j2": f"page {version} for {{{{ inventory_hostname }}}}\n",
        "step1.yml": f"- copy: {{content: \"step {version}\\n\", dest: \"{{{{ out }}}}/step\"}}\n"
                     "- include_tasks: nested.yml\n",
        "nested.yml": f"- copy: {{content: \"nested {version}\\n\", dest: \"{{{{ out }}}}/nested\"}}\n",
        "static.yml": f"- copy: {{content: \"static {version}\\n\", dest: \"{{{{ out }}}}/static\"}}\n",
        "settings.yml": f"colour: blue-{version}\n",
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)


def _outputs(out: Path) -> dict[str, str]:
    files = {p.name: p.read_text() for p in sorted(out.iterdir())}
    for p in out.iterdir():
        p.unlink()
    return files


@pytest.mark.skipif(shutil.which("ansible-playbook") is None, reason="ansible-core not installed")
async def test_requeue_runs_the_stored_includes_and_ansible_agrees_on_the_first_run(tmp_path: Path) -> None:
    project, out = tmp_path / "project", tmp_path / "out"
    out.mkdir()
    _project(project, "v1")
    inv = tmp_path / "inv.yml"
    inv.write_text(f"all:\n  hosts:\n    l1:\n      ansible_connection: local\n"
                   f"      ansible_python_interpreter: {sys.executable}\n")
    env = {**os.environ, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_RETRY_FILES_ENABLED": "0"}
    proc = subprocess.run(["ansible-playbook", "-i", str(inv), str(project / "site.yml"), "-e", f"out={out}"],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    theirs = _outputs(out)
    assert theirs["nested"] == "nested v1\n" and theirs["colour"] == "blue-v1\n"  # the oracle ran the includes

    q = JobQueue(StateStore.open(tmp_path / "state"), executor=Executor(load_inventory([str(inv)])), heartbeat=0.05)
    register_builtin(q)
    await q.start()
    options = {"extra_vars": {"out": str(out)}}
    try:
        job = await q.wait((await enqueue_playbook(q, project / "site.yml", options=options)).id)
        assert job.state == "succeeded", job.reason
        assert _outputs(out) == theirs
        stored = set(ContentStore(q.store.path).manifest(job.spec["content"]).files)
        assert {"site.yml", "web/tasks/main.yml", "web/templates/page.j2", "step1.yml", "nested.yml", "static.yml",
                "settings.yml"} <= stored, stored
        _project(project, "v2")  # every file changes after the run
        again = await q.wait((await q.requeue(job.id)).id)
        assert again.state == "succeeded" and again.summary["ran"] == "stored", again.reason
        assert _outputs(out) == theirs  # what ran before, not the files now
        fresh = await q.wait((await enqueue_playbook(q, project / "site.yml", options=options)).id)
        assert fresh.summary["ran"] == "live" and _outputs(out)["nested"] == "nested v2\n"
    finally:
        await q.stop()
        await q.executor.close()
        q.store.close()


async def test_an_include_a_job_cannot_store_is_named_in_the_job(tmp_path: Path) -> None:
    """A template that may name an absolute path is read where it is: the job says which."""
    (tmp_path / "site.yml").write_text("- hosts: all\n  gather_facts: false\n  tasks:\n"
                                       "    - include_tasks: \"{{ anywhere }}\"\n")
    inv = tmp_path / "inv.yml"
    inv.write_text("all:\n  hosts:\n    l1:\n      ansible_connection: local\n")
    elsewhere = tmp_path / "elsewhere.yml"
    elsewhere.write_text("- debug: msg=hi\n")
    q = JobQueue(StateStore.open(tmp_path / "state"), executor=Executor(load_inventory([str(inv)])), heartbeat=0.05)
    register_builtin(q)
    await q.start()
    try:
        job = await q.wait((await enqueue_playbook(q, tmp_path / "site.yml",
                                                   options={"extra_vars": {"anywhere": str(elsewhere)}})).id)
        assert job.state == "succeeded", job.reason
        assert job.spec["content"] and "site.yml:4" in job.spec["content_note"], job.spec
        assert "'{{ anywhere }}'" in job.spec["content_note"]
    finally:
        await q.stop()
        await q.executor.close()
        q.store.close()


def test_templated_collection_roles_and_role_dependencies_are_stored(tmp_path: Path) -> None:
    """``include_role: name: "ns.coll.{{ x }}"`` stores the collection's roles the template can
    name (with their meta dependencies); a fully templated name may be any installed
    collection's role: named as not stored."""
    from ftltui.jobs.playbook_content import content_files, load, unpinned

    coll = tmp_path / "collections/ansible_collections/acme/tools/roles"
    files = {
        "site.yml": "- hosts: all\n  gather_facts: false\n  tasks:\n"
                    "    - include_role: {name: \"acme.tools.{{ tool }}\"}\n"
                    "    - include_role: {name: \"{{ anything }}\"}\n",
        "collections/ansible_collections/acme/tools/roles/lint/tasks/main.yml": "- debug: msg=lint\n",
        "collections/ansible_collections/acme/tools/roles/lint/meta/main.yml": "dependencies: [base]\n",
        "roles/base/tasks/main.yml": "- debug: msg=base\n",
        "roles/base/templates/x.j2": "x\n",
        "outside/unrelated.yml": "- debug: msg=no\n",
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    playbook = load(tmp_path / "site.yml", [], [], None)
    root, _main, stored = content_files(playbook)
    names = {p.relative_to(root).as_posix() for p in stored}
    assert "collections/ansible_collections/acme/tools/roles/lint/tasks/main.yml" in names, names
    assert "collections/ansible_collections/acme/tools/roles/lint/meta/main.yml" in names
    assert "roles/base/templates/x.j2" in names and "outside/unrelated.yml" not in names
    notes = unpinned(playbook)
    assert len(notes) == 1 and "site.yml:5" in notes[0] and "installed collection" in notes[0], notes
