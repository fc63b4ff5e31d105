"""A module's warnings and deprecations read as Ansible prints them, in ``run`` and in ``play``.

ansible-core 2.19 prints ``[DEPRECATION WARNING]: old option. This feature will be removed
from collection 'ftl.dep' version 9.0.0.`` (a date: "in a release after 2030-01-01").
``ftl-tui run`` printed ``[WARNING]: [DEPRECATION WARNING]: old option This feature will be
removed in version 9.0.0.``, and ``ftl-tui play`` dropped module warnings and deprecations
altogether. The oracle is ``ansible`` and ``ansible-playbook`` on the same module; their
one-time hint ("Deprecation warnings can be disabled ...") is left out of the comparison.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from collhelp import noisy_collection, warning_lines

pytestmark = [pytest.mark.ansible,
              pytest.mark.skipif(shutil.which("ansible") is None, reason="ansible-core not installed")]

def test_warnings_and_deprecations_read_as_ansibles(tmp_path: Path) -> None:
    root = tmp_path / "colls"
    noisy_collection(root)
    (tmp_path / "pb.yml").write_text("- hosts: localhost\n  gather_facts: false\n  tasks:\n"
                                     "    - ftl.dep.noisy: {}\n")
    (tmp_path / "two.ini").write_text("a ansible_connection=local\nb ansible_connection=local\n")
    (tmp_path / "two.yml").write_text("- hosts: all\n  gather_facts: false\n  tasks:\n"
                                      "    - ftl.dep.noisy: {}\n    - ftl.dep.old_noisy: {}\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update(ANSIBLE_COLLECTIONS_PATH=str(root), ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-tmp"),
               ANSIBLE_NOCOLOR="1", ANSIBLE_PYTHON_INTERPRETER=sys.executable, ANSIBLE_LOCALHOST_WARNING="0",
               ANSIBLE_DEPRECATION_WARNINGS="1", NO_COLOR="1")

    def run(*argv: str) -> list[str]:
        proc = subprocess.run(list(argv), capture_output=True, text=True, env=env, cwd=tmp_path, timeout=180,
                              check=False)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return warning_lines(proc.stdout + "\n" + proc.stderr)

    want = run("ansible", "localhost", "-i", "localhost,", "-c", "local", "-m", "ftl.dep.noisy")
    assert want == [
        "[WARNING]: careful now",
        "[DEPRECATION WARNING]: old option. This feature will be removed from collection 'ftl.dep' version 9.0.0.",
        ("[DEPRECATION WARNING]: older option! This feature will be removed from collection 'ftl.dep' in a release "
         "after 2030-01-01."),
    ]
    assert run(sys.executable, "-m", "ftltui", "run", "-i", "localhost,", "localhost", "-m", "ftl.dep.noisy") == want
    assert run("ansible-playbook", "-i", "localhost,", "-c", "local", "pb.yml") == want
    assert run(sys.executable, "-m", "ftltui", "play", "-i", "localhost,", "pb.yml") == want

    # a runtime.yml deprecation (shown once per run), and each text once per playbook as Ansible's Display does
    routed = run("ansible", "localhost", "-i", "localhost,", "-c", "local", "-m", "ftl.dep.old_noisy")
    deprecated = ("[DEPRECATION WARNING]: ftl.dep.old_noisy has been deprecated. Use ftl.dep.noisy instead. "
                  "This feature will be removed from collection 'ftl.dep' version 5.0.0.")
    assert sorted(routed) == sorted([deprecated, *want])  # where it comes among the others varies in ansible
    assert sorted(run(sys.executable, "-m", "ftltui", "run", "-i", "localhost,", "localhost", "-m",
                      "ftl.dep.old_noisy")) == sorted(routed)
    want = run("ansible-playbook", "-i", "two.ini", "two.yml")
    assert sorted(want) == sorted(routed)  # two hosts, two tasks: each text once
    assert sorted(run(sys.executable, "-m", "ftltui", "play", "-i", "two.ini", "two.yml")) == sorted(want)


def test_deprecation_message_follows_ansibles_rules() -> None:
    from ftltui.ansible_modules.run import deprecation_message

    core = {"msg": "gone soon", "version": "2.23",
            "deprecator": {"resolved_name": "ansible.builtin", "type": "module"}}
    assert deprecation_message(core) == "gone soon. This feature will be removed from the module API in ansible-core " \
                                        "version 2.23."
    plugin = {"msg": "x", "version": "3.0.0", "deprecator": {"resolved_name": "ns.coll.thing", "type": "module"}}
    assert deprecation_message(plugin) == "x. This feature will be removed from module 'thing' in collection " \
                                          "'ns.coll' version 3.0.0."
    assert deprecation_message({"msg": "someday"}) == "someday. This feature will be removed in the future."
