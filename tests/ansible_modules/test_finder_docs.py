"""Options of Ansible modules as ftl-tui reads them, against ``ansible-doc -j`` and Ansible's own validation.

The option list drives ``ftl-tui modules NAME``, the CLI's argument check and the console's
run form, so it must say what Ansible says: names, types, required, defaults, choices,
aliases, elements (ansible-doc), no_log (what Ansible masks in ``invocation``), and the
controller must accept exactly the arguments Ansible's module accepts.
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

from ftltui import modules
from ftltui.ansible_modules import catalog, finder
from ftltui.ansible_modules.docs import ansible_spec, controller_spec, module_doc
from ftltui.ansible_modules.finder import find_module
from ftltui.modules.base import ArgumentError, validate_args

pytestmark = [pytest.mark.ansible,
              pytest.mark.skipif(shutil.which("ansible-doc") is None, reason="ansible-core not installed")]

HAS_GENERAL = finder.find_collection("community.general", finder.collection_roots()) is not None
needs_general = pytest.mark.skipif(not HAS_GENERAL, reason="the ansible package (community.general) is not installed")


def ansible_env(tmp_path: Path, collections: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update(ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-tmp"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_PYTHON_INTERPRETER=sys.executable, ANSIBLE_HOME=str(tmp_path / "ansible-home"))
    if collections is not None:
        env["ANSIBLE_COLLECTIONS_PATH"] = str(collections)
    return env


def _norm(opt: dict) -> tuple:
    choices = opt.get("choices") or []
    if isinstance(choices, dict):
        choices = list(choices)
    return (opt.get("type", "str"), bool(opt.get("required", False)), opt.get("default"),
            sorted(map(str, choices)), sorted(opt.get("aliases") or []), opt.get("elements"))


@pytest.mark.parametrize("name", [
    "lineinfile", "copy", "user", "uri", "get_url", "file",
    pytest.param("community.general.ini_file", marks=needs_general),
    pytest.param("ansible.posix.mount", marks=needs_general),
])
def test_options_match_ansible_doc(name: str, tmp_path: Path) -> None:
    proc = subprocess.run(["ansible-doc", "-j", name], capture_output=True, text=True, env=ansible_env(tmp_path),
                          timeout=120)
    ref = next(iter(json.loads(proc.stdout).values()))["doc"]
    doc = module_doc(find_module(name))
    documented = {n: o for n, o in doc.options.items() if o.documented}
    assert set(documented) == set(ref["options"])
    for opt_name, ref_opt in ref["options"].items():
        o = documented[opt_name]
        mine = (o.type, o.required, o.default, sorted(map(str, o.choices)), sorted(o.aliases), o.elements)
        assert mine == _norm(ref_opt), opt_name
    assert doc.short_description == ref["short_description"]
    assert "DOCUMENTATION" in doc.source


NO_LOG_MODULE = """#!/usr/bin/python
from ansible.module_utils.basic import AnsibleModule

SPEC = dict(
    name=dict(type='str', required=True, aliases=['n']),
    token=dict(type='str', no_log=True),
    count=dict(type='int', default=1),
    mode=dict(choices=['a', 'b']),
    flags=dict(type='list', elements='str'),
    on=dict(type='bool', default=False),
)


def main():
    spec = SPEC
    spec.update(extra=dict(type='dict'))
    module = AnsibleModule(argument_spec=spec, mutually_exclusive=[['mode', 'on']],
                           required_together=[['flags', 'count']], supports_check_mode=True)
    module.exit_json(changed=False, got=module.params)


