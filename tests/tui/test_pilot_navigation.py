"""Pilot tests: panes, help, filters, command line, palette, themes, keymap, quit."""

from __future__ import annotations

from pathlib import Path

from tuihelpers import ready, wait_for

from ftltui.tui.screens.confirm import ConfirmScreen
from ftltui.tui.screens.help import HelpScreen

SIZE = (120, 40)


async def test_number_keys_and_tab_cycle_panes(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert app.main.current == "inventory"
        await pilot.press("2")
        assert app.main.current == "logs" and app.focused.id == "logs-view"
        await pilot.press("4")
        assert app.main.current == "jobs" and app.focused.id == "jobs-table"
        await pilot.press("tab")
        assert app.main.current == "inventory"
        await pilot.press("shift+tab", "shift+tab")
        assert app.main.current == "drift"


async def test_help_lists_focused_pane_bindings_and_commands(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("2", "question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        ids = {bid for _, _, bid in app.screen.bindings_list}
        assert {"logs.follow", "logs.search", "pane.filter", "app.quit"} <= ids
        assert "inventory.mark" not in ids
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("1", "question_mark")
        await pilot.pause()
        assert "inventory.mark" in {bid for _, _, bid in app.screen.bindings_list}


async def test_filter_regex_invert_clear_and_persist(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        pane = app.main.pane("inventory")

        def shown() -> set[str]:
            return set(pane._host_nodes)

        await pilot.press("slash", *"^web", "enter")
        assert shown() == {"web1.example.invalid", "web2.example.invalid"}
        await pilot.press("2", "1")  # leave and come back: the filter stays
        assert pane.filter.text == "^web" and shown() == {"web1.example.invalid", "web2.example.invalid"}
        await pilot.press("slash", "home", "exclamation_mark", "enter")
        assert pane.filter.text == "!^web"
        assert "web1.example.invalid" not in shown() and "localhost" in shown()
        await pilot.press("slash", "escape")
        assert pane.filter.text == "" and len(shown()) == 5


async def test_jk_g_G_move_in_lists(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        tree = app.main.pane("inventory").main()
        await pilot.press("j", "j")
        assert tree.cursor_line == 2
        await pilot.press("k")
        assert tree.cursor_line == 1
        await pilot.press("G")
        assert tree.cursor_node.data == ("host", "bastion.example.invalid")
        await pilot.press("g")
        assert tree.cursor_line == 0


async def test_command_line_history_and_completion(make_app, tmp_path: Path) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        cl = app.main.query_one("#command-line")
        await pilot.press("colon", *"pane drift", "enter")
        assert app.main.current == "drift" and not cl.has_class("-open")
        await pilot.press("colon", *"th", "tab")
        assert cl.value == "theme "
        await pilot.press(*"ftl-l", "tab")
        assert cl.value == "theme ftl-light "
        await pilot.press("enter")
        assert app.theme == "ftl-light"
        await pilot.press("colon", "up")
        assert cl.value == "theme ftl-light"
        await pilot.press("up")
        assert cl.value == "pane drift"
        await pilot.press("escape")
        assert not cl.has_class("-open")
        await pilot.press("colon", *"bogus", "enter")
        await pilot.pause()
        assert any("unknown command" in n.message for n in app._notifications)
    assert (app.state_dir / "command_history").read_text().splitlines() == ["pane drift", "theme ftl-light",
                                                                         "bogus"]


async def test_palette_runs_registry_commands(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"pane jobs")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.main.current == "jobs")


async def test_theme_persists_across_runs(make_app, tmp_path: Path) -> None:
    state = tmp_path / "st"
    app = make_app(state_dir=state, snapshot_mode=False)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert app.theme == "ftl-dark"
        app.run_command_line("theme ftl-high-contrast")
        assert app.theme == "ftl-high-contrast"
    app2 = make_app(state_dir=state, snapshot_mode=False)
    async with app2.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert app2.theme == "ftl-high-contrast"
        assert {"ftl-dark", "ftl-light", "ftl-high-contrast"} <= set(app2.available_themes)


async def test_keymap_yaml_remaps_binding_ids(make_app, tmp_path: Path) -> None:
    state = tmp_path / "km"
    state.mkdir()
    (state / "keymap.yaml").write_text("pane.jobs: f4\n")
    app = make_app(state_dir=state)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("4")
        assert app.main.current == "inventory"  # 4 no longer bound
        await pilot.press("f4")
        assert app.main.current == "jobs"


async def test_quit_asks_when_jobs_run(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.run_command_line("run localhost command sleep 30")
        await wait_for(pilot, lambda: app.services.running() == 1)
        await pilot.press("2", "q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        assert app.is_running and not isinstance(app.screen, ConfirmScreen)
        await pilot.press("q", "y")
        await pilot.pause()
    assert app.return_value == 0


async def test_quit_without_jobs_is_immediate(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("q")
        await pilot.pause()
    assert app.return_value == 0
