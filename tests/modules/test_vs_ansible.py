"""Our modules against ansible-core's on twin directories.

One ansible-playbook run executes every case in order on directory A (each result is
registered and written to a JSON file at the end); our modules run the same cases in
the same order on directory B. Each case must give the same changed/failed/skipped
outcome, and both directories must end with the same files (type, mode, content,
link target).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest

from modhelp import call

pytestmark = pytest.mark.ansible

# (module, args with {d} for the directory, check mode)
CASES: List[Tuple[str, Dict[str, Any], bool]] = [
    ("copy", {"content": "hello\n", "dest": "{d}/c1", "mode": "0640"}, False),
    ("copy", {"content": "hello\n", "dest": "{d}/c1", "mode": "0640"}, False),
    ("copy", {"content": "changed\n", "dest": "{d}/c1"}, True),
    ("copy", {"content": "changed\n", "dest": "{d}/c1"}, False),
    ("copy", {"content": "changed\n", "dest": "{d}/c1", "mode": "0600"}, False),
    ("copy", {"content": "new\n", "dest": "{d}/c2"}, True),
    ("copy", {"content": "other\n", "dest": "{d}/c1", "force": False}, False),
    ("copy", {"content": "x\n", "dest": "{d}/missing/c3"}, False),
    ("copy", {"content": "backed up\n", "dest": "{d}/existing.txt", "backup": True}, False),
    ("copy", {"src": "{d}/target", "dest": "{d}/c4", "mode": "u=rw,g=r"}, False),
    ("file", {"path": "{d}/t1", "state": "touch"}, False),
    ("file", {"path": "{d}/t2", "state": "touch"}, True),
    ("file", {"path": "{d}/t3", "state": "touch", "mode": "0600"}, False),
    ("file", {"path": "{d}/dir1/sub", "state": "directory", "mode": "0750"}, False),
    ("file", {"path": "{d}/dir1/sub", "state": "directory", "mode": "0750"}, False),
    ("file", {"path": "{d}/dir2", "state": "directory"}, True),
    ("file", {"path": "{d}/nope", "state": "file"}, False),
    ("file", {"path": "{d}/olddir", "state": "absent"}, True),
    ("file", {"path": "{d}/olddir", "state": "absent"}, False),
    ("file", {"path": "{d}/olddir", "state": "absent"}, False),
    ("file", {"path": "{d}/l1", "src": "{d}/target", "state": "link"}, False),
    ("file", {"path": "{d}/l1", "src": "{d}/target", "state": "link"}, False),
    ("file", {"path": "{d}/l2", "src": "{d}/target", "state": "link"}, True),
    ("file", {"path": "{d}/l3", "src": "nowhere", "state": "link"}, False),
    ("file", {"path": "{d}/h1", "src": "{d}/target", "state": "hard"}, False),
    ("file", {"path": "{d}/target", "mode": "u+x,g-r"}, False),
    ("file", {"path": "{d}/target", "mode": "u+x,g-r"}, False),
    ("file", {"path": "{d}/c1", "state": "directory"}, False),
    ("lineinfile", {"path": "{d}/conf", "line": "c=3"}, False),
    ("lineinfile", {"path": "{d}/conf", "line": "c=3"}, False),
    ("lineinfile", {"path": "{d}/conf", "regexp": "^a=", "line": "a=10"}, False),
    ("lineinfile", {"path": "{d}/conf", "line": "after-a", "insertafter": "^a="}, False),
    ("lineinfile", {"path": "{d}/conf", "line": "top", "insertbefore": "BOF"}, False),
    ("lineinfile", {"path": "{d}/conf", "regexp": "^b", "state": "absent"}, False),
    ("lineinfile", {"path": "{d}/conf", "regexp": "^b", "state": "absent"}, False),
    ("lineinfile", {"path": "{d}/conf", "line": "d=4"}, True),
    ("lineinfile", {"path": "{d}/conf", "regexp": "^(c)=.*", "line": r"\1=33", "backrefs": True}, False),
    ("lineinfile", {"path": "{d}/none.conf", "line": "x"}, False),
    ("lineinfile", {"path": "{d}/new.conf", "line": "x", "create": True}, False),
    ("lineinfile", {"path": "{d}/conf", "line": "x", "mode": "0600"}, False),
    ("command", {"argv": ["touch", "{d}/made"], "creates": "{d}/made"}, False),
    ("command", {"argv": ["touch", "{d}/made"], "creates": "{d}/made"}, False),
    ("command", {"argv": ["touch", "{d}/made2"], "removes": "{d}/nothing-here"}, False),
    ("command", {"argv": ["rm", "{d}/made"], "removes": "{d}/made"}, True),
    ("command", {"argv": ["rm", "{d}/made"], "removes": "{d}/made"}, False),
    ("command", {"argv": ["touch", "{d}/never"]}, True),
    ("command", {"argv": ["false"]}, False),
    ("command", {"cmd": "touch {d}/from-cmd", "creates": "{d}/from-cmd"}, False),
    ("shell", {"cmd": "echo hi > {d}/sh.out", "creates": "{d}/sh.out"}, False),
    ("stat", {"path": "{d}/target"}, False),
    ("stat", {"path": "{d}/l1"}, False),
    ("stat", {"path": "{d}/absent"}, False),
]

BACKUP = re.compile(r"\.\d+\.\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d~$")


def seed(d: Path) -> None:
    (d / "existing.txt").write_text("old\n")
    (d / "target").write_text("target\n")
    (d / "target").chmod(0o644)
    (d / "conf").write_text("a=1\nb=2\n")
    (d / "olddir" / "x").mkdir(parents=True)


def fill(value: Any, d: Path) -> Any:
    if isinstance(value, str):
        return value.replace("{d}", str(d))
    if isinstance(value, list):
        return [fill(v, d) for v in value]
    if isinstance(value, dict):
        return {k: fill(v, d) for k, v in value.items()}
    return value


def tree(d: Path) -> List[Tuple[Any, ...]]:
    """What a directory holds, comparable across twins."""
    out: List[Tuple[Any, ...]] = []
    for root, dirs, files in os.walk(d):
        for name in sorted(dirs + files):
            p = os.path.join(root, name)
            rel = BACKUP.sub(".BACKUP~", os.path.relpath(p, d))
            st = os.lstat(p)
            if stat.S_ISLNK(st.st_mode):
                out.append((rel, "link", os.readlink(p).replace(str(d), "{d}")))
            elif stat.S_ISDIR(st.st_mode):
                out.append((rel, "dir", oct(stat.S_IMODE(st.st_mode))))
            else:
                with open(p, "rb") as f:
                    out.append((rel, "file", oct(stat.S_IMODE(st.st_mode)), st.st_nlink, f.read()))
    return sorted(out)


def run_ansible(d: Path, work: Path) -> List[Dict[str, Any]]:
    results = work / "results.json"
    tasks = []
    for i, (module, args, check) in enumerate(CASES):
        tasks.append({"name": "case %d" % i, "ansible.builtin." + module: fill(args, d),
                      "check_mode": check, "ignore_errors": True, "register": "r%d" % i})
    names = ", ".join("r%d" % i for i in range(len(CASES)))
    tasks.append({"ansible.builtin.copy": {"content": "{{ [%s] | to_json }}" % names, "dest": str(results)},
                  "check_mode": False})
    play = [{"hosts": "localhost", "gather_facts": False, "tasks": tasks}]
    (work / "play.yml").write_text(json.dumps(play))
    home = work / "home"
    home.mkdir()
    env = dict(os.environ, HOME=str(home), ANSIBLE_LOCAL_TEMP=str(work / "tmp"),
               ANSIBLE_LOCALHOST_WARNING="False", ANSIBLE_INVENTORY_UNPARSED_WARNING="False",
               ANSIBLE_NOCOLOR="1", ANSIBLE_RETRY_FILES_ENABLED="False", ANSIBLE_PIPELINING="True")
    cmd = ["ansible-playbook", "-i", "localhost,", "-c", "local",
           "-e", "ansible_python_interpreter=" + sys.executable, str(work / "play.yml")]
    res = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=str(work), timeout=240)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    return json.loads(results.read_text())


@pytest.fixture(scope="module")
def twins(tmp_path_factory: pytest.TempPathFactory):
    if shutil.which("ansible-playbook") is None:
        pytest.skip("ansible-core is not installed")
    base = tmp_path_factory.mktemp("twins")
    a, b, work = base / "a", base / "b", base / "work"
    for p in (a, b, work):
        p.mkdir()
    seed(a)
    seed(b)
    theirs = run_ansible(a, work)
    ours = [call(m, fill(args, b), check=check) for m, args, check in CASES]
    return a, b, theirs, ours


def outcome(r: Dict[str, Any]) -> Dict[str, bool]:
    return {"changed": bool(r.get("changed")), "failed": bool(r.get("failed")), "skipped": bool(r.get("skipped"))}


@pytest.mark.parametrize("i", range(len(CASES)), ids=["%d-%s" % (i, c[0]) for i, c in enumerate(CASES)])
def test_same_outcome_as_ansible(twins, i):
    _a, _b, theirs, ours = twins
    assert outcome(ours[i]) == outcome(theirs[i]), (CASES[i], theirs[i].get("msg"), ours[i].get("msg"))


def test_same_files_left_behind(twins):
    a, b, _theirs, _ours = twins
    assert tree(b) == tree(a)


def test_same_stat_facts(twins):
    _a, _b, theirs, ours = twins
    keys = ("exists", "mode", "isreg", "islnk", "isdir", "size", "checksum", "wusr", "xusr", "rgrp", "roth",
            "pw_name", "gr_name", "nlink", "lnk_target", "mimetype")
    for i, (module, _args, _check) in enumerate(CASES):
        if module != "stat":
            continue
        t, o = theirs[i]["stat"], ours[i]["stat"]
        for k in keys:
            if k in t and k not in ("lnk_target", "mimetype"):
                assert o.get(k) == t[k], (CASES[i], k)
        if "lnk_target" in t:
            assert os.path.basename(o["lnk_target"]) == os.path.basename(t["lnk_target"])
