"""While a big job streams, the console updates its panes at a capped rate (issue 17):
the real app via pilot.

Each flush of the session's updates costs a repaint; at 1,000 hosts the console's thread
waited for a core most of the run and key presses waited behind repaints. A flush that
carried updates at ``BUSY_RATE`` a second or more holds the next one for ``BUSY_FLUSH_SECONDS``. What a
throttled view shows must still end as the true state, and keys are handled meanwhile.
"""

from __future__ import annotations

from pathlib import Path

from tuihelpers import local_group_inventory, ready

from ftltui.console import updates as up
from ftltui.jobs.model import TERMINAL
from ftltui.tui.app import BUSY_FLUSH_SECONDS, BUSY_RATE

SIZE = (120, 40)


def _inventory(path: Path, n: int) -> Path:
    return local_group_inventory(path, [f"a{i}" for i in range(n)])


async def test_a_big_stream_is_flushed_at_a_capped_rate_and_ends_true(make_app, tmp_path: Path) -> None:
    app = make_app([str(_inventory(tmp_path / "inv.yml", 6))])
    now = [1000.0]
    app.flush_clock = lambda: now[0]  # the hold's clock, moved by hand: no race with the real timer
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("2")
        await pilot.pause()
        ring = app.logs_pane().ring
        before = len(ring)
        burst = int(BUSY_RATE)  # a second's worth at the busy rate, in one tick
        app._pending.extend(("1", "a0", "stdout", f"burst {i}") for i in range(burst))
        app._flush_tick()  # a big batch: shown now, and the next flush waits
        assert len(ring) == before + burst
        app._pending.append(("1", "a1", "stdout", "after the burst"))
        app._pending.append(up.HostProgress(1, "a1", "failed"))
        app._flush_tick()
        await pilot.pause()
        assert len(ring) == before + burst and len(app._pending) == 2  # held: not yet drawn
        await pilot.press("1")  # keys are handled while the views wait
        assert app.main.current == "inventory"
        now[0] += BUSY_FLUSH_SECONDS
        await pilot.pause(0.3)  # the real timer's next tick after the hold flushes
        while app._pending:
            await pilot.pause(0.05)
        assert [r.text for r in ring][-1] == "after the burst"
        assert app.inventory_pane().status["a1"] == "failed"
        # a slow stream holds nothing: the next tick shows the next update at once
        now[0] += 1.0
        app._pending.append(up.HostProgress(1, "a2", "running"))
        app._flush_tick()
        app._pending.append(up.HostProgress(1, "a2", "changed"))
        app._flush_tick()
        assert not app._pending and app.inventory_pane().status["a2"] == "changed"


async def test_a_real_run_streamed_under_the_cap_ends_on_the_true_state(make_app, tmp_path: Path) -> None:
    """40 hosts' output and statuses through the real engine and job queue, drained only by
    the app's own timer (no direct flush): every pane ends on the job's final state."""
    n = 40
    app = make_app([str(_inventory(tmp_path / "inv.yml", n))])
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("2")
        app.run_command_line("run all command echo out-done")
        while not (app.services.jobs and all(j.state in TERMINAL for j in app.services.jobs.values())):
            await pilot.press("k", "f")  # keys keep working during the stream
            await pilot.pause(0.05)
        assert app.logs_pane().main().following
        while app._pending:  # the timer drains what is left, held or not
            await pilot.pause(0.05)
        await pilot.pause()
        assert app.services.jobs[1].state == "succeeded"
        status = app.inventory_pane().status
        assert {status[f"a{i}"] for i in range(n)} == {"changed"}
        hosts_with_output = {r.host for r in app.logs_pane().ring if r.text.startswith("out-")}
        assert len(hosts_with_output) == n
        table = app.jobs_pane().main()
        assert str(table.get_cell("1", "state")) == "succeeded"
