"""What makes Ansible modules fast must not change what they do (speed itself is measured in bench/).

* Bundles carry compiled .pyc files, yet are named by their sources only: two controller
  processes (different hash seeds, no stored builds) name a bundle alike, and the gate
  refuses a bundle whose sources do not match its name.
* Built bundles stored on the controller's disk are rebuilt when a source file changes.
* A host whose Python cannot use the shipped .pyc (3.8) runs the module from source with
  the same outcome as ``ansible`` on that Python.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from ftltui.gate.ansible_child import bundle_digest, is_derived
from ftltui.gate.ansible_exec import AnsibleRunner

REPO = Path(__file__).resolve().parents[2]
PY38 = "/root/.pyenv/versions/3.8.18/bin/python"
pytestmark = pytest.mark.skipif(shutil.which("ansible") is None, reason="no ansible")

BUILD = """
import json, sys
from ftltui.ansible_modules.run import ansible_spec
from ftltui.ansible_modules import bundle
out = {}
for name in sys.argv[1:]:
    s = ansible_spec(name)
    b = bundle.build(s.name, s.path)
    out[name] = [b.base.digest, b.module.digest]
print(json.dumps(out))
"""


def _build_in_subprocess(cache: Path, seed: str, *names: str) -> dict[str, list[str]]:
    env = dict(os.environ, XDG_CACHE_HOME=str(cache), PYTHONHASHSEED=seed, PYTHONPATH=str(REPO))
    p = subprocess.run([sys.executable, "-c", BUILD, *names], env=env, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def test_bundle_names_ignore_compiled_members_and_agree_between_processes(tmp_path: Path) -> None:
    names = ("community.general.ini_file", "ansible.builtin.lineinfile")
    a = _build_in_subprocess(tmp_path / "a", "1", *names)
    b = _build_in_subprocess(tmp_path / "b", "2", *names)
    assert a == b
    from ftltui.ansible_modules import bundle
    from ftltui.ansible_modules.run import ansible_spec

    spec = ansible_spec("community.general.ini_file")
    assert spec is not None
    built = bundle.build(spec.name, spec.path)
    with zipfile.ZipFile(io.BytesIO(built.base.data)) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    compiled = [n for n in members if is_derived(n)]
    assert "ansible/module_utils/basic.pyc" in compiled
    assert members["ftl-pyc-tag"] == sys.implementation.cache_tag.encode()
    assert bundle_digest(members) == built.base.digest == a[spec.name][0]
    assert bundle_digest({n: d for n, d in members.items() if not is_derived(n)}) == built.base.digest


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_gate_refuses_a_bundle_whose_sources_do_not_match_its_name(tmp_path: Path) -> None:
    good = {"pkg/__init__.py": b"", "pkg/mod.py": b"X = 1\n"}
    digest = bundle_digest(good)
    runner = AnsibleRunner(str(tmp_path))
    runner.root = str(tmp_path / "cache")
    os.makedirs(runner.root)
    bad_zip = tmp_path / "bad.zip"
    bad_zip.write_bytes(_zip({**good, "pkg/mod.py": b"X = 2\n"}))
    with pytest.raises(ValueError, match="does not match its name"):
        runner.install(digest, str(bad_zip))
    assert runner.missing([digest]) == [digest]
    good_zip = tmp_path / "good.zip"
    good_zip.write_bytes(_zip({**good, "pkg/mod.pyc": b"another Python's", "ftl-pyc-tag": b"cpython-27"}))
    target = runner.install(digest, str(good_zip))  # not our Python's .pyc: unpacked, without them
    assert Path(target, "pkg", "mod.py").read_bytes() == b"X = 1\n"
    assert not Path(target, "pkg", "mod.pyc").exists()
    assert runner.missing([digest]) == []


def test_bundle_compiled_for_this_python_is_kept_as_a_zip_and_imports(tmp_path: Path) -> None:
    from ftltui.ansible_modules import bundle

    files = {"pkg/__init__.py": b"", "pkg/mod.py": b"X = 1\n"}
    payload = bundle._zip(files)
    with zipfile.ZipFile(io.BytesIO(payload.data)) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    # a .pyc made from other source: importing X == 2 proves the host used it and compiled nothing
    members["pkg/mod.pyc"] = bundle._pyc("pkg/mod.py", b"X = 2\n")[1]  # type: ignore[index]
    payload = bundle.Payload(_zip(members), bundle_digest(members), payload.files)
    assert payload.digest == bundle.bundle_digest(files)
    runner = AnsibleRunner(str(tmp_path))
    runner.root = str(tmp_path / "cache")
    os.makedirs(runner.root)
    upload = tmp_path / "upload.zip"
    upload.write_bytes(payload.data)
    target = runner.install(payload.digest, str(upload))
    assert target.endswith(".zip") and Path(target).read_bytes() == payload.data
    assert runner.missing([payload.digest]) == []
    code = "import sys; sys.path.insert(0, sys.argv[1]); import pkg.mod; print(pkg.mod.X)"
    p = subprocess.run([sys.executable, "-c", code, target], capture_output=True, text=True, timeout=60)
    assert p.stdout.split() == ["2"], p.stderr


def test_stored_build_is_redone_when_a_source_changes(tmp_path: Path) -> None:
    lib = tmp_path / "library"
    lib.mkdir()
    module = lib / "ftl_speed_probe.py"
    module.write_text("from ansible.module_utils.basic import AnsibleModule\n"
                      "AnsibleModule(argument_spec={}).exit_json(changed=False, probe=1)\n")
    code = ("import json, sys\nfrom ftltui.ansible_modules import bundle\n"
            "b = bundle.build('ftl_speed_probe', sys.argv[1])\nprint(json.dumps(b.module.digest))\n")
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"), PYTHONPATH=str(REPO))

    def digest() -> str:
        p = subprocess.run([sys.executable, "-c", code, str(module)], env=env, capture_output=True, text=True,
                           timeout=120)
        assert p.returncode == 0, p.stderr
        return json.loads(p.stdout)

    first = digest()
    assert list((tmp_path / "cache" / "ftl-tui" / "built").glob("*.zip"))
    assert digest() == first  # from the store
    module.write_text(module.read_text().replace("probe=1", "probe=2"))
    second = digest()
    assert second != first


@pytest.mark.skipif(not os.path.exists(PY38), reason="no Python 3.8 interpreter here")
def test_host_python_without_matching_pyc_runs_the_module_like_ansible(tmp_path: Path) -> None:
    import asyncio

    from ftltui.engine.executor import Executor
    from ftltui.inventory import load_inventory

    ours, theirs = tmp_path / "ours.ini", tmp_path / "theirs.ini"
    for p in (ours, theirs):
        p.write_text("[db]\nhost = x\n")
    inv = tmp_path / "inv.json"
    inv.write_text(json.dumps({"all": {"hosts": {"old": {"ansible_connection": "local",
                                                         "ansible_python_interpreter": PY38}}}}))
    args = {"section": "db", "option": "port", "value": "5432"}

    async def ours_run() -> dict[str, object]:
        ex = Executor(load_inventory([str(inv)]))
        try:
            return (await ex.run("old", "community.general.ini_file", {**args, "path": str(ours)})).results["old"].result
        finally:
            await ex.close()

    got = asyncio.run(ours_run())
    env = dict(os.environ, ANSIBLE_LOAD_CALLBACK_PLUGINS="1", ANSIBLE_STDOUT_CALLBACK="json")
    p = subprocess.run(["ansible", "old", "-i", str(inv), "-m", "community.general.ini_file", "-a",
                        json.dumps({**args, "path": str(theirs)})], env=env, capture_output=True, text=True,
                       timeout=120)
    want = json.loads(p.stdout)["plays"][0]["tasks"][0]["hosts"]["old"]
    assert (got.get("changed"), got.get("failed", False), got.get("msg")) == \
        (want.get("changed"), want.get("failed", False), want.get("msg"))
    assert ours.read_text() == theirs.read_text()
