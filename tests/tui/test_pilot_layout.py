"""The console on a small terminal and on any theme (issue 12, defects 12, 13, 15).

Every screen fits 80x24 with its controls in view; the header's brand and active tab
carry their own theme colours; host names never take a status colour; help lists the
app's keys first and scrolls with the keyboard; a confirm answers what its highlighted
button says; a finished job is not offered for cancelling; finished jobs read
differently by outcome.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.color import Color as RichColor
from tuihelpers import ready, screen_text, wait_for

from ftltui.tui.screens.confirm import ConfirmScreen
from ftltui.tui.screens.help import CLOSE_HINT, HelpScreen

SMALL = (80, 24)


def _inside(widget: Any, size: tuple[int, int] = SMALL) -> bool:
    r = widget.region
    return r.width > 0 and r.height > 0 and r.x >= 0 and r.y >= 0 and r.right <= size[0] and r.bottom <= size[1]


def _luminance(c: RichColor) -> float:
    def lin(v: int) -> float:
        s = v / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    t = c.get_truecolor()
    return 0.2126 * lin(t.red) + 0.7152 * lin(t.green) + 0.0722 * lin(t.blue)


def _contrast(a: RichColor, b: RichColor) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


# -- defect 12: every screen at 80x24 ---------------------------------------------------
async def test_every_dialog_fits_80x24(make_app) -> None:
    from ftltui.drift.model import Change, FieldChange
    from ftltui.tui.screens.drift_host import DriftHostScreen

    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await ready(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert _inside(app.screen.query_one("#help-box"))
        text = screen_text(app)
        assert "inventory.details" in text and "inventory.mark" in text  # the id column is not cut off
        await pilot.press("escape", "slash", "d", "b", "1", "enter", "j", "j", "enter")  # host details
        await pilot.pause()
        assert "ansible_password: ********" in screen_text(app)
        assert _inside(app.screen.query_one("#host-detail"))
        await pilot.press("escape")
        app.run_command_line("run localhost command echo hi")
        await wait_for(pilot, lambda: app.services.jobs and app.services.jobs[1].state == "succeeded")
        await pilot.press("4", "enter")
        await pilot.pause()
        assert _inside(app.screen.query_one("#job-detail"))
        await pilot.press("escape")
        change = Change("web1.example.invalid", "file", "/etc/app.conf", "modified",
                        [FieldChange("mode", "0644", "0666")], category="config", severity="high")
        await app.push_screen(DriftHostScreen("web1.example.invalid", [change], "baseline"))
        await pilot.pause()
        assert _inside(app.screen.query_one("#drift-detail"))
        await pilot.press("escape")
        await app.push_screen(ConfirmScreen("Purge finished job 1 from the list?"))
        await pilot.pause()
        assert _inside(app.screen.query_one("#confirm-box"))
        assert _inside(app.screen.query_one("#confirm-yes")) and _inside(app.screen.query_one("#confirm-no"))


async def test_run_form_keeps_title_check_mode_and_run_button_in_view_at_80x24(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await ready(pilot)
        await pilot.press("space", "r", "c", "o", "m", "enter")  # choose `command`: the cmd field takes focus
        await pilot.pause()
        screen = app.screen
        assert _inside(screen.query_one("#run-form"))
        for wid in ("#run-title", "#module-input", "#check-switch", "#run-submit", "#run-cancel"):
            assert _inside(screen.query_one(wid)), wid
        assert screen.scroll_offset.y == 0  # the dialog fits: the screen itself never scrolls
        text = screen_text(app)
        assert "Run on" in text and "check mode" in text and "Run (ctrl+r)" in text
        await pilot.press("tab", "tab", "tab", "tab")  # moving through the fields keeps them in view
        await pilot.pause()
        assert screen.scroll_offset.y == 0 and _inside(screen.query_one("#run-title"))


async def test_inventory_tree_takes_the_width_its_names_need_and_marks_cut_names(make_app, tmp_path: Path) -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await ready(pilot)
        tree = app.main.query_one("#inventory-tree")
        details = app.main.query_one("#inventory-details-box")
        longest = tree.virtual_size.width
        assert tree.size.width >= longest  # every name whole...
        assert tree.region.width <= longest + 3  # ...and no wider than they need (border, scrollbar)
        assert details.region.width > tree.region.width
        app.main.pane("inventory").set_status({"bastion.example.invalid": "unreachable"})
        await pilot.pause()
        await pilot.pause()
        assert tree.virtual_size.width > longest  # a status word appended: the lines are measured again
        assert tree.size.width >= tree.virtual_size.width  # ...and the tree grew to show it
        assert "bastion.example.invalid  unreachable" in screen_text(app)
    long_name = "app-server-frontend-01.prod.eu-west-1.example.com"
    inv = tmp_path / "long.yml"
    inv.write_text(f"all:\n  children:\n    frontend:\n      hosts:\n        {long_name}:\n"
                   "          ansible_connection: local\n        web2:\n          ansible_connection: local\n")
    app = make_app([str(inv)])
    async with app.run_test(size=SMALL) as pilot:
        await ready(pilot)
        tree = app.main.query_one("#inventory-tree")
        assert tree.region.width < SMALL[0] * 0.7  # the details keep room
        lines = [tree.render_line(y).text for y in range(tree.size.height)]
        cut = [ln for ln in lines if "app-server" in ln]
        assert cut and cut[0].rstrip().endswith("…") and long_name not in cut[0]
        assert any(ln.rstrip().endswith("web2") for ln in lines)  # a name that fits has no ellipsis


# -- defect 13: theme colours for the header; host names never in a status colour ---------
async def test_brand_and_active_tab_have_their_own_theme_background(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await ready(pilot)
        themes = list(app.ftl_theme_names) + ["textual-dark", "textual-light"]
        assert {"ftl-dark", "ftl-light", "ftl-high-contrast"} <= set(themes)
        for theme in themes:
            app.theme = theme
            await pilot.pause()
            await pilot.pause()
            header = app.main.query_one("#header")
            for y, label in ((0, " ftl-tui "), (1, " 1 Inventory ")):
                segs = [s for s in header.render_line(y) if s.text == label]
                assert segs, (theme, label)
                style = segs[0].style
                assert not style.reverse, (theme, label)  # reverse takes the terminal's default colours
                assert style.bgcolor is not None and style.color is not None, (theme, label)
                assert style.bgcolor != header.rich_style.bgcolor, (theme, label)  # stands out of the header
                assert _contrast(style.color, style.bgcolor) >= 3.0, (theme, label, str(style))


async def test_host_names_in_the_logs_never_take_a_status_colour(make_app) -> None:
    app = make_app()
    hosts = [f"host{i:02d}.example.invalid" for i in range(60)]
    async with app.run_test(size=(120, 70)) as pilot:
        await ready(pilot)
        for h in hosts:
            app._pending.append(("1", h, "stdout", "healthy"))
        await pilot.press("2")
        await wait_for(pilot, lambda: app.events_seen >= len(hosts))
        theme = app.current_theme
        status_hex = {RichColor.parse(c).get_truecolor() for c in (theme.success, theme.warning, theme.error)}
        status_names = {"red", "green", "yellow", "bright_red", "bright_green", "bright_yellow"}
        view = app.main.query_one("#logs-view")
        seen = 0
        for y in range(view.size.height):
            for seg in view.render_line(y):
                if seg.text in hosts:
                    seen += 1
                    colour = seg.style.color
                    assert colour is not None
                    assert colour.name not in status_names, (seg.text, colour.name)
                    assert colour.get_truecolor() not in status_hex, (seg.text, colour)
        assert seen >= 50


# -- defect 15: help, confirm, cancel on a finished job, progress per outcome -----------
async def test_help_shows_app_keys_first_close_hint_on_top_and_scrolls(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await ready(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        rows = help_screen.bindings_list
        ids = [bid for _, _, bid in rows]
        last_own = max(i for i, bid in enumerate(ids) if bid)
        assert all(ids[: last_own + 1]), "a Textual built-in is listed before the app's own keys"
        titles = [t for t, _ in help_screen.sections]
        assert titles[0] == "Keys: inventory pane" and titles[1] == "Keys: everywhere"
        own = [bid for _, _, bid in help_screen.sections[0][1]]
        assert own[0].startswith("inventory.") and "app.quit" not in own
        assert "app.quit" in [bid for _, _, bid in help_screen.sections[1][1]]
        lines = screen_text(app).splitlines()
        hint_row = next(i for i, ln in enumerate(lines) if CLOSE_HINT[:20] in ln)
        keys_row = next(i for i, ln in enumerate(lines) if "Keys: inventory pane" in ln)
        assert hint_row < keys_row <= 3  # the close hint is on top, in view
        body = help_screen.query_one("#help-body")
        assert body.max_scroll_y > 5
        await pilot.press("j", "j")
        assert body.scroll_y == 2
        await pilot.press("k")
        assert body.scroll_y == 1
        await pilot.press("G")
        assert body.scroll_y == body.max_scroll_y
        assert CLOSE_HINT[:20] in screen_text(app)  # still in view at the bottom
        await pilot.press("g")
        assert body.scroll_y == 0
        await pilot.press("pagedown")
        assert body.scroll_y > 5
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_confirm_enter_does_what_the_highlighted_button_says(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await ready(pilot)
        answers: list[Any] = []

        async def ask(*keys: str) -> Any:
            app.push_screen(ConfirmScreen("Cancel job 9?"), answers.append)
            await pilot.pause()
            await pilot.press(*keys)
            await pilot.pause()
            assert not isinstance(app.screen, ConfirmScreen)
            return answers[-1]

        assert await ask("enter") is False  # "No" is highlighted first
        assert await ask("tab", "enter") is True
        assert await ask("left", "enter") is True
        assert await ask("left", "right", "enter") is False
        assert await ask("y") is True
        assert await ask("n") is False
        assert await ask("tab", "escape") is False
        app.push_screen(ConfirmScreen("Cancel job 9?"), answers.append)
        await pilot.pause()
        assert app.screen.focused is app.screen.query_one("#confirm-no")
        assert "No (n)" in screen_text(app) and "Yes (y)" in screen_text(app)


async def test_finished_jobs_are_not_offered_for_cancel_and_read_differently(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        app.run_command_line("run localhost command echo hi")
        app.run_command_line("run localhost command false")
        app.run_command_line("run localhost command sleep 30")
        jobs = app.services.jobs
        await wait_for(pilot, lambda: len(jobs) == 3 and jobs[3].state == "running")
        await app.services.cancel(3)
        await wait_for(pilot, lambda: [j.state for _, j in sorted(jobs.items())] == ["succeeded", "failed",
                                                                                       "cancelled"])
        await pilot.press("4", "g")
        await pilot.pause()
        app.clear_notifications()
        await pilot.press("c")  # job 1 succeeded: nothing to cancel, no question
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen)
        notes = [n.message for n in app._notifications]
        assert any("job 1 already finished (succeeded)" in m for m in notes), notes
        app.run_command_line("jobs cancel 2")  # the same rule on the : line
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen)

        pane = app.main.pane("jobs")
        table = pane.main()
        for theme in ("ftl-dark", "ftl-light"):
            app.theme = theme
            await pilot.pause()
            await pilot.pause()
            cells = {s: table.get_cell(str(i), "progress") for i, s in ((1, "succeeded"), (2, "failed"),
                                                                        (3, "cancelled"))}
            styles = {s: c.style for s, c in cells.items()}
            assert len({str(s) for s in styles.values()}) == 3, styles  # three outcomes, three looks
            assert len({c.plain[:1] for c in cells.values()}) == 3  # and an icon each (no colour needed)
            t = app.current_theme
            assert _near(styles["succeeded"].color, t.success) and _near(styles["failed"].color, t.error)


def _near(colour: RichColor, hex_colour: str) -> bool:
    """Same colour give or take Textual's rounding (one unit per channel)."""
    a, b = colour.get_truecolor(), RichColor.parse(hex_colour).get_truecolor()
    return all(abs(x - y) <= 2 for x, y in zip(a, b))