main()
"""


def _tmp_collection(tmp_path: Path) -> Path:
    root = tmp_path / "colls"
    mdir = root / "ansible_collections" / "t" / "c" / "plugins" / "modules"
    mdir.mkdir(parents=True)
    (mdir / "speconly.py").write_text(NO_LOG_MODULE)
    return root


def _ansible_accepts(root: Path, tmp_path: Path, module: str, args: dict) -> tuple[bool, dict]:
    env = ansible_env(tmp_path, root)
    proc = subprocess.run(["ansible", "localhost", "-i", "localhost,", "-c", "local", "-m", module, "-a",
                           json.dumps(args), "-o"], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    out = proc.stdout
    result = json.loads(out[out.index("{"):]) if "{" in out else {}
    return proc.returncode == 0, result


def _ansible_verdicts(tmp_path: Path, module: str, cases: list[dict], *, collections: Path | None = None,
                      check: bool = False) -> list[bool]:
    """Whether Ansible's ``module`` accepts each of ``cases`` (it did not fail): one
    ansible-playbook run with a task a case (ignore_errors), not an ``ansible`` run a case,
    as Ansible starts in about a second and runs a task in a fraction of one."""
    tasks = [{module: args, "check_mode": check, "ignore_errors": True} for args in cases]
    book = tmp_path / "verdicts.yml"
    book.write_text(json.dumps([{"hosts": "localhost", "gather_facts": False, "tasks": tasks}]))
    env = dict(ansible_env(tmp_path, collections), ANSIBLE_STDOUT_CALLBACK="json", ANSIBLE_LOCALHOST_WARNING="0")
    proc = subprocess.run(["ansible-playbook", "-i", "localhost,", "-c", "local", str(book)], capture_output=True,
                          text=True, env=env, cwd=tmp_path, timeout=300)
    try:
        results = [t["hosts"]["localhost"] for t in json.loads(proc.stdout)["plays"][0]["tasks"]]
    except (ValueError, KeyError, IndexError):
        raise AssertionError(f"ansible-playbook gave no results: {proc.stdout[-2000:]} {proc.stderr[-2000:]}") from None
    assert len(results) == len(cases), results
    return [not r.get("failed") and not r.get("unreachable") for r in results]


CASES = [
    {"name": "x"},
    {"n": "x", "count": "07", "flags": "a,b"},
    {"name": "x", "bogus": 1},
    {"count": 3},
    {"name": "x", "mode": "c"},
    {"name": "x", "mode": "a", "on": "yes"},
    {"name": "x", "flags": ["a"]},
    {"name": "x", "count": "many"},
    {"name": "x", "on": "maybe"},
]


def test_argument_spec_only_module_validates_like_ansible(tmp_path: Path) -> None:
    """No DOCUMENTATION: options, groups, check mode and no_log come from the argument_spec."""
    root = _tmp_collection(tmp_path)
    spec = ansible_spec("t.c.speconly", collections_paths=(str(root),))
    assert spec is not None and spec.name == "t.c.speconly"
    doc = module_doc(find_module("t.c.speconly", collections_paths=[str(root)]))
    assert doc.source == "argument_spec" and doc.supports_check_mode is True
    assert set(spec.args) == {"name", "token", "count", "mode", "flags", "on", "extra"}
    verdicts = []
    for args, theirs in zip(CASES, _ansible_verdicts(tmp_path, "t.c.speconly", CASES, collections=root)):
        try:
            validate_args(spec, args)
            mine = True
        except ArgumentError:
            mine = False
        verdicts.append((args, mine, theirs))
    assert [v for v in verdicts if v[1] != v[2]] == []
    assert [v[2] for v in verdicts].count(True) >= 2 and [v[2] for v in verdicts].count(False) >= 4


def test_no_log_options_are_the_ones_ansible_masks(tmp_path: Path) -> None:
    root = _tmp_collection(tmp_path)
    ok, result = _ansible_accepts(root, tmp_path, "t.c.speconly", {"name": "x", "token": "hunter2", "flags": ["a"]})
    assert ok and result["got"]["token"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
    assert ansible_spec("t.c.speconly", collections_paths=(str(root),)).secret_args() == ["token"]
    # real modules: user's password, uri's url_password (declared in module_utils/urls.py), copy's content
    assert set(controller_spec("user").secret_args()) >= {"password"}
    assert set(controller_spec("uri").secret_args()) == {"url_password"}
    assert controller_spec("ansible.builtin.copy").name == "copy"  # the native one stays the fast path
    assert ansible_spec("ansible.builtin.copy").secret_args() == ["content"]


@needs_general
def test_ini_file_validates_like_ansible(tmp_path: Path) -> None:
    spec = controller_spec("community.general.ini_file")
    target = tmp_path / "x.ini"
    cases = [
        {"path": str(target), "section": "s", "option": "o", "value": "v"},
        {"dest": str(target), "section": "s", "option": "o", "values": ["a", "b"], "state": "present"},
        {"path": str(target), "section": "s", "option": "o", "value": "v", "values": ["a"]},
        {"path": str(target), "section": "s", "state": "gone"},
        {"section": "s"},
        {"path": str(target), "section": "s", "colour": "red"},
    ]
    for args, theirs in zip(cases, _ansible_verdicts(tmp_path, "community.general.ini_file", cases, check=True)):
        try:
            validate_args(spec, args)
            mine = True
        except ArgumentError:
            mine = False
        assert mine == theirs, args


def test_listing_is_what_ansible_doc_lists(tmp_path: Path) -> None:
    proc = subprocess.run(["ansible-doc", "-l", "-j"], capture_output=True, text=True, env=ansible_env(tmp_path),
                          timeout=300)
    theirs = set(json.loads(proc.stdout))
    entries = catalog.list_modules(summaries=False)
    natives = [e.name for e in entries if e.origin == "native"]
    assert natives == modules.available()
    mine = {e.name for e in entries if e.origin != "native"}
    assert mine == theirs
    versions = subprocess.run(["ansible", "--version"], capture_output=True, text=True, timeout=60).stdout
    core = next(e for e in entries if e.name == "ansible.builtin.ping")
    assert f"core {core.version}]" in versions and core.where == f"ansible-core {core.version}"


def test_summaries_cached_and_refreshed_on_upgrade(tmp_path: Path) -> None:
    root = tmp_path / "colls"
    cdir = root / "ansible_collections" / "up" / "grade"
    (cdir / "plugins" / "modules").mkdir(parents=True)
    mod = cdir / "plugins" / "modules" / "thing.py"

    def install(version: str, summary: str) -> None:
        (cdir / "MANIFEST.json").write_text(json.dumps({"collection_info": {"version": version}}))
        mod.write_text(f"DOCUMENTATION = '''\nmodule: thing\nshort_description: {summary}\n'''\n")
        finder.collection_version.cache_clear()
        catalog._scan.cache_clear()

    install("1.0.0", "first words")
    entry = next(e for e in catalog.list_modules([str(root)]) if e.name == "up.grade.thing")
    assert (entry.summary, entry.where) == ("first words", "up.grade 1.0.0")
    cached = json.loads(catalog._cache_file().read_text())
    assert any("first words" in json.dumps(v) for v in cached.values())
    install("1.1.0", "second words")
    entry = next(e for e in catalog.list_modules([str(root)]) if e.name == "up.grade.thing")
    assert (entry.summary, entry.where) == ("second words", "up.grade 1.1.0")


def test_cli_describes_ansible_and_native_modules(tmp_path: Path) -> None:
    def cli(*argv: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "ftltui", "modules", *argv], capture_output=True, text=True,
                              cwd=tmp_path, timeout=120)

    native = json.loads(cli("lineinfile", "--json").stdout)
    assert native["where"] == "native" and native["ansible_alternative"]["name"] == "ansible.builtin.lineinfile"
    forced = json.loads(cli("lineinfile", "--ansible", "--json").stdout)
    assert forced["name"] == "ansible.builtin.lineinfile" and forced["where"].startswith("ansible-core ")
    assert forced["args"]["path"]["aliases"] == ["dest", "destfile", "name"] and forced["supports_check_mode"]
    text = cli("user").stdout
    assert text.startswith("ansible.builtin.user: Manage user accounts") and "password" in text and "secret" in text
    listed = cli("ansible.builtin.u*").stdout.splitlines()
    assert [line.split()[0] for line in listed] == ["ansible.builtin.unarchive", "ansible.builtin.uri",
                                                    "ansible.builtin.user"]
    missing = cli("no_such_module")
    assert missing.returncode == 4 and "unknown module 'no_such_module'" in missing.stderr


def test_options_of_every_core_module_and_a_collection_sample_match_ansible_doc(tmp_path: Path) -> None:
    """All of ansible-core's modules plus 60 collection modules (fixed sample), one ansible-doc call."""
    import random

    entries = [e for e in catalog.list_modules(summaries=False) if e.origin != "native"]
    names = [e.name for e in entries if e.origin == "ansible-core"]
    pool = [e.name for e in entries if e.collection in ("community.general", "ansible.posix", "community.crypto",
                                                          "community.docker", "community.mysql")]
    names += random.Random(7).sample(pool, min(60, len(pool)))
    proc = subprocess.run(["ansible-doc", "-j", *names], capture_output=True, text=True, env=ansible_env(tmp_path),
                          timeout=300)
    ref = json.loads(proc.stdout)
    assert len(ref) == len(names)
    for name in names:
        doc = module_doc(find_module(name))
        documented = {n: o for n, o in doc.options.items() if o.documented}
        theirs = ref[name]["doc"].get("options") or {}
        assert set(documented) == set(theirs), name
        for opt, ref_opt in theirs.items():
            o = documented[opt]
            assert (o.type, o.required, o.default, sorted(map(str, o.choices)), sorted(o.aliases),
                    o.elements) == _norm(ref_opt), (name, opt)


@needs_general
def test_finding_describing_and_listing_never_import_ansible() -> None:
    code = textwrap.dedent("""
        import sys
        from ftltui.ansible_modules.catalog import list_modules
        from ftltui.ansible_modules.docs import controller_spec
        from ftltui.commands.modules import describe
        for name in ("community.general.ini_file", "uri", "user", "acl", "ansible.windows.win_ping"):
            controller_spec(name)
            describe(name)
        list_modules()
        print(sorted(m for m in sys.modules if m == "ansible" or m.startswith(("ansible.", "ansible_collections"))))
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
