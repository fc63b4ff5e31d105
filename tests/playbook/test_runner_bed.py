"""Playbooks over real sshd (the SSH test bed): the same playbook through ansible-playbook
and through ftl-tui's runner on two bed hosts; recap, exit status and the files left on
the hosts must agree."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from runner_oracle import CORPUS, ansible, ftl, tree

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "ansible_modules"))
from test_run_bed import HOME, _inventory, _seed

pytestmark = [pytest.mark.ssh, pytest.mark.skipif(shutil.which("ansible-playbook") is None,
                                                  reason="ansible-playbook (the oracle) is not installed")]


def test_playbook_over_ssh_equals_ansible_playbook(sshbed, tmp_path: Path) -> None:
    inv = _inventory(tmp_path / "inv.json", sshbed, ["h01", "h02"])
    ours, theirs = HOME / f"pb-ours-{tmp_path.name}", HOME / f"pb-theirs-{tmp_path.name}"
    try:
        _seed(ours, {}), _seed(theirs, {})
        a_rc, a_recap, text = ansible(CORPUS / "bed.yml", inv, theirs)
        f_rc, f_recap = ftl(CORPUS / "bed.yml", inv, ours)
        assert a_recap, text[-3000:]
        assert f_recap == a_recap
        assert (f_rc, a_rc) == (2 if a_rc == 2 else 0, a_rc)
        assert tree(ours) == tree(theirs)
        assert (ours / "h01" / "who").read_text() == "ftlnopw\n"
        assert (ours / "h01" / "facts").owner() == "ftltest"
    finally:
        shutil.rmtree(ours, ignore_errors=True), shutil.rmtree(theirs, ignore_errors=True)
