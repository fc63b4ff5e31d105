"""Workflows: validation with file:line, the when language, DAG semantics on the real engine."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from ftltui.engine.executor import Executor
from ftltui.errors import WorkflowError
from ftltui.inventory import load_inventory
from ftltui.jobs.workflow import WorkflowRun, load_workflow
from ftltui.jobs.workflow.expr import ExprError, compile_expr, evaluate
from ftltui.paths import SAMPLE_INVENTORY


@pytest.fixture(scope="module")
def inv():
    return load_inventory([str(SAMPLE_INVENTORY)])


def wf_file(tmp_path: Path, body: str) -> Path:
    p = tmp_path / "wf.yml"
    p.write_text(textwrap.dedent(body))
    return p


@pytest.mark.parametrize("body, line, words", [
    ("name: x\nsteps:\n  - name: a\n    module: nosuch\n", 4, "unknown module 'nosuch'"),
    ("name: x\nsteps:\n  - name: a\n    module: file\n    args: {pathh: /tmp}\n", 5, "unsupported argument 'pathh'"),
    ("name: x\nsteps:\n  - name: a\n    module: ping\n    depends_on: [b]\n", 3, "unknown step 'b'"),
    ("name: x\nsteps:\n  - name: a\n    module: ping\n    depends_on: [c]\n  - name: b\n    module: ping\n"
     "    depends_on: [a]\n  - name: c\n    module: ping\n    depends_on: [b]\n", 3, "cycle: a -> c -> b -> a"),
    ("name: x\nsteps:\n  - name: a\n    module: ping\n    hosts: nosuchgroup\n", 3, "matches no host"),
    ("name: x\nsteps:\n  - name: a\n    module: ping\n    when: __import__('os')\n", 5, "not allowed"),
    ("name: x\nsteps:\n  - name: a\n    module: ping\n    trigger: sometimes\n", 5, "trigger"),
    ("name: x\nsteps:\n  - name: a\n    module: ping\n    colour: red\n", 5, "unknown step key 'colour'"),
])
def test_validation_errors_have_locations(tmp_path: Path, inv, body: str, line: int, words: str) -> None:
    with pytest.raises(WorkflowError) as err:
        load_workflow(wf_file(tmp_path, body), inv)
    assert err.value.location.line == line, str(err.value)
    assert words in err.value.message
    assert str(err.value).startswith(f"{tmp_path / 'wf.yml'}:{line}:")


def test_when_language() -> None:
    env = {"env": "prod", "n": 3, "steps": {"build": {"changed": True, "ok": True}}}
    assert evaluate(compile_expr("steps.build.changed and env == 'prod'"), env) is True
    assert evaluate(compile_expr("not (n > 2) or env in ['dev', 'stage']"), env) is False
    assert evaluate(compile_expr("{{ n >= 3 }}"), env) is True
    # Ansible's conditionals (the playbook engine): tests, filters, arithmetic
    assert evaluate(compile_expr("nosuch is not defined and n + 1 == 4"), env) is True
    assert evaluate(compile_expr("'yes' | bool and nosuch | default(false) is false"), env) is True
    for bad in ("open('x')", "().__class__", "[x for x in y]", "lambda: 1", "x | nosuchfilter"):
        with pytest.raises(ExprError):
            compile_expr(bad)


async def test_samples_validate(inv) -> None:
    for p in sorted((SAMPLE_INVENTORY / "workflows").glob("*.yml")):
        assert load_workflow(p, inv).steps


async def test_dag_failure_isolated_and_rerun_from_failure(tmp_path: Path, inv) -> None:
    flag = tmp_path / "flag"
    p = wf_file(tmp_path, f"""
        name: dag
        hosts: localhost
        vars: {{out: "{tmp_path}"}}
        steps:
          - name: root
            module: command
            args: {{argv: [touch, "{{{{ out }}}}/root"]}}
          - name: flaky
            depends_on: [root]
            module: command
            args: {{argv: [test, -e, "{flag}"]}}
          - name: after_flaky
            depends_on: [flaky]
            module: command
            args: {{argv: [touch, "{{{{ out }}}}/after"]}}
          - name: cleanup
            depends_on: [flaky]
            trigger: all_done
            module: command
            args: "true"
          - name: branch
            depends_on: [root]
            module: command
            args: {{argv: [touch, "{{{{ out }}}}/branch"]}}
          - name: only_if_changed
            depends_on: [branch]
            when: steps.branch.changed and out != ''
            module: ping
          - name: never
            depends_on: [branch]
            when: "false"
            module: ping
    """)
    wf = load_workflow(p, inv)
    ex = Executor(inv)
    steps = await WorkflowRun(wf, ex).run()
    state = {n: r["state"] for n, r in steps.items()}
    assert state == {"root": "succeeded", "flaky": "failed", "after_flaky": "upstream_failed",
                     "cleanup": "succeeded", "branch": "succeeded", "only_if_changed": "succeeded",
                     "never": "skipped"}
    assert (tmp_path / "branch").exists() and not (tmp_path / "after").exists()
    (tmp_path / "root").unlink()
    flag.touch()
    again = await WorkflowRun(wf, ex, previous=steps).run()
    assert {n: r["state"] for n, r in again.items()} == {**state, "flaky": "succeeded", "after_flaky": "succeeded"}
    assert not (tmp_path / "root").exists()  # kept, not re-run
    assert again["root"].get("kept") and not again["flaky"].get("kept")
    await ex.close()


async def test_check_mode_collects_diffs(tmp_path: Path, inv) -> None:
    p = wf_file(tmp_path, f"""
        name: chk
        hosts: localhost
        steps:
          - name: conf
            module: copy
            args: {{dest: "{tmp_path}/c.conf", content: "a=1\\n"}}
    """)
    ex = Executor(inv)
    steps = await WorkflowRun(load_workflow(p, inv), ex, check=True).run()
    res = steps["conf"]["results"]["localhost"]
    assert res["status"] == "changed" and not (tmp_path / "c.conf").exists()
    assert steps["conf"]["changed"] is True
    await ex.close()


async def test_cancel_closes_every_step(tmp_path: Path) -> None:
    import asyncio

    from jobs_helpers import inventory_with_unreachable

    inv = load_inventory([str(inventory_with_unreachable(tmp_path / "inv.yml", local=("localhost",)))])
    p = wf_file(tmp_path, """
        name: c
        hosts: localhost
        steps:
          - {name: slow, module: command, args: "sleep 30"}
          - {name: flaky, module: ping, hosts: far1, retries: 30}
          - {name: after, module: ping, depends_on: [slow]}
    """)
    ex = Executor(inv)
    run = WorkflowRun(load_workflow(p, inv), ex)
    task = asyncio.create_task(run.run())
    for _ in range(1000):
        if run.steps["slow"]["state"] == "running" and run.steps["flaky"]["state"] == "retry_wait":
            break
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert {n: r["state"] for n, r in run.steps.items()} == {"slow": "cancelled", "flaky": "cancelled",
                                                              "after": "cancelled"}
    await ex.close()
