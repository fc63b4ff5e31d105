"""Typed and remote text is shown literally: never read as Textual markup (issue 12, defect 2).

The real app, the real engine (local hosts run in-process), a real inventory file:
markup-like strings go in through the ``:`` line, the inventory (group names,
variables), an inventory error and a host's output; the app must stay up and the
screen must show the brackets as typed.
"""

from __future__ import annotations

from pathlib import Path

from tuihelpers import ready, screen_text, wait_for

SIZE = (160, 50)
TRAPS = ("[/]", "[b]bold[/b]", "[@click=app.quit]x[/]", "[red]")

INVENTORY = """\
all:
  children:
    "[b]grp[/b]":
      hosts:
        "m]1":
          ansible_connection: local
          note: "[@click=app.quit]x[/] [red]"
        "esc\\e]0;pwned\\ahost":
          ansible_connection: local
          note: plain
"""


async def _type(pilot, line: str) -> None:
    await pilot.press("colon", *line, "enter")
    await pilot.pause()


async def test_typed_commands_with_markup_stay_literal(make_app, tmp_path: Path) -> None:
    app = make_app()
    typed = {  # the : line -> what its notification must show
        "run [/] ping": "no hosts matched '[/]'",  # this closed the app with MarkupError
        "run [@click=app.quit]x[/] ping": "no hosts matched '[@click=app.quit]x[/]'",
        "theme [b]dark[/b]": "unknown theme '[b]dark[/b]'",
        # the closing tag: "[red]out[" is a directory made below, so the path is valid
        f"logs save {tmp_path}/[red]out[/red].log": "[red]out[/red].log",
    }
    (tmp_path / "[red]out[").mkdir()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        for line, shown in typed.items():
            await _type(pilot, line)
            await pilot.pause(0.2)
            assert app.is_running and app.return_value is None
            assert shown in screen_text(app)
            app.clear_notifications()
        assert (tmp_path / "[red]out[" / "red].log").exists()


async def test_inventory_names_vars_and_remote_output_stay_literal(make_app, tmp_path: Path) -> None:
    inv = tmp_path / "hosts.yml"
    inv.write_text(INVENTORY)
    app = make_app([str(inv)])
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        assert "[b]grp[/b] (2)" in screen_text(app)  # a group name, in the tree
        echo = " ".join(TRAPS)
        await _type(pilot, f"run all shell echo '{{{{ note }}}}' '{echo}'")
        await wait_for(pilot, lambda: app.services.jobs and all(
            j.state == "succeeded" for j in app.services.jobs.values()))
        await pilot.pause(0.3)
        assert app.is_running
        logs = screen_text(app)
        assert f"m]1 | [@click=app.quit]x[/] [red] {echo}" in logs  # remote output, templated var
        assert f"eschost | plain {echo}" in logs  # an escape in a host name is dropped, not sent
        assert not any("\x1b" in ln or "\x07" in ln for ln in app.main.pane("logs").main().lines)
        await pilot.press("1")  # the tree's labels follow statuses while it is shown (issue 17)
        await pilot.pause()
        tree = app.main.pane("inventory").main()
        labels = [str(n.label) for n in tree._tree_nodes.values()]
        assert any(lb.endswith("eschost  changed") for lb in labels) and not any("\x1b" in lb for lb in labels)
        await pilot.press("1", "g", "j", "j", "enter")  # m]1's details: its vars
        await pilot.pause()
        assert "note: [@click=app.quit]x[/] [red]" in screen_text(app)
        assert app.is_running


async def test_inventory_error_with_brackets_is_shown_not_parsed(make_app, tmp_path: Path) -> None:
    inv = tmp_path / "broken.yml"
    inv.write_text('all:\n  hosts:\n    "[/]":\n      ansible_connection: local\n')
    app = make_app([str(inv)])
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        await pilot.pause(0.3)
        assert app.is_running and app.inventory_error
        assert "host range '[/]'" in screen_text(app)

