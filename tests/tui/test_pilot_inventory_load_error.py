"""An inventory that fails to load stays visible as an error where the operator looks (hD finding 4).

Before, a 10 s toast was the only place the error (with its file:line) appeared; after it
the header said ``(error: see notification)``, the Inventory pane showed a bare ``all`` and
``:run all ping`` answered ``no hosts matched 'all'``, sending the operator to the pattern.
Now the error stays above the Inventory tree and the header names the file:line until a
load succeeds, the toast comes once per error (the watcher reading the same broken file
again adds none) and a run says the inventory failed to load.
"""

from __future__ import annotations

from pathlib import Path

from tuihelpers import ready, screen_text, wait_for

BROKEN = "all:\n  hosts:\n    a1:\n      ansible_connection: local\n    b1: {ansible_connection: local\n  children:\n"
GOOD = "all:\n  hosts:\n    a1:\n      ansible_connection: local\n"


def _toasts(app, title: str) -> list[str]:
    return [str(n.message) for n in app._notifications if n.title == title]


async def test_a_broken_inventory_stays_shown_with_file_and_line(make_app, tmp_path: Path) -> None:
    inv = tmp_path / "inv.yml"
    inv.write_text(BROKEN)
    app = make_app([str(inv)])
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await ready(pilot)
        await wait_for(pilot, lambda: app.inventory_error is not None)
        where = "inv.yml:6:11"  # the unclosed flow mapping
        assert f"{tmp_path / where}: YAML syntax error" in app.inventory_error
        assert len(_toasts(app, "inventory error")) == 1
        app.load_inventory()  # the file watcher reads the same broken file again: no second toast
        await wait_for(pilot, lambda: not any(w.group == "inventory" and not w.is_finished for w in app.workers))
        assert len(_toasts(app, "inventory error")) == 1, _toasts(app, "inventory error")

        app.clear_notifications()  # the toast expired: the error is still on the screen
        await pilot.pause()
        rows = screen_text(app).splitlines()
        assert f"{where} failed to load" in rows[0], rows[0]
        assert "jobs running 0" in rows[0], rows[0]  # at 80 columns, on one row
        shown = screen_text(app)
        assert "inventory failed to load" in shown and "YAML syntax error" in shown, shown

        app.run_command_line("run all ping")
        await pilot.pause()
        said = [str(n.message) for n in app._notifications if n.severity == "error"]
        assert said and said[-1].startswith("the inventory failed to load: ") and where.split(":")[0] in said[-1], said
        assert not [m for m in said if "no hosts matched" in m], said
        assert not app.services.jobs

        inv.write_text(GOOD)  # fixed: the error goes from the pane and the header
        app.load_inventory()
        await wait_for(pilot, lambda: app.inventory is not None and app.inventory_error is None)
        app.clear_notifications()
        await pilot.pause()
        shown = screen_text(app)
        assert "failed to load" not in shown and "a1" in shown, shown
