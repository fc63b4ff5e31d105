"""``environment:`` in ftl-tui's own workflow files (issue 15): workflow level and step
level (the step's names win), values templated per host, passed to the engine as the
playbook path does (the gate's request frame): the module's process sees them, no
process's command line does, and the step records keep none of them. Bad names and
shapes are load errors with their line."""

from __future__ import annotations

import hashlib
import json
import sys
import textwrap
from pathlib import Path

import pytest

from ftltui.engine.executor import Executor
from ftltui.errors import WorkflowError
from ftltui.inventory import load_inventory
from ftltui.jobs.workflow import WorkflowRun, load_workflow

SECRET = "s3cr3t-Zq9-never-on-argv"
TOKEN_SHA = hashlib.sha256(SECRET.encode()).hexdigest()


def _files(tmp_path: Path) -> tuple[Path, Path]:
    inv = tmp_path / "hosts.ini"
    inv.write_text("".join(f"{h} ansible_connection=local ansible_python_interpreter={sys.executable}\n"
                           for h in ("a", "b")))
    wf = tmp_path / "wf.yml"
    wf.write_text(textwrap.dedent(f"""\
        name: env
        hosts: all
        vars: {{out: "{tmp_path}", token: "{SECRET}"}}
        secrets: [token]
        environment:
          LEVEL: workflow
          GREETING: hello-Wq7
          TOKEN: "{{{{ token }}}}"
        steps:
          - name: with_own
            module: shell
            args: >-
              printf '%s|%s|%s|%s\\n' "$LEVEL" "$GREETING" "$WHO" "$FLAG" > {{{{ out }}}}/{{{{ inventory_hostname }}}}.own;
              test "$(printf %s "$TOKEN" | sha256sum | cut -c1-64)" = {TOKEN_SHA} && echo token-ok >> {{{{ out }}}}/{{{{ inventory_hostname }}}}.own;
              cat /proc/[0-9]*/cmdline 2>/dev/null | tr '\\000' ' ' > {{{{ out }}}}/{{{{ inventory_hostname }}}}.argv
            environment:
              LEVEL: step
              WHO: "{{{{ inventory_hostname }}}}"
              FLAG: true
          - name: workflow_only
            depends_on: [with_own]
            module: shell
            args: printf '%s|%s|%s\\n' "$LEVEL" "$GREETING" "${{WHO-unset}}" > {{{{ out }}}}/{{{{ inventory_hostname }}}}.wf
        """))
    return inv, wf


async def test_workflow_and_step_environment_reach_the_module_only(tmp_path: Path) -> None:
    inv_path, wf_path = _files(tmp_path)
    inv = load_inventory([str(inv_path)])
    wf = load_workflow(wf_path, inv)
    ex = Executor(inv)
    try:
        steps = await WorkflowRun(wf, ex).run()
    finally:
        await ex.close()
    assert {n: r["state"] for n, r in steps.items()} == {"with_own": "succeeded", "workflow_only": "succeeded"}
    for host in ("a", "b"):
        assert (tmp_path / f"{host}.own").read_text() == f"step|hello-Wq7|{host}|True\ntoken-ok\n"
        assert (tmp_path / f"{host}.wf").read_text() == "workflow|hello-Wq7|unset\n"
        argv = (tmp_path / f"{host}.argv").read_text()
        assert "cmdline" in argv  # the listing ran and saw command lines
        assert SECRET not in argv and "hello-Wq7" not in argv
    assert SECRET not in json.dumps(steps, default=str)


@pytest.mark.parametrize("snippet, line, words", [
    ("environment: [A, B]\n", 3, "expected a mapping"),
    ("environment: plain text\n", 3, "or a template"),
    ("environment: {'A=B': x}\n", 3, "not a usable variable name"),
    ("environment:\n  OK: 1\n  BAD: {x: 1}\n", 5, "value of BAD must be text"),
])
def test_bad_environment_is_a_load_error_with_its_line(tmp_path: Path, snippet: str, line: int,
                                                         words: str) -> None:
    p = tmp_path / "wf.yml"
    p.write_text("name: x\nhosts: localhost\n" + snippet + "steps:\n  - {name: a, module: ping}\n")
    with pytest.raises(WorkflowError) as err:
        load_workflow(p)
    assert err.value.location is not None and err.value.location.line == line, str(err.value)
    assert words in err.value.message
    step = tmp_path / "step.yml"
    step.write_text("name: x\nhosts: localhost\nsteps:\n  - name: a\n    module: ping\n    "
                    + snippet.replace("\n  ", "\n      "))
    with pytest.raises(WorkflowError) as err:
        load_workflow(step)
    assert words in err.value.message
