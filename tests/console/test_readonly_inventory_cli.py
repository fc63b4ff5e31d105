"""An inventory with ``ftl_tui_readonly`` refuses every write command as ``--readonly``
does (issue 16 review hQ #4; docs/readonly.md): ``drift scan|baseline|accept`` and
``jobs retry|requeue`` in the foreground exit 5, before the state directory is opened;
``drift show`` still reads. Real CLI (``ftltui.cli.main``) on real state dirs.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from ftltui.cli import main
from ftltui.console import ConsoleSession
from ftltui.inventory import load_inventory
from ftltui.state import StateStore

HOSTS = """\
  hosts:
    localhost:
      ansible_connection: local
"""


@pytest.fixture(scope="module")
def bed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """A read-only and a writable inventory of localhost, and a state dir with one
    failed run job (id 1) made on the writable one."""
    root = tmp_path_factory.mktemp("ro")
    ro, rw = root / "ro.yml", root / "rw.yml"
    ro.write_text("all:\n  vars:\n    ftl_tui_readonly: true\n" + HOSTS)
    rw.write_text("all:\n" + HOSTS)
    state = root / "state"

    async def failed_job() -> None:
        async with ConsoleSession(state, inventory=load_inventory([str(rw)])) as session:
            job = await session.submit_run("localhost", "command", {"cmd": "false"})
            assert session.queue is not None
            assert (await session.queue.wait(job.id)).state == "failed"

    asyncio.run(failed_job())
    return ro, rw, state


@pytest.mark.parametrize("argv", [
    ["drift", "scan", "localhost"],
    ["drift", "baseline", "localhost"],
    ["drift", "accept", "localhost"],
], ids=["scan", "baseline", "accept"])
def test_drift_writes_on_a_readonly_inventory_exit_5_before_the_state_is_opened(
        bed: tuple[Path, Path, Path], tmp_path: Path, argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    ro, _, _ = bed
    state = tmp_path / "state"
    assert main([*argv, "-i", str(ro), "--state-dir", str(state)]) == 5
    assert f"read-only: {argv[0]} {argv[1]} refused" in capsys.readouterr().err
    assert not state.exists() or not any(state.iterdir())  # no lock, no store, no socket asked


def test_drift_show_still_reads_a_readonly_inventory(bed: tuple[Path, Path, Path], tmp_path: Path) -> None:
    ro, _, _ = bed
    assert main(["drift", "show", "localhost", "-i", str(ro), "--state-dir", str(tmp_path / "s")]) == 0


@pytest.mark.parametrize("cmd", ["retry", "requeue"])
def test_a_foreground_retry_on_a_readonly_inventory_exits_5_and_queues_nothing(
        bed: tuple[Path, Path, Path], cmd: str, capsys: pytest.CaptureFixture[str]) -> None:
    ro, _, state = bed
    assert main(["jobs", cmd, "1", "-i", str(ro), "--state-dir", str(state)]) == 5
    assert f"read-only: {cmd} refused" in capsys.readouterr().err
    store = StateStore.open(state, True)
    try:
        assert [doc.doc_id for doc in store.table("jobs").all()] == [1]  # no new job
    finally:
        store.close()
