"""``:schedule add`` stores the command as typed (hG session 11, finding 1): the console
notified ``run h01 '' -a ...`` for ``run h01 --check -a ...`` (a check-mode schedule
stored as a real run) and refused ``play ... --tags x`` with an empty "unrecognized
arguments"."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from tuihelpers import ready, wait_for

from ftltui.schedule.model import ScheduleBook
from ftltui.state import StateStore


async def test_schedule_add_keeps_long_options_written_as_two_words(make_app: Any, tmp_path: Path,
                                                                    monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "site.yml").write_text("- hosts: all\n  tasks: []\n")
    inventory = tmp_path / "hosts.ini"
    inventory.write_text(f"[web]\nh01 ansible_connection=local ansible_python_interpreter={sys.executable}\n")
    state = tmp_path / "state"
    app = make_app([str(inventory)], state_dir=state)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        app.run_command_line('schedule add "0 3 * * *" --paused run h01 --check -a "touch /tmp/hM1-x"')
        app.run_command_line('schedule add "0 3 * * *" --paused play site.yml --tags x --limit h01 --diff -e k=v')
        await wait_for(pilot, lambda: len(app.schedule_desk().book.all()) == 2)
        await pilot.press("escape")
    store = StateStore.open(state, readonly=True)
    try:
        assert [s.argv for s in ScheduleBook(store).all()] == [
            ["run", "h01", "--check", "-a", "touch /tmp/hM1-x"],
            ["play", str(tmp_path / "site.yml"), "--tags", "x", "--limit", "h01", "--diff", "-e", "k=v"]]
    finally:
        store.close()
