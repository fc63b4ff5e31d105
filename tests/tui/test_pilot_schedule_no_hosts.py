"""``:schedule add`` in the console checks the host pattern against the console's
inventory, as ``ftl-tui schedule add`` does: a pattern matching no host is refused with
Ansible's words and nothing is stored; ``--allow-no-hosts`` stores it, marked so."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from tuihelpers import ready, screen_text, wait_for

from ftltui.schedule.model import ScheduleBook
from ftltui.state import StateStore


async def test_schedule_add_refuses_a_pattern_matching_no_host_unless_allowed(make_app: Any, tmp_path: Path) -> None:
    from ftltui.tui.screens.schedules import SchedulesScreen

    inventory = tmp_path / "hosts.ini"
    inventory.write_text(f"[local]\nlocalhost ansible_connection=local ansible_python_interpreter={sys.executable}\n"
                         "[web]\n")
    state = tmp_path / "state"
    app = make_app([str(inventory)], state_dir=state)
    notes: list[str] = []
    app.notify = lambda message, **kw: notes.append(str(message))  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        app.run_command_line("schedule add @hourly --tz UTC run web -m ping")
        await wait_for(pilot, lambda: any("Could not match supplied host pattern" in n for n in notes))
        app.run_command_line("schedule add @hourly --tz UTC --allow-no-hosts run web -m ping")
        await wait_for(pilot, lambda: isinstance(app.screen, SchedulesScreen) and "run web -m ping" in
                       screen_text(app))
        await pilot.press("escape")
        await pilot.pause()
    refused = next(n for n in notes if "Could not match" in n)
    assert refused.startswith("Could not match supplied host pattern: 'web' (run PATTERN) in ") and \
        refused.endswith("add --allow-no-hosts before the command"), refused
    store = StateStore.open(state, readonly=True)
    try:
        assert [(s.argv, s.allow_no_hosts) for s in ScheduleBook(store).all()] == [(["run", "web", "-m", "ping"], True)]
    finally:
        store.close()
