"""--list-tasks / --list-tags / --list-hosts: ftl-tui's text equals ansible-playbook's.

The corpus (tests/playbook/corpus/loader/site/) has pre/post tasks, roles with meta
dependencies and argument specs, a collection role (FQCN and via ``collections:``),
blocks, import_tasks, import_role, include_*, ``never``/``always`` tags, import_playbook
with tags and vars, and a vaulted vars file. ansible-playbook runs once per option set,
all in parallel.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from ftltui.inventory.loader import load_inventory
from ftltui.playbook.loader import load_playbook
from ftltui.playbook.syntax import format_listing, list_plays
from ftltui.vault import VaultKeyring
from ftltui.vault.secrets import VaultSecret

SITE = Path(__file__).parent / "corpus" / "loader" / "site"
CASES = {
    "tasks+tags": ["--list-tasks", "--list-tags"],
    "tags only": ["--list-tags"],
    "select": ["--list-tasks", "--list-tags", "-t", "t1,coll", "--skip-tags", "inner"],
    "never": ["--list-tasks", "-t", "never"],
    "skip always": ["--list-tasks", "--skip-tags", "always,ptag"],
    "tagged": ["--list-tasks", "-t", "tagged"],
    "untagged": ["--list-tasks", "--list-tags", "-t", "untagged"],
    "skip all": ["--list-tasks", "--list-tags", "--skip-tags", "all"],
    "all never": ["--list-tasks", "-t", "all,never"],
    "hosts": ["--list-hosts", "--list-tasks"],
}


def _ansible_args(playbook: str, args: list[str]) -> list[str]:
    return ["ansible-playbook", "-i", "inventory.ini", "--vault-password-file", "vault-pass.txt", playbook, *args]


@pytest.fixture(scope="module")
def oracle() -> dict[str, str]:
    """ansible-playbook's stdout for every case, run concurrently."""
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_DEPRECATION_WARNINGS="0")
    procs = {name: subprocess.Popen(_ansible_args("site_all.yml", args), cwd=SITE, env=env, text=True,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for name, args in CASES.items()}
    out = {}
    for name, proc in procs.items():
        stdout, stderr = proc.communicate(timeout=300)
        assert proc.returncode == 0, stderr
        out[name] = stdout
    return out


def _split(args: list[str], flag: str) -> list[str]:
    return [t for i, a in enumerate(args) if a == flag for t in args[i + 1].split(",")]


def _mine(args: list[str], cwd: Path) -> str:
    vault = VaultKeyring([VaultSecret("default", b"secret-pw")])
    old = os.getcwd()
    os.chdir(cwd)
    try:
        playbook = load_playbook(Path("site_all.yml"), vault=vault)
        inventory = load_inventory(["inventory.ini"])
    finally:
        os.chdir(old)
    plays = list_plays(playbook, _split(args, "-t"), _split(args, "--skip-tags"), list_tags="--list-tags" in args)

    def hosts(pattern: str) -> list[str]:
        return [h.name for h in inventory.select(pattern)]

    return format_listing("site_all.yml", plays, tasks="--list-tasks" in args, tags="--list-tags" in args,
                          hosts=hosts if "--list-hosts" in args else None)


def _hosts_sorted(text: str) -> list[str]:
    """ansible-playbook lists a play's hosts in no fixed order: sort each hosts block."""
    out: list[str] = []
    block: list[str] = []
    for line in text.splitlines():
        if line.startswith("      ") and out and (out[-1].startswith("    hosts (") or block):
            if "\t" not in line and not line.strip().startswith("TASK TAGS"):
                block.append(line)
                continue
        out.extend(sorted(block))
        block = []
        out.append(line)
    return out + sorted(block)


@pytest.mark.parametrize("case", list(CASES))
def test_listing_equals_ansible_playbook(case: str, oracle: dict[str, str]) -> None:
    mine = _mine(CASES[case], SITE)
    assert _hosts_sorted(mine) == _hosts_sorted(oracle[case])


def test_listing_covers_the_corpus(oracle: dict[str, str]) -> None:
    """The comparison means something: the corpus lists role, dependency, collection and
    imported tasks, and the argument-spec check Ansible adds."""
    text = oracle["tasks+tags"]
    for label in ("r2 : r2 task", "r1 : r1 task", "acme.tools.hello : hello from the collection", "imported2",
                  "Validating arguments against arg spec 'main' - r2", "never task", "include_role",
                  "acme.tools.helper : helper task"):
        assert label in text
    assert "(item=" not in text
