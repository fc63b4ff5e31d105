"""A workflow's templated ``environment`` runs each step as one engine call (issue 15
review): the hosts' environments are rendered per host and sent per host, so all hosts
share ``forks`` as any step's do (it made one engine call per distinct environment,
each with its own ``forks``). Checked in-process and through process shards
(``workers=2``: each shard is sent only its own hosts' values)."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from ftltui.engine.events import RunStarted
from ftltui.engine.executor import Executor
from ftltui.inventory import load_inventory
from ftltui.jobs.workflow import WorkflowRun, load_workflow

HOSTS = ("w1", "w2", "w3", "w4")


def _files(tmp_path: Path) -> tuple[Path, Path]:
    inv = tmp_path / "hosts.ini"
    inv.write_text("".join(f"{h} ansible_connection=local ansible_python_interpreter={sys.executable} "
                           f"colour=c-{h}\n" for h in HOSTS))
    wf = tmp_path / "wf.yml"
    wf.write_text(textwrap.dedent(f"""\
        name: env-per-host
        hosts: all
        environment:
          SHARED: same-for-all
        steps:
          - name: templated
            module: shell
            args: printf '%s|%s|%s\\n' "$SHARED" "$WHO" "$COLOUR" > {tmp_path}/{{{{ inventory_hostname }}}}.env
            environment:
              WHO: "{{{{ inventory_hostname }}}}"
              COLOUR: "{{{{ colour }}}}"
          - name: plain
            depends_on: [templated]
            module: shell
            args: printf '%s|%s\\n' "$SHARED" "${{WHO-unset}}" > {tmp_path}/{{{{ inventory_hostname }}}}.plain
        """))
    return inv, wf


@pytest.mark.parametrize("workers", [0, 2])
async def test_templated_environment_is_one_run_with_per_host_values(tmp_path: Path, workers: int) -> None:
    inv_path, wf_path = _files(tmp_path)
    inv = load_inventory([str(inv_path)])
    ex = Executor(inv, forks=2, **({"workers": workers} if workers else {}))
    runs: list[Any] = []
    ex.bus.subscribe(lambda ev: runs.append(ev) if isinstance(ev, RunStarted) else None)
    try:
        steps = await WorkflowRun(load_workflow(wf_path, inv), ex).run()
    finally:
        await ex.close()
    assert {n: r["state"] for n, r in steps.items()} == {"templated": "succeeded", "plain": "succeeded"}
    assert sorted(tuple(sorted(r.hosts)) for r in runs) == [HOSTS, HOSTS]  # one engine call per step
    for h in HOSTS:
        assert (tmp_path / f"{h}.env").read_text() == f"same-for-all|{h}|c-{h}\n"
        assert (tmp_path / f"{h}.plain").read_text() == "same-for-all|unset\n"
