"""Module names resolve to the file Ansible itself would use (ansible-doc and ansible-playbook decide).

Collections made in tmp_path carry their own ``meta/runtime.yml`` for redirects, chains,
loops, deprecations and tombstones; ansible-core and the ``ansible`` package's collections
are the real installed ones.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ftltui.ansible_modules import finder
from ftltui.ansible_modules.finder import ModuleRemovedError, ModuleRoutingError, find_module, use_native

pytestmark = [pytest.mark.ansible,
              pytest.mark.skipif(shutil.which("ansible-doc") is None, reason="ansible-core not installed")]

HAS_GENERAL = finder.find_collection("community.general", finder.collection_roots()) is not None
needs_general = pytest.mark.skipif(not HAS_GENERAL, reason="the ansible package (community.general) is not installed")

WANT_JSON = """#!/usr/bin/python3
# WANT_JSON
DOCUMENTATION = '''
module: test
short_description: a test module
description: [A test module.]
author: [nobody]
options: {}
'''
import json, sys
print(json.dumps({"changed": False, "msg": %r}))
"""


def ansible_env(tmp_path: Path, collections: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update(ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-tmp"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_DEPRECATION_WARNINGS="1")
    if collections is not None:
        env["ANSIBLE_COLLECTIONS_PATH"] = str(collections)
    return env


def ansible_doc(name: str, tmp_path: Path, collections: Path | None = None) -> tuple[dict, str]:
    """(``ansible-doc -j NAME``'s doc for the module or {}, its stderr)."""
    proc = subprocess.run(["ansible-doc", "-j", name], capture_output=True, text=True,
                          env=ansible_env(tmp_path, collections), cwd=tmp_path, timeout=120)
    try:
        data = json.loads(proc.stdout or "{}")
    except json.JSONDecodeError:
        data = {}
    entry = next(iter(data.values()), {}) if data else {}
    return (entry or {}).get("doc") or {}, proc.stderr


def make_collection(root: Path, ns: str, coll: str, modules: dict[str, str], runtime: str = "",
                    version: str = "1.0.0") -> Path:
    cdir = root / "ansible_collections" / ns / coll
    (cdir / "plugins" / "modules").mkdir(parents=True, exist_ok=True)
    (cdir / "meta").mkdir(exist_ok=True)
    (cdir / "meta" / "runtime.yml").write_text("requires_ansible: '>=2.15'\n" + textwrap.dedent(runtime))
    (cdir / "MANIFEST.json").write_text(json.dumps({"collection_info": {"namespace": ns, "name": coll,
                                                                         "version": version}}))
    for name, text in modules.items():
        (cdir / "plugins" / "modules" / name).write_text(text)
    return cdir


@pytest.fixture(autouse=True)
def _fresh_caches() -> None:
    finder.clear_caches()


@pytest.mark.parametrize("name", [
    "lineinfile", "ansible.builtin.copy", "ansible.legacy.ping", "user",
    pytest.param("ini_file", marks=needs_general),  # builtin runtime.yml redirect into community.general
    pytest.param("community.general.ini_file", marks=needs_general),
    pytest.param("acl", marks=needs_general),  # -> ansible.posix.acl
])
def test_installed_names_resolve_where_ansible_doc_finds_them(name: str, tmp_path: Path) -> None:
    doc, err = ansible_doc(name, tmp_path)
    src = find_module(name)
    assert doc, err
    assert src is not None
    assert os.path.realpath(src.path) == os.path.realpath(doc["filename"])
    assert src.collection == doc["collection"]
    assert src.kind == "python"
    assert src.collection_version
    if src.collection == "ansible.builtin":
        assert src.collection_version == finder.ansible_core_version()
        assert os.path.isdir(os.path.join(src.root, "ansible", "modules"))
    else:
        assert os.path.isdir(os.path.join(src.root, "ansible_collections"))


@pytest.mark.parametrize("name", ["no_such_module_here", "ansible.builtin.no_such", "nosuch.coll.thing",
                                  pytest.param("community.general.no_such", marks=needs_general)])
def test_unknown_names_are_none_where_ansible_doc_finds_nothing(name: str, tmp_path: Path) -> None:
    doc, _ = ansible_doc(name, tmp_path)
    assert doc == {}
    assert find_module(name) is None


def test_collection_runtime_routing_against_ansible_doc(tmp_path: Path) -> None:
    """Redirect chains are followed, deprecations reported, tombstones and loops are errors."""
    root = tmp_path / "colls"
    make_collection(root, "testns", "testcoll", {"final.py": WANT_JSON % "final", "old_dep.py": WANT_JSON % "dep"},
                    runtime="""
    plugin_routing:
      modules:
        hop1: {redirect: testns.testcoll.hop2}
        hop2: {redirect: testns.other.hop3}
        gone:
          tombstone: {removal_version: 2.0.0, warning_text: Use testns.testcoll.final instead.}
        old_dep:
          deprecation: {removal_version: 3.0.0, warning_text: Use testns.testcoll.final instead.}
        loop_a: {redirect: testns.testcoll.loop_b}
        loop_b: {redirect: testns.testcoll.loop_a}
    """)
    make_collection(root, "testns", "other", {}, runtime="""
    plugin_routing:
      modules:
        hop3: {redirect: testns.testcoll.final}
    """, version="0.3.1")

    doc, err = ansible_doc("testns.testcoll.hop1", tmp_path, root)
    src = find_module("testns.testcoll.hop1", collections_paths=[str(root)])
    assert src is not None and doc
    assert src.path == doc["filename"]
    assert src.fqcn == "testns.testcoll.final"
    assert src.redirects == ("testns.testcoll.hop1", "testns.testcoll.hop2", "testns.other.hop3")
    assert (src.collection, src.collection_version, src.kind) == ("testns.testcoll", "1.0.0", "want_json")

    doc, err = ansible_doc("testns.testcoll.old_dep", tmp_path, root)
    src = find_module("testns.testcoll.old_dep", collections_paths=[str(root)])
    assert src is not None and src.path == doc["filename"]
    assert src.deprecation and "3.0.0" in src.deprecation and "Use testns.testcoll.final instead." in src.deprecation

    doc, err = ansible_doc("testns.testcoll.gone", tmp_path, root)
    assert doc == {} and "has been removed" in err
    with pytest.raises(ModuleRemovedError) as removed:
        find_module("testns.testcoll.gone", collections_paths=[str(root)])
    msg = str(removed.value)
    assert "'testns.testcoll.gone' module has been removed" in msg
    assert "version 2.0.0" in msg and "Use testns.testcoll.final instead." in msg

    doc, err = ansible_doc("testns.testcoll.loop_a", tmp_path, root)
    assert doc == {}
    with pytest.raises(ModuleRoutingError, match="loop"):
        find_module("testns.testcoll.loop_a", collections_paths=[str(root)])


def test_tombstone_is_a_clear_cli_error(tmp_path: Path) -> None:
    root = tmp_path / "colls"
    make_collection(root, "testns", "testcoll", {}, runtime="""
    plugin_routing:
      modules:
        gone:
          tombstone: {removal_version: 2.0.0, warning_text: Use testns.testcoll.final instead.}
    """)
    env = {**os.environ, "ANSIBLE_COLLECTIONS_PATH": str(root)}
    proc = subprocess.run([sys.executable, "-m", "ftltui", "modules", "testns.testcoll.gone"], capture_output=True,
                          text=True, env=env, cwd=tmp_path, timeout=60)
    assert proc.returncode == 4, proc.stderr
    assert "has been removed" in proc.stderr and "2.0.0" in proc.stderr and "Traceback" not in proc.stderr


def test_playbook_adjacent_collection_wins_like_ansible_playbook(tmp_path: Path) -> None:
    """The same collection in collections/ beside a playbook and in collections_path: Ansible runs the adjacent one."""
    configured = tmp_path / "configured"
    make_collection(configured, "testns", "testcoll", {"hello": WANT_JSON % "configured"})
    play_dir = tmp_path / "play"
    make_collection(play_dir / "collections", "testns", "testcoll", {"hello": WANT_JSON % "adjacent"})
    for f in [*configured.rglob("hello"), *play_dir.rglob("hello")]:
        f.chmod(0o755)
    (play_dir / "site.yml").write_text(textwrap.dedent("""
    - hosts: localhost
      gather_facts: false
      tasks:
        - testns.testcoll.hello: {}
          register: out
        - debug: {msg: "WHO={{ out.msg }}"}
    """))
    env = ansible_env(tmp_path, configured)
    env["ANSIBLE_PYTHON_INTERPRETER"] = sys.executable
    proc = subprocess.run(["ansible-playbook", "-i", "localhost,", "-c", "local", "site.yml"], capture_output=True,
                          text=True, env=env, cwd=play_dir, timeout=180)
    assert "WHO=adjacent" in proc.stdout, proc.stdout + proc.stderr

    src = find_module("testns.testcoll.hello", collections_paths=[str(configured)], playbook_dir=str(play_dir))
    assert src is not None and src.path == str(play_dir / "collections/ansible_collections/testns/testcoll"
                                                          "/plugins/modules/hello")
    assert src.kind == "want_json"
    alone = find_module("testns.testcoll.hello", collections_paths=[str(configured)])
    assert alone is not None and alone.path.startswith(str(configured))


def test_collections_path_from_ansible_cfg_and_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "from_cfg"
    make_collection(root, "cfgns", "coll", {"thing.py": WANT_JSON % "x"})
    (tmp_path / "ansible.cfg").write_text(f"[defaults]\ncollections_path = {root}\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ANSIBLE_COLLECTIONS_PATH", raising=False)
    monkeypatch.delenv("ANSIBLE_CONFIG", raising=False)
    doc, _ = ansible_doc("cfgns.coll.thing", tmp_path)
    src = find_module("cfgns.coll.thing")
    assert src is not None and src.path == doc["filename"]
    env_root = tmp_path / "from_env"
    make_collection(env_root, "envns", "coll", {"thing.py": WANT_JSON % "y"})
    monkeypatch.setenv("ANSIBLE_COLLECTIONS_PATH", str(env_root / "ansible_collections"))  # the inner dir works too
    src = find_module("envns.coll.thing")
    assert src is not None and src.root == str(env_root)


def test_module_kinds(tmp_path: Path) -> None:
    root = tmp_path / "colls"
    make_collection(root, "k", "c", {
        "wj.sh": "#!/bin/sh\n# WANT_JSON\necho '{}'\n",
        "old": "#!/bin/sh\necho '{\"changed\": false}'\n",
        "new.py": "from ansible.module_utils.basic import AnsibleModule\n",
        "rel.py": "from ..module_utils.thing import x\n",
        "win.ps1": "#!powershell\n#AnsibleRequires -CSharpUtil Ansible.Basic\n",
        "win.py": "DOCUMENTATION = '''\nmodule: win\nshort_description: doc stub\n'''\n",
    })
    shutil.copy("/bin/true", root / "ansible_collections/k/c/plugins/modules/bin")
    kinds = {n: find_module(f"k.c.{n}", collections_paths=[str(root)]) for n in ("wj", "old", "new", "rel", "win", "bin")}
    assert {n: s.kind for n, s in kinds.items() if s} == {
        "wj": "want_json", "old": "old_style", "new": "python", "rel": "python", "win": "powershell", "bin": "binary"}
    assert kinds["win"].path.endswith("win.ps1")  # the .py beside it is only documentation
    real = find_module("ansible.windows.win_ping")
    if real is not None:
        assert real.kind == "powershell"


def test_library_module_shadows_builtin_and_native(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """ANSIBLE_LIBRARY's ``lineinfile`` is what ``ansible -m lineinfile`` runs: not the native one either."""
    lib = tmp_path / "library"
    lib.mkdir()
    (lib / "lineinfile").write_text(WANT_JSON % "from the library")
    (lib / "lineinfile").chmod(0o755)
    env = ansible_env(tmp_path)
    env.update(ANSIBLE_LIBRARY=str(lib), ANSIBLE_PYTHON_INTERPRETER=sys.executable)
    proc = subprocess.run(["ansible", "localhost", "-i", "localhost,", "-c", "local", "-m", "lineinfile", "-a",
                           "path=/nonexistent line=x"], capture_output=True, text=True, env=env, cwd=tmp_path,
                          timeout=120)
    assert "from the library" in proc.stdout, proc.stdout + proc.stderr
    monkeypatch.setenv("ANSIBLE_LIBRARY", str(lib))
    src = find_module("lineinfile")
    assert src is not None and src.path == str(lib / "lineinfile") and src.collection == "ansible.legacy"
    assert find_module("ansible.builtin.lineinfile").collection == "ansible.builtin"
    assert use_native("lineinfile") is False
    assert use_native("ansible.builtin.lineinfile") is True


def test_use_native_and_forcing() -> None:
    assert use_native("lineinfile") and use_native("ansible.builtin.lineinfile") and use_native("ansible.legacy.copy")
    assert use_native("setup")  # the native facts module answers to Ansible's name
    assert not use_native("community.general.ini_file") and not use_native("user")
    assert not use_native("lineinfile", forced=["lineinfile"])
    assert not use_native("ansible.builtin.lineinfile", forced=["lineinfile"])
    assert not use_native("lineinfile", forced=["ansible.builtin.lineinfile"])
    assert use_native("copy", forced=["lineinfile"])
    assert not use_native("lineinfile", {"ftl_ansible_modules": ["lineinfile", "copy"]})
    assert not use_native("copy", {"ftl_ansible_modules": "lineinfile, copy"})
    assert not use_native("copy", {"ftl_ansible_modules": "all"})
    assert use_native("snapshot", {"ftl_ansible_modules": "all"})  # Ansible has no snapshot: native stays
    assert use_native("copy", {"ftl_ansible_modules": []})


@needs_general
def test_scan_sys_path_off_hides_the_ansible_package_collections(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    env = ansible_env(tmp_path)
    env["ANSIBLE_COLLECTIONS_SCAN_SYS_PATH"] = "false"
    proc = subprocess.run(["ansible-doc", "-j", "community.general.ini_file"], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=120)
    assert json.loads(proc.stdout or "{}") == {}
    monkeypatch.setenv("ANSIBLE_COLLECTIONS_SCAN_SYS_PATH", "false")
    assert find_module("community.general.ini_file") is None
    assert find_module("ping") is not None  # ansible-core's own modules are not on a collection path


def test_routing_fast_path_reads_every_entry_as_the_whole_file_does() -> None:
    """The one-entry reader of runtime.yml agrees with a full YAML parse on every installed routing entry."""
    from ftltui.ansible_modules import locations

    dirs = ["ansible.builtin"] + [str(p.parent.parent) for root in finder.collection_roots()
                                  for p in Path(root, "ansible_collections").glob("*/*/meta/runtime.yml")]
    checked = 0
    for cdir in dirs:
        routing = (locations.runtime_meta(cdir).get("plugin_routing") or {}).get("modules") or {}
        text = locations._runtime_text(cdir)
        for name, entry in routing.items():
            fast = locations._entry_block(text, name)
            assert fast is None or fast == entry, (cdir, name)
            assert locations.routing_entry(cdir, name) == (entry if isinstance(entry, dict) else None)
            checked += 1
    assert checked >= 3000  # ansible-core's own file alone has ~3700


def test_a_collection_installed_while_running_is_found(tmp_path: Path) -> None:
    """A long-running console sees `ansible-galaxy collection install` done meanwhile (and a removal)."""
    from ftltui.ansible_modules import catalog

    root = tmp_path / "colls"
    (root / "ansible_collections").mkdir(parents=True)
    paths = [str(root)]
    assert find_module("late.coll.thing", collections_paths=paths) is None
    assert not [e for e in catalog.list_modules(paths, summaries=False) if e.name.startswith("late.")]
    make_collection(root, "late", "coll", {"thing.py": WANT_JSON % "x"})
    assert find_module("late.coll.thing", collections_paths=paths) is not None
    assert [e.name for e in catalog.list_modules(paths, summaries=False) if e.name.startswith("late.")] == [
        "late.coll.thing"]
    shutil.rmtree(root / "ansible_collections" / "late")
    assert find_module("late.coll.thing", collections_paths=paths) is None
