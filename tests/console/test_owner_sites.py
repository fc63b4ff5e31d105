"""The session's engine, as the faces open it (issue 16 review hQ #3, #12), on a real
ConsoleSession and state dir:

* the console and ``serve`` open the session before their inventory has loaded: a host
  with ``ftl_site`` must still go to its site, never run from here. With no broker
  configured the site is unusable, so the host fails with that reason (before the fix it
  ran locally and succeeded);
* a session that runs nothing (``jobs cancel``/``purge``/``requeue --detach``) builds no
  engine.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ftltui.console import ConsoleSession
from ftltui.inventory import load_inventory

SITE_INVENTORY = """\
all:
  hosts:
    h1:
      ftl_site: dc1
      ansible_connection: local
    here:
      ansible_connection: local
"""


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FTL_TUI_BROKER", raising=False)  # no broker: the site cannot be used
    monkeypatch.setenv("FTL_TUI_WORKERS", "1")  # no worker processes for two local hosts


async def test_a_site_host_never_runs_here_when_the_inventory_comes_after_open(tmp_path: Path) -> None:
    inv_file = tmp_path / "inv.yml"
    inv_file.write_text(SITE_INVENTORY)
    async with ConsoleSession(tmp_path / "state") as session:  # as FtlApp and serve's owner open it
        assert session.executor.inventory is None  # the engine exists before the inventory
        session.set_inventory(load_inventory([str(inv_file)]))
        assert session.queue is not None
        job = await session.submit_run("all", "ping", {})
        done = await session.queue.wait(job.id)
        hosts = session.host_results(done)
    assert hosts["here"] == "ok"
    assert hosts["h1"] == "unreachable"  # its site's workers are unusable: it fails, never runs here


async def test_a_session_that_runs_nothing_builds_no_engine(tmp_path: Path) -> None:
    async with ConsoleSession(tmp_path / "state", dispatch=False, lock_wait=0.0) as session:
        assert session.queue is not None and session.queue.executor is None
