"""Workflow files' ``when:`` runs on the playbook template engine: Ansible's tests and
filters work there (issue 15), and what cannot work is refused at load with file and line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from ftltui.engine.executor import Executor
from ftltui.errors import WorkflowError
from ftltui.inventory import load_inventory
from ftltui.jobs.workflow import WorkflowRun, load_workflow
from ftltui.paths import SAMPLE_INVENTORY


@pytest.fixture(scope="module")
def inv():
    return load_inventory([str(SAMPLE_INVENTORY)])


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "wf.yml"
    path.write_text(textwrap.dedent(body))
    return path


async def test_ansible_conditions_decide_which_steps_run(tmp_path: Path, inv) -> None:
    wf = load_workflow(write(tmp_path, f"""
        name: conditions
        hosts: localhost
        vars: {{flag: "yes", out: "{tmp_path}", ports: [80, 443], switch: "off"}}
        steps:
          - name: build
            module: command
            args: {{argv: [touch, "{{{{ out }}}}/built"]}}
          - name: when_bool
            depends_on: [build]
            when: flag | bool and switch is falsy(convert_bool=true)
            module: ping
          - name: when_defined
            when: undefined_thing is defined
            module: ping
          - name: when_default
            when: undefined_thing | default(false)
            module: ping
          - name: when_steps
            depends_on: [build]
            when: steps.build is changed and 443 in ports and ports | length == 2
            module: ping
          - name: when_version
            when: "'2.10' is version('2.9', '>')"
            module: ping
          - name: when_undefined_used
            when: undefined_thing == 1
            module: ping
    """), inv)
    ex = Executor(inv)
    try:
        steps = await WorkflowRun(wf, ex).run()
    finally:
        await ex.close()
    state = {name: rec["state"] for name, rec in steps.items()}
    assert state == {"build": "succeeded", "when_bool": "succeeded", "when_defined": "skipped",
                     "when_default": "skipped", "when_steps": "succeeded", "when_version": "succeeded",
                     "when_undefined_used": "upstream_failed"}
    assert steps["when_undefined_used"]["history"][-1][2] == "when: 'undefined_thing' is undefined"


@pytest.mark.parametrize("when,words", [
    ("x | nosuchfilter", "unknown filter 'nosuchfilter'"),
    ("x is nosuchtest", "unknown test 'nosuchtest'"),
    ("open('/etc/passwd')", "unknown function 'open'"),
    ("x.__class__", "not allowed"),
    ("x ==", "invalid expression"),
])
def test_bad_conditions_are_refused_at_load(tmp_path: Path, inv, when: str, words: str) -> None:
    path = write(tmp_path, f"""
        name: bad
        hosts: localhost
        steps:
          - name: a
            module: ping
            when: "{when}"
    """)
    with pytest.raises(WorkflowError) as err:
        load_workflow(path, inv)
    assert words in err.value.message and str(err.value).startswith(f"{path}:7:")
