"""``ftl-tui inventory --list --json`` against ``ansible-inventory --list`` on varied inventories."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ftltui.cli import main
from ftltui.paths import SAMPLE_INVENTORY
from inventory_testlib import ansible_inventory_list, mask_like_ftl, write_tree

pytestmark = pytest.mark.ansible

YAML_NESTED = {
    "hosts.yml": """
        all:
          vars: {depth_var: all, only_all: 1, from_file: inline-all}
          hosts:
            solo.example.invalid:
              depth_var: host-inline
          children:
            dc:
              vars: {depth_var: dc, only_dc: true}
              children:
                rack1:
                  vars: {depth_var: rack1}
                  hosts:
                    r1-node[01:10:3].example.invalid:
                    r1-node02.example.invalid:2222:
                      rack_pos: 2
                  children:
                    gpu:
                      hosts:
                        gpu-[a:c]:
                      vars: {depth_var: gpu, nested: {a: 1, b: [1, 2]}}
                rack2:
                  vars: {depth_var: rack2, same_depth: rack2}
                  hosts:
                    r2-[x:z]-[1:2]:
            alpha:
              vars: {same_depth: alpha, ansible_group_priority: 10}
              hosts:
                r2-x-1:
                gpu-a:
            zeta:
              vars: {same_depth: zeta}
              hosts: r2-x-1
            empty_group:
            only_children:
              children:
                rack2:
    """,
    "group_vars/all.yml": "from_file: group_vars-all\nfile_all: 1\n",
    "group_vars/dc/10-main.yml": "dc_file: main\nfile_order: first\n",
    "group_vars/dc/20-more.yaml": "file_order: second\n",
    "group_vars/dc/sub/30-deep.json": '{"deep": true}',
    "group_vars/dc/ignored.txt": "not: loaded\n",
    "group_vars/dc/.hidden.yml": "hidden: loaded\n",
    "group_vars/rack1": "rack1_noext: yes\ndepth_var: rack1-file\n",
    "group_vars/rack1.yml": "shadowed: because the extension-less file wins\n",
    "group_vars/gpu.json": '{"gpu_json": [1, 2, 3], "depth_var": "gpu-file"}',
    "group_vars/zeta.yml": "same_depth: zeta-file\n",
    "host_vars/gpu-b.yml": "depth_var: host-file\nhv: 1\n",
    "host_vars/r1-node02.example.invalid/a.yml": "hv_dir: a\n",
    "host_vars/r1-node02.example.invalid/b.yml": "hv_dir: b\n",
}

INI = {
    "hosts": """
        # comment
        ; another comment
        top-1 a=1 b="x y" c='[1, 2]' d=True e=yes f=0x1F g="{'k': 'v'}" h=1.5 i=None
        top-2
        shared-host

        [web]
        web[01:04].example.invalid http_port=8080
        web-[a:b].example.invalid:2200 note="with # hash"
        shared-host

        [db]
        db1 ansible_host=192.0.2.5 ansible_user=admin
        db2 ansible_password=s3cret secrets="['api_token']" api_token=abc

        [prod:children]
        web
        app
        [app:children]
        db

        [web:vars]
        plain=FALSE
        number=23
        quoted="hello world"
        list=[1, 'two']
        spaced = padded value

        [prod:vars]
        env=prod
        number=99
        ansible_group_priority=3

        [all:vars]
        env=default
        number=1

        [ungrouped]
        late-ungrouped
    """,
    "group_vars/web/vars.yml": "from_dir: web\nnumber: 42\n",
    "group_vars/app.yaml": "app_var: yes\n",
}

DIRECTORY = {
    "10-web.yml": """
        web:
          hosts:
            w1.example.invalid: {order: yaml}
            w2.example.invalid:
          vars: {kind: web}
    """,
    "20-db": """
        [db]
        d1.example.invalid order=ini
        w1.example.invalid order=ini-override

        [db:vars]
        kind=db
    """,
    "30-more/extra.yaml": """
        all:
          children:
            extra:
              hosts:
                x1.example.invalid:
    """,
    "README.md": "# not an inventory [[[\n",
    "notes.txt": "garbage: [\n",
    "old.bak": "garbage: [\n",
    ".hidden": "garbage: [\n",
    "site.cfg": "garbage\n",
    "group_vars/web.yml": "gv: web\n",
    "group_vars/extra.yml": "gv: extra\n",
    "host_vars/d1.example.invalid.yml": "hv: d1\n",
}

PRIORITY = {
    "inv.yml": """
        all:
          children:
            b_group:
              vars: {v: b, ansible_group_priority: 1}
              hosts: {h1: , h2: }
            a_group:
              vars: {v: a, ansible_group_priority: 5}
              hosts: {h1: }
            c_group:
              vars: {v: c}
              hosts: {h1: , h2: , h3: }
            parent:
              vars: {v: parent, ansible_group_priority: 100}
              children:
                child:
                  vars: {v: child, ansible_group_priority: 1}
                  hosts: {h4: }
    """,
}


def _ftl_list(sources: list[Path], capsys: pytest.CaptureFixture[str]) -> dict:
    argv = ["inventory", "--list", "--json"]
    for s in sources:
        argv += ["-i", str(s)]
    capsys.readouterr()
    rc = main(argv)
    out = capsys.readouterr()
    assert rc == 0, out.err
    return json.loads(out.out)


@pytest.mark.parametrize(
    "files,sources",
    [
        pytest.param(YAML_NESTED, ["hosts.yml"], id="yaml-nested-ranges-groupvars"),
        pytest.param(INI, ["hosts"], id="ini-children-vars-literals"),
        pytest.param(DIRECTORY, ["."], id="directory-of-files"),
        pytest.param(PRIORITY, ["inv.yml"], id="group-priority"),
    ],
)
def test_list_matches_ansible_inventory(files, sources, tmp_path, capsys, ansible_env):
    root = write_tree(tmp_path / "inv", files)
    paths = [root / s for s in sources]
    expected = mask_like_ftl(ansible_inventory_list(paths, ansible_env))
    assert _ftl_list(paths, capsys) == expected


def test_several_sources_match(tmp_path, capsys, ansible_env):
    a = write_tree(tmp_path / "a", {"hosts.yml": YAML_NESTED["hosts.yml"], "group_vars/all.yml": "src: a\nonly_a: 1\n"})
    b = write_tree(
        tmp_path / "b",
        {"inv": "[dc]\nnew-host x=1\n[late]\nsolo.example.invalid\n", "group_vars/all.yml": "src: b\n", "group_vars/dc.yml": "dc_b: 1\n"},
    )
    paths = [a / "hosts.yml", b / "inv"]
    assert _ftl_list(paths, capsys) == mask_like_ftl(ansible_inventory_list(paths, ansible_env))


def test_sample_inventory_matches_as_subprocess(ansible_env):
    """The bundled sample, through the real console script path (``python -m ftltui``).

    The sample directory also holds ``workflows/``, which ftl-tui skips when it reads
    the directory and Ansible would try to parse as inventory (a documented
    difference). Both tools read the same ``hosts.yml`` with its group_vars/host_vars,
    and ftl-tui's view of the whole directory must be the same as of that file.
    """
    def ftl(source: Path) -> dict:
        proc = subprocess.run(
            [sys.executable, "-m", "ftltui", "inventory", "--list", "--json", "-i", str(source)],
            capture_output=True, text=True, timeout=60,
        )
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)

    hosts_file = SAMPLE_INVENTORY / "hosts.yml"
    assert ftl(hosts_file) == mask_like_ftl(ansible_inventory_list([hosts_file], ansible_env))
    assert ftl(SAMPLE_INVENTORY) == ftl(hosts_file)


def test_secrets_are_masked_not_printed(tmp_path, capsys):
    root = write_tree(tmp_path / "inv", {"hosts": INI["hosts"]})
    data = _ftl_list([root / "hosts"], capsys)
    db2 = data["_meta"]["hostvars"]["db2"]
    assert db2["ansible_password"] == "********"
    assert db2["api_token"] == "********"
    capsys.readouterr()
    assert main(["inventory", "--host", "db2", "--json", "-i", str(root / "hosts")]) == 0
    out = capsys.readouterr().out
    assert "s3cret" not in out and "abc" not in out.replace("api_token", "")


def test_graph_and_host_match_ansible_inventory(tmp_path, capsys, ansible_env):
    root = write_tree(tmp_path / "inv", INI)
    src = root / "hosts"
    for argv, ours_argv in (
        (["--graph"], ["--graph"]),
        (["--graph", "prod"], ["--graph", "prod"]),
        (["--host", "db2"], ["--host", "db2", "--json"]),
        (["--host", "web-a.example.invalid"], ["--host", "web-a.example.invalid", "--json"]),
    ):
        proc = subprocess.run(["ansible-inventory", "-i", str(src), *argv], env=ansible_env, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        capsys.readouterr()
        assert main(["inventory", *ours_argv, "-i", str(src)]) == 0
        ours = capsys.readouterr().out
        if argv[0] == "--host":
            expected = json.loads(proc.stdout)
            mask_like_ftl({"_meta": {"hostvars": {"h": expected}}})
            assert json.loads(ours) == expected
        else:
            assert ours.strip() == proc.stdout.strip()
