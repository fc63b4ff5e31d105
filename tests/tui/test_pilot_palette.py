"""The ctrl+p palette and every way out go through the app's rules (issue 12, defect 3).

Quit from Textual's built-in palette entry exited at once and cancelled running jobs;
the palette offered Textual's Keys/Maximize/Screenshot/Theme beside the app's own
commands, and typing ``run`` found nothing. The real app, real jobs (a local
``sleep``), the real palette driven by keys.
"""

from __future__ import annotations

from tuihelpers import ready, screen_text, wait_for

from ftltui.tui.screens.confirm import ConfirmScreen
from ftltui.tui.screens.run_form import RunFormScreen

SIZE = (120, 40)
BUILT_INS = ("Quit", "Keys", "Maximize", "Screenshot", "Theme")


async def _palette_prompts(pilot, query: str) -> list[str]:
    """Open the palette, type ``query``; the plain text of every entry it lists."""
    from textual.command import CommandList

    await pilot.press("ctrl+p")
    await pilot.pause()
    if query:
        await pilot.press(*query)
    await pilot.pause(0.5)
    options = pilot.app.screen.query_one(CommandList)
    return [str(options.get_option_at_index(i).prompt).split("\n")[0] for i in range(options.option_count)]


async def _start_sleep(app, pilot) -> None:
    app.run_command_line("run localhost command sleep 30")
    await wait_for(pilot, lambda: app.services.running() == 1)


async def test_no_builtin_entries_and_quit_asks_from_the_palette(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await _start_sleep(app, pilot)
        shown = await _palette_prompts(pilot, "")
        assert shown and not any(p.strip() in BUILT_INS for p in shown), shown
        await pilot.press("escape")
        quits = await _palette_prompts(pilot, "quit")
        assert quits[0] == ":quit", quits
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert app.is_running and app.services.running() == 1  # asked, nothing cancelled
        await pilot.press("n")
        await pilot.pause()
        assert app.is_running and not isinstance(app.screen, ConfirmScreen)


async def test_ctrl_q_asks_too_and_only_once(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await _start_sleep(app, pilot)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen) and app.is_running
        await pilot.press("ctrl+q")  # a second ctrl+q does not stack a second question
        await pilot.pause()
        assert sum(isinstance(s, ConfirmScreen) for s in app.screen_stack) == 1
        await pilot.press("y")
        await pilot.pause()
    assert app.return_value == 0


async def test_typing_run_in_the_palette_finds_the_run_form(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        shown = await _palette_prompts(pilot, "run")
        assert shown[:2] == [":run", ":run …"], shown
        assert "type the rest: run [PATTERN [MODULE [k=v ...]]]" in screen_text(app)  # help, not markup
        await pilot.press("enter")  # the first: the run form, on the Inventory's selection
        await wait_for(pilot, lambda: isinstance(app.screen, RunFormScreen))
        assert app.screen.hosts == list(app.inventory.hosts)  # the cursor is on "all"
        await pilot.press("escape")
        await pilot.pause()
        await _palette_prompts(pilot, "play")
        await pilot.press("enter")  # needs a file: the : line opens with "play " typed
        cl = app.main.query_one("#command-line")
        await wait_for(pilot, lambda: cl.has_focus and cl.value == "play ")
        await pilot.press("escape")
        await _palette_prompts(pilot, "drift scan")
        await pilot.press("enter")
        await wait_for(pilot, lambda: any(j.kind == "drift_scan" for j in app.services.jobs.values()))


async def test_run_with_a_pattern_only_opens_the_form_on_it(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("colon", *"run web", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, RunFormScreen))
        assert app.screen.hosts == ["web1.example.invalid", "web2.example.invalid"]
