"""``include_role`` at run time finds roles where ``roles:`` and ``import_role`` do (issue
15): in ``roles_path`` from ansible.cfg, by FQCN in a collection from ``collections_path``,
by short name through the play's ``collections:``, and a short name included from inside a
collection role in that role's own collection. Compared with ansible-playbook 2.19: text,
recap, exit status and files left behind. The layout is written under tmp_path because
ansible.cfg names the directories; both sides read that ansible.cfg (ftl-tui through its
own config loader, as ``ftl-tui play`` does)."""

from __future__ import annotations

import asyncio
import io
import shutil
from pathlib import Path
from typing import Any

import pytest
from runner_oracle import ansible, local_inventory, tree

from ftltui.config import load_config
from ftltui.engine.executor import Executor
from ftltui.inventory.loader import load_inventory
from ftltui.playbook.loader import load_playbook
from ftltui.playbook.options import PlayOptions
from ftltui.playbook.output_text import TextOutput
from ftltui.playbook.runner import run_playbook

pytestmark = [pytest.mark.skipif(shutil.which("ansible-playbook") is None,
                                 reason="ansible-playbook (the oracle) is not installed"),
              pytest.mark.timeout(300)]

_COLL = "cols/ansible_collections/acme/tools"
LAYOUT = {
    "shelf/shelved/tasks/main.yml": """\
- copy:
    content: "shelved {{ shelf_arg | default('none') }}\\n"
    dest: "{{ out }}/{{ inventory_hostname }}/shelved-{{ shelf_arg | default('none') }}"
""",
    f"{_COLL}/galaxy.yml": "namespace: acme\nname: tools\nversion: 1.0.0\n",
    f"{_COLL}/roles/packed/tasks/main.yml": """\
- copy:
    content: "packed\\n"
    dest: "{{ out }}/{{ inventory_hostname }}/packed"
- include_role:
    name: short
- name: named include
  include_role:
    name: short
""",
    f"{_COLL}/roles/short/tasks/main.yml": """\
- shell: "echo short >> {{ out }}/{{ inventory_hostname }}/short"
""",
    "site/pb.yml": """\
- hosts: all
  gather_facts: false
  tasks:
    - file: path="{{ out }}/{{ inventory_hostname }}" state=directory
    - include_role: name=shelved
    - include_role:
        name: "{{ item }}"
      vars:
        shelf_arg: looped
      loop: [shelved]
    - include_role:
        name: acme.tools.packed
- hosts: all
  gather_facts: false
  collections: [acme.tools]
  tasks:
    - include_role:
        name: short
""",
}


def _layout(tmp: Path) -> Path:
    for rel, text in LAYOUT.items():
        (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp / rel).write_text(text)
    (tmp / "site" / "ansible.cfg").write_text(
        f"[defaults]\nroles_path = {tmp / 'shelf'}\ncollections_path = {tmp / 'cols'}\n")
    return tmp / "site" / "pb.yml"


def _ftl(playbook: Path, inventory: Path, out: Path) -> tuple[int, dict[str, Any], str]:
    cfg = load_config(cwd=playbook.parent, env={"HOME": str(playbook.parent)})
    pb = load_playbook(playbook, roles_path=[Path(p) for p in cfg.roles_path],
                       collections_paths=[Path(p) for p in cfg.collections_path])
    inv = load_inventory([str(inventory)])
    buf = io.StringIO()
    text = TextOutput(buf, io.StringIO(), colour=False, width=80, verbosity=0)

    async def go() -> Any:
        ex = Executor(inv, forks=1, base_dir=str(playbook.parent))
        try:
            return await run_playbook(pb, ex, PlayOptions(forks=1, extra_vars={"out": str(out)}), text)
        finally:
            await ex.close()

    finished = asyncio.run(go())
    return finished.exit_code, {h: s.to_dict() for h, s in finished.stats.items()}, buf.getvalue()


def _from_play(text: str) -> list[str]:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("PLAY ["))
    return [line.rstrip() for line in lines[start:]]


def test_include_role_searches_roles_path_and_collections(tmp_path: Path) -> None:
    playbook = _layout(tmp_path)
    inv = local_inventory(tmp_path, ["a"])
    a_rc, a_recap, a_text = ansible(playbook, inv, tmp_path / "ansible", "-f", "1")
    f_rc, f_recap, f_text = _ftl(playbook, inv, tmp_path / "ftl")
    assert a_recap == {"a": {"ok": 13, "changed": 7, "unreachable": 0, "failed": 0, "skipped": 0,
                             "rescued": 0, "ignored": 0}}, a_text
    assert _from_play(f_text) == _from_play(a_text)
    assert f_recap == a_recap
    assert tree(tmp_path / "ftl") == tree(tmp_path / "ansible")
    assert f_rc == a_rc == 0
