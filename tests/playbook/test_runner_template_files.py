"""Template files: trailing newlines and block-tag trimming as Ansible's template action
leaves them, checked against ansible-playbook on the same sources in one run."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ftltui.playbook.module_call import render_template_file
from ftltui.playbook.templar import make_templar

SOURCES = ["A{% if true %}x{% endif %}\n", "A{% if true %}x{% endif %}\n\n", "{% for l in [1] %}{{ l }}\n{% endfor %}\n",
           "{% for l in [1] %}{{ l }}\n{% endfor %}\n\n", "{{ 1 }}\n\n", "A{% if true %}x{% endif %}",
           "{% if true %}x{% endif %}\nY\n", "plain\n\n\n", "{% for h in [1, 2] %}{{ h }} {% endfor %}\n\n"]


@pytest.mark.skipif(shutil.which("ansible-playbook") is None, reason="ansible-playbook (the oracle) is not installed")
def test_template_files_render_as_ansibles(tmp_path: Path) -> None:
    for i, text in enumerate(SOURCES):
        (tmp_path / f"s{i}.j2").write_text(text)
    (tmp_path / "pb.yml").write_text(
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n    - template:\n"
        "        src: \"{{ pwd }}/s{{ item }}.j2\"\n        dest: \"{{ pwd }}/s{{ item }}.out\"\n"
        f"      loop: {list(range(len(SOURCES)))}\n")
    proc = subprocess.run(["ansible-playbook", "-e", f"pwd={tmp_path}", "-e", f"ansible_python_interpreter={sys.executable}",
                           str(tmp_path / "pb.yml")], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:]
    templar = make_templar({}, tmp_path)
    for i, text in enumerate(SOURCES):
        assert render_template_file(templar, text) == (tmp_path / f"s{i}.out").read_text(), text
