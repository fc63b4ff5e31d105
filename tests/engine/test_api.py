"""The Python API as a script author uses it."""

from __future__ import annotations

import pytest

import ftltui
from ftltui.engine.api import RunFailed
from ftltui.errors import ModuleArgsError


async def test_run_attribute_form_and_events(local_inventory, tmp_path):
    inv = local_inventory(2)
    seen = []
    async with ftltui.automation(inventory=inv, forks=2) as ftl:
        ftl.subscribe(lambda e: seen.append(e.type))
        res = await ftl.run("all", "command", argv=["echo", "hello"])
        assert {r.result["stdout"] for r in res.results.values()} == {"hello"}
        res = await ftl.locals.copy(content="x\n", dest=str(tmp_path / "{{ inventory_hostname }}"))
        assert res.counts["changed"] == 2
        res = await ftl.hosts("all:!l2").ping()
        assert list(res.results) == ["l1"]
    assert (tmp_path / "l1").read_text() == "x\n"
    assert seen.count("RunStarted") == 3 and seen.count("RunFinished") == 3


async def test_typed_errors(local_inventory):
    async with ftltui.automation(inventory=local_inventory(1), raise_on_failure=True) as ftl:
        with pytest.raises(ModuleArgsError):
            await ftl.all.ping(bogus=1)
        with pytest.raises(RunFailed) as info:
            await ftl.all.command(argv=["false"])
        assert info.value.result.results["l1"].status == "failed"
