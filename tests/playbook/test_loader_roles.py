"""Roles and the loader's API: which role directory a name finds, what a role's defaults
and vars files hold (main/ directories merged in order, *_from entry points, vaulted
files), compared with what ansible-playbook's tasks saw in one run; then the shapes the
runner reads (import_role blocks, handlers, dependencies, include_* left for run time)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ftltui.playbook.loader import is_playbook, load_playbook, load_role, load_task_file
from ftltui.playbook.model import Block, PlaybookError, Task
from ftltui.vault import VaultKeyring
from ftltui.vault.secrets import VaultSecret

CORPUS = Path(__file__).parent / "corpus" / "loader"
ROLES = CORPUS / "roles"
VAULT_PASS = CORPUS / "site" / "vault-pass.txt"


def _vault() -> VaultKeyring:
    return VaultKeyring([VaultSecret("default", VAULT_PASS.read_text().strip().encode())])


@pytest.fixture(scope="module")
def seen(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("roles") / "out.json"
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_ROLES_PATH=str(ROLES / "extra_roles"),
               ANSIBLE_DEPRECATION_WARNINGS="0", ANSIBLE_LOCALHOST_WARNING="0")
    proc = subprocess.run(["ansible-playbook", "-i", "localhost,", "-c", "local", "-e",
                           f"ansible_python_interpreter={sys.executable}", "--vault-password-file", str(VAULT_PASS),
                           "-e", f"out={out}", "play.yml"], cwd=ROLES, env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads(out.read_text())


@pytest.fixture(scope="module")
def play() -> Any:
    return load_playbook(ROLES / "play.yml", roles_path=[ROLES / "extra_roles"], vault=_vault()).plays[0]


def test_role_search_order_equals_ansible(seen: dict[str, Any], play: Any) -> None:
    by_name = {use.role.name: use.role for use in play.roles}
    shadowed = by_name["shadowed"].path
    marker = "playbook_roles" if shadowed == ROLES / "roles" / "shadowed" else "roles_path"
    assert marker == seen["shadowed_from"]
    assert by_name["only_in_path"].path == ROLES / "extra_roles" / "only_in_path"
    assert seen["only_in_path"] == "seen"


def test_role_vars_defaults_and_vault_equal_what_ansible_saw(seen: dict[str, Any], play: Any) -> None:
    by_name = {use.role.name: use.role for use in play.roles}
    assert by_name["vaulted"].vars["vaulted_secret"] == seen["seen_secret"]
    layered = by_name["layered"]
    merged = {**layered.defaults, **layered.vars}
    assert {k: merged[k] for k in ("d1", "d2", "v1", "v2")} == seen["main_saw"]
    imported = next(i for i in play.tasks if isinstance(i, Block) and i.role_use is not None)
    alt = imported.role_use.role
    merged_alt = {**alt.defaults, **alt.vars}
    assert {k: merged_alt[k] for k in ("d1", "v1")} == seen["other_saw"]
    assert alt is not layered and alt.path == layered.path  # another entry point, another Role
    assert layered.allow_duplicates is True


def test_import_role_block_carries_tasks_and_handlers(play: Any) -> None:
    imported = next(i for i in play.tasks if isinstance(i, Block) and i.role_use is not None)
    assert [t.label for t in imported.block] == ["layered : set_fact"]
    assert imported.block[0].keywords["notify"] == "layered handler"
    assert [h.label for h in imported.role_use.role.handlers] == ["layered : layered handler"]
    assert all(isinstance(t, Task) and t.role is imported.role for t in imported.block)


def test_files_read_are_recorded_with_their_hash(play: Any) -> None:
    pb = load_playbook(ROLES / "play.yml", roles_path=[ROLES / "extra_roles"], vault=_vault())
    assert str(ROLES / "roles" / "vaulted" / "vars" / "main.yml") in pb.files
    assert str(ROLES / "roles" / "layered" / "vars" / "main" / "20-second.yaml") in pb.files
    assert all(len(h) == 64 for h in pb.files.values())


def test_vaulted_role_vars_without_password_fail_with_the_file() -> None:
    with pytest.raises(PlaybookError) as info:
        load_playbook(ROLES / "play.yml", roles_path=[ROLES / "extra_roles"])
    assert info.value.location is not None
    assert info.value.location.file.endswith("vaulted/vars/main.yml")


def test_load_role_and_task_file_for_include_at_run_time() -> None:
    role = load_role("layered", play_dir=ROLES, tasks_from="other", handlers_from="main")
    assert [t.label for t in role.tasks] == ["layered : set_fact"]
    items = load_task_file(ROLES / "roles" / "layered" / "tasks" / "main.yml", role=role)
    assert len(items) == 1 and isinstance(items[0], Task) and items[0].role is role
    with pytest.raises(PlaybookError, match="was not found in"):
        load_role("nope", play_dir=ROLES)
    with pytest.raises(PlaybookError, match="cannot find tasks/missing"):
        load_role("layered", play_dir=ROLES, tasks_from="missing")


def test_dependencies_params_and_entry_keywords(tmp_path: Path) -> None:
    (tmp_path / "roles" / "base" / "tasks").mkdir(parents=True)
    (tmp_path / "roles" / "base" / "tasks" / "main.yml").write_text("- debug: msg=base\n")
    (tmp_path / "roles" / "app" / "meta").mkdir(parents=True)
    (tmp_path / "roles" / "app" / "meta" / "main.yml").write_text(
        "dependencies:\n  - role: base\n    app_port: 80\n    when: x\n    tags: [dep]\n")
    (tmp_path / "site.yml").write_text("- hosts: all\n  roles:\n    - {role: app, debug_level: 2, become: true}\n"
                                       "  tasks:\n    - include_role: name=app\n    - include_tasks: t.yml\n")
    play = load_playbook(tmp_path / "site.yml").plays[0]
    use = play.roles[0]
    assert use.params == {"debug_level": 2} and use.keywords == {"become": True}
    dep = use.role.dependencies[0]
    assert dep.role.name == "base" and dep.params == {"app_port": 80} and dep.keywords == {"when": "x", "tags": ["dep"]}
    assert [(t.action, t.args) for t in play.tasks] == [("include_role", {"name": "app"}),
                                                       ("include_tasks", {"_raw_params": "t.yml"})]


def test_dependency_cycle_is_an_error(tmp_path: Path) -> None:
    for a, b in (("a", "b"), ("b", "a")):
        (tmp_path / "roles" / a / "meta").mkdir(parents=True)
        (tmp_path / "roles" / a / "meta" / "main.yml").write_text(f"dependencies: [{b}]\n")
    (tmp_path / "site.yml").write_text("- hosts: all\n  roles: [a]\n")
    with pytest.raises(PlaybookError, match="dependency cycle"):
        load_playbook(tmp_path / "site.yml")


def test_import_tasks_recursion_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text("- import_tasks: b.yml\n")
    (tmp_path / "b.yml").write_text("- import_tasks: a.yml\n")
    (tmp_path / "site.yml").write_text("- hosts: all\n  tasks:\n    - import_tasks: a.yml\n")
    with pytest.raises(PlaybookError, match="recursive import"):
        load_playbook(tmp_path / "site.yml")


def test_import_playbook_passes_vars_tags_and_when(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "p.yml").write_text("- hosts: all\n  vars: {a: play}\n  tasks:\n    - debug: msg=x\n"
                                            "  handlers:\n    - name: h\n      debug: msg=h\n")
    (tmp_path / "site.yml").write_text("- import_playbook: sub/p.yml\n  vars: {a: import}\n  tags: t\n"
                                       "  when: flag\n")
    play = load_playbook(tmp_path / "site.yml").plays[0]
    assert play.vars == {"a": "import"} and play.keywords["tags"] == ["t"]
    assert play.base_dir == tmp_path / "sub"
    assert isinstance(play.tasks[0], Block) and play.tasks[0].keywords == {"when": ["flag"]}
    assert play.handlers[0].keywords["when"] == ["flag"]


def test_is_playbook_tells_playbooks_from_workflows(tmp_path: Path) -> None:
    workflow = Path(__file__).parents[2] / "sample_inventory" / "workflows" / "local-smoke.yml"
    assert is_playbook(workflow) is False
    assert is_playbook(ROLES / "play.yml") is True
    broken = tmp_path / "broken.yml"
    broken.write_text("# a comment\n---\n- hosts: all\n  tasks: [\n")
    assert is_playbook(broken) is True
    assert is_playbook(tmp_path / "missing.yml") is False


def test_collection_role_by_fqcn_and_by_collections_keyword(tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(CORPUS / "site", site)
    pb = load_playbook(site / "more.yml", vault=_vault())
    roles = [use.role for use in pb.plays[0].roles]
    assert [r.name for r in roles] == ["acme.tools.hello", "acme.tools.hello"]
    assert roles[0] is roles[1] and roles[0].collection == "acme.tools"
    assert roles[0].defaults == {"greeting": "hi"}
    assert str(site / "vaulted.yml") in pb.files  # a static vars_files entry: stored with the job


def test_blocks_among_handlers_are_refused(tmp_path: Path) -> None:
    (tmp_path / "site.yml").write_text("- hosts: all\n  handlers:\n    - name: h\n      block:\n"
                                       "        - debug: msg=h\n      when: x\n")
    with pytest.raises(PlaybookError, match="among handlers is not supported") as info:
        load_playbook(tmp_path / "site.yml")
    assert info.value.location is not None and info.value.location.line == 3
