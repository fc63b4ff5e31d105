"""Local collections for the ``ansible`` oracle tests of this directory: the environment that
makes ``ansible`` find them (and print JSON), and ``ftl.dep``, whose modules warn and deprecate."""

from __future__ import annotations

import os
import sys
from pathlib import Path

NOISY = """#!/usr/bin/python
from ansible.module_utils.basic import AnsibleModule
m = AnsibleModule(argument_spec={}, supports_check_mode=True)
m.warn('careful now')
m.deprecate('old option', version='9.0.0', collection_name='ftl.dep')
m.deprecate('older option!', date='2030-01-01', collection_name='ftl.dep')
m.exit_json(changed=False)
"""
HINT = "Deprecation warnings can be disabled"  # Ansible's one-time hint, left out of comparisons


def json_env(root: Path, tmp_path: Path) -> dict[str, str]:
    """``ansible`` with the collections under ``root``, this interpreter, the JSON callback
    and none of the caller's ANSIBLE_ settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update(ANSIBLE_COLLECTIONS_PATH=str(root), ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-tmp"),
               ANSIBLE_NOCOLOR="1", ANSIBLE_PYTHON_INTERPRETER=sys.executable, ANSIBLE_LOCALHOST_WARNING="0",
               ANSIBLE_LOAD_CALLBACK_PLUGINS="1", ANSIBLE_STDOUT_CALLBACK="json")
    return env


def warning_lines(text: str) -> list[str]:
    """The ``[WARNING]``/``[DEPRECATION WARNING]`` lines of an output, without the hint."""
    return [line for line in text.splitlines()
            if line.startswith(("[WARNING]", "[DEPRECATION WARNING]")) and HINT not in line]


def noisy_collection(root: Path) -> None:
    """``ftl.dep`` under ``root``: ``noisy`` warns once and deprecates twice (a version, a
    date); ``old_noisy`` is the same module, itself deprecated by runtime.yml."""
    cdir = root / "ansible_collections" / "ftl" / "dep"
    (cdir / "plugins" / "modules").mkdir(parents=True)
    (cdir / "galaxy.yml").write_text("namespace: ftl\nname: dep\nversion: 1.0.0\n")
    (cdir / "plugins" / "modules" / "noisy.py").write_text(NOISY)
    (cdir / "plugins" / "modules" / "old_noisy.py").write_text(NOISY)
    (cdir / "meta").mkdir()
    (cdir / "meta" / "runtime.yml").write_text("plugin_routing:\n  modules:\n    old_noisy:\n      deprecation:\n"
                                               "        removal_version: 5.0.0\n"
                                               "        warning_text: Use ftl.dep.noisy instead.\n")
