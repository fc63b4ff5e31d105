"""``:logs save PATH`` does not replace an existing file without asking (hR finding 21).

Before, it overwrote any file (``:logs save /etc/hosts`` from a history slip) and created
missing directories. Now an existing PATH is replaced only after a yes/no question
("No" first: ``n``, ``esc`` or a stray ``enter`` keep it), a missing directory is an
error, and ctrl+s never reuses a numbered file an earlier session left.
"""

from __future__ import annotations

from pathlib import Path

from tuihelpers import ready, wait_for

from ftltui.tui.screens.confirm import ConfirmScreen


def _notes(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_logs_save_refuses_an_existing_file_and_a_missing_directory(make_app, tmp_path: Path) -> None:
    app = make_app()
    precious = tmp_path / "existing.txt"
    precious.write_text("precious data\n")
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await pilot.press("2")
        pane = app.main.pane("logs")
        app._pending.extend(("1", "web1", "stdout", f"line {i}") for i in range(3))
        await wait_for(pilot, lambda: pane.main().line_count == 3)

        app.run_command_line(f"logs save {precious}")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("enter")  # "No" is focused: the file is kept
        await wait_for(pilot, lambda: any("was kept" in n for n in _notes(app)))
        assert precious.read_text() == "precious data\n"

        app.run_command_line(f"logs save {tmp_path / 'nodir' / 'x.txt'}")
        await wait_for(pilot, lambda: any("cannot save" in n for n in _notes(app)))
        assert not (tmp_path / "nodir").exists()

        app.run_command_line(f"logs save {precious}")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: "precious" not in precious.read_text())
        assert precious.read_text().splitlines()[-1] == "web1 | line 2"

        (app.state_dir / "console-log-1.txt").write_text("an earlier session's save\n")
        await pilot.press("ctrl+s")
        await wait_for(pilot, (app.state_dir / "console-log-2.txt").exists)
        assert (app.state_dir / "console-log-1.txt").read_text() == "an earlier session's save\n"
