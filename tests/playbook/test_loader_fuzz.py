"""Fuzz the playbook loader: 10,000 generated playbooks (playbook-shaped YAML built from
Ansible's keywords and action names, then some with their text cut or spliced) either
load, and then list without error, or fail with an FtlError that names a file. Batched
ten playbooks per hypothesis example (built from a drawn seed: drawing nested
strategies was slower than loading) to keep the run short."""

from __future__ import annotations

import json
import os
import random
import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ftltui.errors import FtlError
from ftltui.playbook.loader import load_playbook
from ftltui.playbook.model import BLOCK_KEYWORDS, PLAY_KEYWORDS, TASK_KEYWORDS
from ftltui.playbook.syntax import format_listing, list_plays

BATCH = 10
EXAMPLES = 1000
KEYS = sorted(PLAY_KEYWORDS | TASK_KEYWORDS | BLOCK_KEYWORDS | {
    "copy", "debug", "shell", "command", "import_tasks", "include_tasks", "import_role", "include_role",
    "import_playbook", "nosuch", "ansible.builtin.debug", "meta", "set_fact", "role", "module", "src", "dest",
    "tasks_from", "with_bogus", "include", "msg", "name", "cmd"})
WORDS = ["", "x", "a=b c=d", "{{ x }}", "echo hi", "tasks.yml", "self.yml", "'unbalanced", 'k="v w"', "{{",
         "flush_handlers", "common", "a,b", "-", "copy src=a dest=b", "debug msg=hi", "ns.coll.role", "all",
         "loop.yml", "../x", "local", "paramiko", "\\", "a\\=b", "{% if %}", "main", "nope"]

_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
SECTIONS = ["tasks", "pre_tasks", "post_tasks", "handlers", "block", "rescue", "always"]
DAMAGE = ["", ":", "- ", "\n  ", "{", "!vault |", "\t", "'", "&a *a", "? ", "!!python/name:os.system", "%"]


def _value(rnd: random.Random, depth: int = 0) -> Any:
    """A random YAML value, biased to what playbooks hold."""
    kind = rnd.randrange(10 if depth < 3 else 6)
    if kind < 4:
        return rnd.choice(WORDS)
    if kind == 4:
        return rnd.choice([None, True, False, 0, 1, -2, 3.5])
    if kind == 5:
        return "".join(rnd.choice("ab=:{}'\" \\-%#\n") for _ in range(rnd.randrange(6)))
    if kind < 8:
        return [_value(rnd, depth + 1) for _ in range(rnd.randrange(4))]
    return _mapping(rnd, depth + 1)


def _mapping(rnd: random.Random, depth: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for _ in range(rnd.randrange(1, 5)):
        key = rnd.choice(KEYS)
        out[key] = ([_mapping(rnd, depth + 1) for _ in range(rnd.randrange(3))]
                    if key in SECTIONS and depth < 4 else _value(rnd, depth))
    return out


def document(rnd: random.Random) -> str:
    """A playbook-shaped document: plays with task sections, imports, odd entries; some damaged."""
    entries: list[Any] = []
    for _ in range(rnd.randrange(4)):
        kind = rnd.randrange(5)
        if kind < 3:
            play: dict[str, Any] = {"hosts": rnd.choice(["all", "web", "", "{{ h }}", None])}
            play.update(_mapping(rnd, 1))
            entries.append(play)
        elif kind == 3:
            entries.append({"import_playbook": rnd.choice(WORDS), **({"vars": _value(rnd)} if rnd.random() < .3 else {})})
        else:
            entries.append(_value(rnd))
    if rnd.random() < 0.7:  # flow style (JSON is YAML; the comment keeps it off the JSON reader): cheap to write
        text = "# fuzz\n" + json.dumps(entries)
    else:
        text = yaml.dump(entries, Dumper=_DUMPER)
    if rnd.random() < 0.25 and text:
        start = rnd.randrange(len(text) + 1)
        end = min(len(text), start + rnd.randrange(12))
        text = text[:start] + rnd.choice(DAMAGE) + text[end:]
    return text


def _workspace() -> Path:
    """Files the generated playbooks may import: a task file, a recursive one, a role."""
    shm = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
    root = Path(tempfile.mkdtemp(prefix="ftl-loader-fuzz-", dir=shm))  # many small writes: memory, not disk
    (root / "tasks.yml").write_text("- debug: msg=imported\n")
    (root / "self.yml").write_text("- import_tasks: self.yml\n")
    (root / "loop.yml").write_text("- hosts: all\n  tasks: []\n- import_playbook: loop.yml\n")
    (root / "roles" / "common" / "tasks").mkdir(parents=True)
    (root / "roles" / "common" / "tasks" / "main.yml").write_text("- import_tasks: ../../../tasks.yml\n")
    return root


WORK: dict[str, Path] = {}  # the workspace of the run in progress
COUNT = {"cases": 0, "loaded": 0}


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(st.integers(0, 2**32))
def _fuzz_batch(seed: int) -> None:
    """BATCH playbooks from one seed: each loads (and lists) or fails with an FtlError that names a file."""
    rnd = random.Random(seed)
    for n in range(BATCH):
        text = document(rnd)
        path = WORK["root"] / f"pb{n}.yml"
        path.write_text(text)
        COUNT["cases"] += 1
        try:
            playbook = load_playbook(path)
        except FtlError as exc:
            assert exc.location is not None or "nothing to do" in exc.message, exc
            assert exc.location is None or exc.location.file, exc
            continue
        COUNT["loaded"] += 1
        format_listing(str(path), list_plays(playbook), tasks=True, tags=True, hosts=lambda p: [p])


def test_loader_raises_only_ftl_errors_on_10000_playbooks() -> None:
    """The fuzz, then its count in the same test (so on the same xdist worker): it is not
    vacuous, all cases ran and a share of them were valid playbooks. The count used to be
    a second test that could run on another worker and pass having counted nothing."""
    COUNT.update(cases=0, loaded=0)
    WORK["root"] = _workspace()
    try:
        _fuzz_batch()
    finally:
        shutil.rmtree(WORK.pop("root"), ignore_errors=True)
    assert COUNT["cases"] >= EXAMPLES * BATCH, COUNT
    assert COUNT["loaded"] > 100, COUNT
