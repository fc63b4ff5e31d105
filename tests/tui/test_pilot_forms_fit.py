"""Every form and dialog of the console fits and works on an 80x24 terminal and on a big one
(160x50): each field and button is in view, or comes into view when tab gives it the focus,
and the form is submitted from the keyboard (enter on its primary button, or its key).

"In view" is what the screen draws: :func:`shown` asks the screen which widget is at the
top and the bottom row of a widget's centre column, so a field scrolled out of its form's
body, or a button below the screen's last row, or a row under a docked footer, is not in
view. The walkthrough that found the defect: at 80x24 the ``:play`` form's last fields,
its error line and its keys were below the fold (and it had no buttons at all).
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.errors import NoWidget
from textual.widget import Widget
from textual.widgets import Button, Input
from tuihelpers import enter_command, ready, wait_for

SMALL = (80, 24)
LARGE = (160, 50)
SIZES = [pytest.param(SMALL, id="80x24"), pytest.param(LARGE, id="160x50")]


@pytest.fixture
def make_app(make_app: Any) -> Any:
    """conftest's app with its animations off: a scroll to a newly focused field lands at
    once, so a check after ``pilot.pause()`` never sees it half way (conftest sets
    TEXTUAL_ANIMATIONS=none after textual has read it: the suite's apps animate)."""
    def make(*args: Any, **kw: Any) -> Any:
        app = make_app(*args, **kw)
        app.animation_level = "none"
        return app

    return make


def shown(widget: Widget, whole: bool = True) -> bool:
    """The screen draws ``widget`` on its first and last row (not clipped, not covered);
    ``whole=False``: on its first row (a text taller than the screen)."""
    screen = widget.screen
    region = widget.region
    if not region.area or not screen.region.contains_region(region) and whole:
        return False
    x = region.x + region.width // 2
    for y in (region.y, region.bottom - 1) if whole else (region.y,):
        try:
            at, _ = screen.get_widget_at(x, y)
        except NoWidget:
            return False
        if at is not widget and widget not in at.ancestors:
            return False
    return True


async def tab_to(pilot: Any, target: str, key: str = "tab", limit: int = 40) -> list[str]:
    """Press ``key`` until ``#target`` has the focus; every widget focused on the way must be
    in view. Returns the ids focused, in order."""
    seen: list[str] = []
    for _ in range(limit):
        focused = pilot.app.focused
        assert focused is not None
        assert shown(focused), f"{focused!r} has the focus but is not in view"
        seen.append(str(focused.id))
        if focused.id == target:
            return seen
        await pilot.press(key)
        await pilot.pause()
    raise AssertionError(f"#{target} not reached with {key}: {seen}")


# -- the play form ------------------------------------------------------------------------
PLAY_FIELDS = ["play-limit", "play-tags", "play-extra", "play-check", "play-diff", "play-become",
               "play-become-user", "play-become-pass", "play-run"]


@pytest.mark.parametrize("size", SIZES)
async def test_play_form_buttons_in_view_and_every_field_reached_with_tab(make_app, size: tuple[int, int]) -> None:
    from ftltui.tui.screens.play_form import PlayFormScreen, PlayRequest

    app = make_app()
    results: list[PlayRequest | None] = []
    async with app.run_test(size=size) as pilot:
        await ready(pilot)
        await app.push_screen(PlayFormScreen(["/srv/infra/site.yml", "/srv/infra/deploy.yml"]), results.append)
        await pilot.pause()
        screen = app.screen
        assert shown(screen.query_one("#play-run", Button)) and shown(screen.query_one("#play-cancel", Button))
        await pilot.press("enter")  # the highlighted recent playbook; the focus moves to the limit
        await pilot.press(*"web")
        seen = await tab_to(pilot, "play-run")
        assert seen == PLAY_FIELDS
        await pilot.press("enter")  # the Run button
        await pilot.pause()
    assert len(results) == 1 and results[0] is not None
    assert results[0].path == "/srv/infra/site.yml" and results[0].options["limit"] == "web"


async def test_play_form_error_in_view_and_ctrl_r_runs_from_the_last_field_at_80x24(make_app) -> None:
    from ftltui.tui.screens.play_form import PlayFormScreen, PlayRequest

    app = make_app()
    results: list[PlayRequest | None] = []
    async with app.run_test(size=SMALL) as pilot:
        await ready(pilot)
        await app.push_screen(PlayFormScreen([]), results.append)
        await pilot.pause()
        screen = app.screen
        await tab_to(pilot, "play-become-pass")
        await pilot.press("ctrl+r")  # no playbook chosen: the form says so, in view
        await pilot.pause()
        error = screen.query_one("#play-error")
        assert "choose a playbook file" in str(error.render()) and shown(error) and not results
        await tab_to(pilot, "play-path", key="shift+tab")
        await pilot.press(*"s.yml", "tab", "tab", "ctrl+r")
        await pilot.pause()
    assert len(results) == 1 and results[0] is not None and results[0].path == "s.yml"


async def test_play_form_cancel_button_from_the_keyboard(make_app) -> None:
    from ftltui.tui.screens.play_form import PlayFormScreen, PlayRequest

    app = make_app()
    results: list[PlayRequest | None] = []
    async with app.run_test(size=SMALL) as pilot:
        await ready(pilot)
        await app.push_screen(PlayFormScreen([]), results.append)
        await pilot.pause()
        await pilot.press(*"s.yml")
        await tab_to(pilot, "play-cancel")
        await pilot.press("enter")
        await pilot.pause()
    assert results == [None]


# -- the vars_prompt answers ----------------------------------------------------------------
def _prompts() -> list[Any]:
    from ftltui.tui.screens.prompt_vars import Prompt

    return [Prompt(f"v{i}", f"question {i}?", private=i != 1, confirm=i % 2 == 0) for i in range(5)]


def _question_shown(screen: Any, field: Widget) -> bool:
    """The question of a prompt field (the text above it, in its group) is in view too."""
    group = field.parent
    assert group is not None and group.has_class("prompt")
    return shown(group.query_one(".prompt-text"))


@pytest.mark.parametrize("size", SIZES)
async def test_vars_prompts_every_field_with_its_question_in_view_and_answer_button(
        make_app, size: tuple[int, int]) -> None:
    from ftltui.tui.screens.prompt_vars import Answers, VarsPromptScreen

    app = make_app()
    results: list[Answers | None] = []
    async with app.run_test(size=size) as pilot:
        await ready(pilot)
        await app.push_screen(VarsPromptScreen("site.yml", _prompts()), results.append)
        await pilot.pause()
        screen = app.screen
        assert shown(screen.query_one("#prompts-answer", Button))
        assert app.focused is screen.query_one("#prompt-0", Input) and _question_shown(screen, app.focused)
        for _ in range(8):  # type into every field (confirmations match), tab to the next
            field = app.focused
            assert isinstance(field, Input) and shown(field) and _question_shown(screen, field), field
            await pilot.press("a", "tab")
            await pilot.pause()
        assert app.focused is screen.query_one("#prompts-answer", Button) and shown(app.focused)
        # back up with shift+tab: each field comes back into view with its question
        for _ in range(8):
            await pilot.press("shift+tab")
            await pilot.pause()
            assert isinstance(app.focused, Input) and shown(app.focused) and _question_shown(screen, app.focused)
        assert app.focused.id == "prompt-0"
        await tab_to(pilot, "prompts-answer")
        await pilot.press("enter")
        await pilot.pause()
    assert len(results) == 1 and results[0] is not None
    assert results[0].values == {f"v{i}": "a" for i in range(5)}


async def test_vars_prompts_mismatch_error_in_view_at_80x24(make_app) -> None:
    from ftltui.tui.screens.prompt_vars import Answers, VarsPromptScreen

    app = make_app()
    results: list[Answers | None] = []
    async with app.run_test(size=SMALL) as pilot:
        await ready(pilot)
        await app.push_screen(VarsPromptScreen("site.yml", _prompts()), results.append)
        await pilot.pause()
        screen = app.screen
        screen.query_one("#prompt-4", Input).value = "x"  # its confirmation stays empty
        await pilot.press("ctrl+r")
        await pilot.pause()
        error = screen.query_one("#prompts-error")
        assert "do not match" in str(error.render()) and shown(error) and not results
        assert app.focused is screen.query_one("#prompt-4", Input) and shown(app.focused)


# -- the run form -----------------------------------------------------------------------------
@pytest.mark.parametrize("size", SIZES)
async def test_run_form_run_button_in_view_and_reached_with_tab(make_app, size: tuple[int, int]) -> None:
    from ftltui.tui.screens.run_form import RunFormScreen, RunRequest

    app = make_app()
    results: list[RunRequest | None] = []
    async with app.run_test(size=size) as pilot:
        await ready(pilot)
        await app.push_screen(RunFormScreen(["localhost"], "localhost", module="command"), results.append)
        await pilot.pause()
        screen = app.screen
        run = screen.query_one("#run-submit", Button)
        assert shown(run) and run.disabled  # no command yet
        assert app.focused is screen.query_one("#arg-cmd", Input)
        await pilot.press(*"echo hi", "ctrl+b")  # the become row shows: the buttons stay in view
        await pilot.pause()
        assert shown(run) and not run.disabled
        await pilot.press("ctrl+b")  # become off again (it would ask for a password)
        await tab_to(pilot, "run-submit")
        await pilot.press("enter")
        await pilot.pause()
    assert len(results) == 1 and results[0] is not None
    assert results[0].module == "command" and results[0].args == {"cmd": "echo hi"}


# -- the secret prompt and the yes/no questions -----------------------------------------------
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("words", [30, 400], ids=["label", "label-taller-than-the-screen"])
async def test_secret_prompt_fits(make_app, size: tuple[int, int], words: int) -> None:
    from ftltui.tui.screens.secret_prompt import SecretPrompt

    app = make_app()
    results: list[str | None] = []
    label = "Password for vault id '" + "prod-" * words + "':"  # a long id wraps, the buttons stay
    async with app.run_test(size=size) as pilot:
        await ready(pilot)
        await app.push_screen(SecretPrompt("Vault password", label), results.append)
        await pilot.pause()
        screen = app.screen
        assert shown(screen.query_one("#secret-input", Input))
        assert shown(screen.query_one("#secret-ok", Button)) and shown(screen.query_one("#secret-cancel", Button))
        if words == 400:  # the label's first row comes back with pageup (the field keeps the focus)
            body = screen.query_one("#secret-body")
            await pilot.press(*["pageup"] * (body.max_scroll_y // 10 + 1))
            await pilot.pause()
            assert body.scroll_y == 0 and shown(screen.query_one("#secret-label"), whole=False)
            assert app.focused is screen.query_one("#secret-input", Input)
            await pilot.press("pagedown")
        await pilot.press(*"pw", "tab")
        assert app.focused is screen.query_one("#secret-ok", Button)
        await pilot.press("enter")
        await pilot.pause()
    assert results == ["pw"]


LONG_QUESTION = ("Remove schedule 7 (0 3 * * *: play site.yml " + " ".join(f"-e key{i}=value{i}" for i in range(60))
                 + ")?")


@pytest.mark.parametrize("size", SIZES)
async def test_confirm_buttons_in_view_with_a_long_question(make_app, size: tuple[int, int]) -> None:
    from ftltui.tui.screens.confirm import ConfirmScreen

    app = make_app()
    results: list[bool | None] = []
    async with app.run_test(size=size) as pilot:
        await ready(pilot)
        await app.push_screen(ConfirmScreen(LONG_QUESTION), results.append)
        await pilot.pause()
        screen = app.screen
        yes, no = screen.query_one("#confirm-yes", Button), screen.query_one("#confirm-no", Button)
        assert shown(yes) and shown(no) and app.focused is no
        body = screen.query_one("#confirm-body")
        await pilot.press("end")  # the end of a question longer than the screen comes into view
        await pilot.pause()
        assert body.scroll_y == body.max_scroll_y
        await pilot.press("tab", "enter")
        await pilot.pause()
    assert results == [True]


async def test_quit_question_with_running_and_queued_jobs_fits_at_80x24(make_app) -> None:
    from ftltui.tui.app import QuitScreen

    question = ("2 job(s) still running: quitting cancels them. 3 queued: they stay queued and run when "
                "ftl-tui next opens this state directory (c: quit and cancel them too). Quit?")
    app = make_app()
    results: list[bool | None] = []
    async with app.run_test(size=SMALL) as pilot:
        await ready(pilot)
        screen = QuitScreen(question)
        await app.push_screen(screen, results.append)
        await pilot.pause()
        assert shown(screen.query_one("#confirm-yes", Button)) and shown(screen.query_one("#confirm-no", Button))
        assert shown(screen.query_one("#confirm-question"))
        await pilot.press("c")
        await pilot.pause()
    assert results == [True] and screen.cancel_queued


# -- the pause bar of a playbook job (a prompt to answer) ------------------------------------
PAUSE_BOOK = """\
- hosts: localhost
  gather_facts: false
  tasks:
    - name: ask
      pause: {prompt: "%s"}
      register: asked
    - copy: {dest: "{{ out }}", content: "{{ asked.user_input }}"}
"""


async def test_pause_bar_with_a_long_prompt_fits_at_80x24(make_app, tmp_path: Any,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from ftltui.tui.screens.play_job import PlayJobScreen

    prompt = "Type the change ticket for this deploy " * 12  # about 470 characters: seven rows at 80
    (tmp_path / "site.yml").write_text(PAUSE_BOOK % prompt.strip())
    monkeypatch.chdir(tmp_path)
    app = make_app(state_dir=tmp_path / "state")
    async with app.run_test(size=SMALL) as pilot:
        await ready(pilot)
        await enter_command(pilot, "play site.yml -l localhost -e out=out.txt")
        await wait_for(pilot, lambda: bool(app.services.pauses.waiting(1)))
        await pilot.press("4", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PlayJobScreen))
        field = app.screen.query_one("#pause-input", Input)
        await wait_for(pilot, lambda: app.focused is field)
        assert shown(field) and shown(app.screen.query_one("#pause-keys"))
        assert shown(app.screen.query_one("#play-matrix"))  # the matrix keeps some rows
        await pilot.press(*"CHG-1", "enter")
        done = ("succeeded", "failed", "dead", "cancelled")
        await wait_for(pilot, lambda: app.services.jobs[1].state in done)
        job = app.services.jobs[1]
    assert job.state == "succeeded", job.reason
    assert (tmp_path / "out.txt").read_text() == "CHG-1"


# -- the drift drill-down and help: viewers whose every line is reached with the keyboard ------
@pytest.mark.parametrize("size", SIZES)
async def test_drift_drilldown_detail_reached_with_tab_and_scrolled_to_its_end(make_app, size: tuple[int, int]) -> None:
    from ftltui.drift.model import Change, FieldChange
    from ftltui.tui.screens.confirm import ConfirmScreen
    from ftltui.tui.screens.drift_host import DriftHostScreen

    diff = "--- before\n+++ after\n" + "".join(f"-line {j}\n+LINE {j}\n" for j in range(40))
    changes = [Change("web1.example.invalid", "file", f"/etc/app{i}.conf", "modified",
                      [FieldChange("mode", "0644", "0666")], diff=diff, category="config", severity="high")
               for i in range(30)]
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await ready(pilot)
        await app.push_screen(DriftHostScreen("web1.example.invalid", changes, "baseline"))
        await pilot.pause()
        screen = app.screen
        await pilot.press("end")  # the last change of the list, in view
        await pilot.pause()
        last = screen.query_one("#change-list")
        assert last.highlighted == 29 and shown(last)
        await pilot.press("tab")
        detail = screen.query_one("#change-detail")
        assert app.focused is detail and shown(detail)
        await pilot.press("end")
        await pilot.pause()
        assert detail.max_scroll_y > 0 and detail.scroll_y == detail.max_scroll_y
        await pilot.press("a")  # accept: the drill-down closes and the question is asked, in view
        await pilot.pause()
        question = app.screen
        assert isinstance(question, ConfirmScreen) and "Accept the drift shown now on web1" in question.question
        assert shown(question.query_one("#confirm-yes")) and shown(question.query_one("#confirm-no"))
        await pilot.press("n")
        await pilot.pause()
        assert not isinstance(app.screen, (ConfirmScreen, DriftHostScreen))


@pytest.mark.parametrize("size", SIZES)
async def test_help_last_line_reached_with_the_keyboard(make_app, size: tuple[int, int]) -> None:
    from ftltui.tui.screens.help import HelpScreen

    app = make_app()
    async with app.run_test(size=size) as pilot:
        await ready(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, HelpScreen) and shown(screen.query_one("#help-hint"))
        await pilot.press("G")
        await pilot.pause()
        last = list(screen.query_one("#help-body").children)[-1]
        assert shown(last)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)


@pytest.mark.parametrize("size", SIZES)
async def test_host_detail_keys_in_view_and_last_var_reached(make_app, size: tuple[int, int]) -> None:
    from ftltui.inventory.model import Host
    from ftltui.tui.screens.host_detail import HostDetailScreen

    host = Host("web1.example.invalid", {f"var_{i:03}": f"value {i}" for i in range(120)}, ("web",))
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await ready(pilot)
        await app.push_screen(HostDetailScreen(host, "ok", None))
        await pilot.pause()
        screen = app.screen
        hint, body = screen.query_one(".detail-hint"), screen.query_one(".detail-body")
        assert shown(hint) and app.focused is body
        await pilot.press("end")
        await pilot.pause()
        assert body.max_scroll_y > 0 and body.scroll_y == body.max_scroll_y and shown(hint)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HostDetailScreen)


# -- schedule add: the Schedules view's a opens the command line, in view, prefilled -----------
async def test_schedule_add_from_the_view_at_80x24(make_app) -> None:
    from ftltui.tui.screens.schedules import SchedulesScreen
    from ftltui.tui.widgets.command_line import CommandLine

    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await ready(pilot)
        app.run_command_line("schedule")
        await wait_for(pilot, lambda: isinstance(app.screen, SchedulesScreen))
        await pilot.press("a")
        line = app.main.query_one(CommandLine)
        await wait_for(pilot, lambda: app.focused is line)
        # its text row is drawn (the bottom border row sits under the key footer: both dock at the bottom)
        at, _ = app.screen.get_widget_at(line.region.x + 1, line.region.y + 1)
        assert line.value == "schedule add " and at is line
        await pilot.press(*"@hourly run local -m ping", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, SchedulesScreen)
                       and app.screen.query_one("#schedules-table").row_count == 1)
        assert shown(app.screen.query_one("#schedules-table"))


async def test_a_prefilled_command_line_is_continued_by_the_next_key(make_app) -> None:
    """What the palette's "type the rest" entries open (``:play …``): the prefill stays."""
    from ftltui.tui.widgets.command_line import CommandLine

    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await ready(pilot)
        app.open_command_line("play ")
        line = app.main.query_one(CommandLine)
        await wait_for(pilot, lambda: app.focused is line)
        await pilot.press(*"s.yml")
        assert line.value == "play s.yml"
