"""SVG snapshots of every pane, the run form, the help screen, the command line and each theme,
at 120x40 and at 80x24 (the smallest common terminal: every screen must work there).

Deterministic: fixed clock, checked-in inventory, no watchers, no cursor blink,
TEXTUAL_ANIMATIONS=none, durations hidden in snapshot mode. Update with
``pytest tests/tui --snapshot-update`` (always the whole directory).
"""

from __future__ import annotations

from typing import Any

import pytest
from tuihelpers import ready, wait_for

SIZE = (120, 40)


def _after_ready(*keys: str):
    async def run_before(pilot: Any) -> None:
        await ready(pilot)
        for k in keys:
            await pilot.press(k)
            await pilot.pause()

    return run_before


def test_inventory_pane(snap_compare, make_app) -> None:
    assert snap_compare(make_app(), run_before=_after_ready("j", "j", "j", "j"), terminal_size=SIZE)


def test_inventory_marked_and_filtered(snap_compare, make_app) -> None:
    keys = ["slash", "w", "e", "b", "enter", "j", "space", "space"]
    assert snap_compare(make_app(), run_before=_after_ready(*keys), terminal_size=SIZE)


def test_host_details_masks_secrets(snap_compare, make_app) -> None:
    keys = ["slash", "d", "b", "1", "enter", "j", "j", "enter"]
    assert snap_compare(make_app(), run_before=_after_ready(*keys), terminal_size=SIZE)


def _logs_before(pilot: Any) -> Any:
    async def run(pilot: Any) -> None:
        await ready(pilot)
        app = pilot.app
        for i in range(30):
            host = ("localhost", "web1.example.invalid", "db1.example.invalid")[i % 3]
            app._pending.append(("1", host, "stderr" if i % 7 == 0 else "stdout", f"line {i} of output"))
        app._pending.append(("1", "", "note", "job 1 succeeded: command on 3 hosts"))
        await pilot.press("2")
        await wait_for(pilot, lambda: app.events_seen >= 31)
        await pilot.press("s", "o", "u", "t", "enter")
        await pilot.pause()

    return run


def test_logs_pane(snap_compare, make_app) -> None:
    assert snap_compare(make_app(), run_before=_logs_before(None), terminal_size=SIZE)


def test_drift_pane(snap_compare, make_app) -> None:
    async def run(pilot: Any) -> None:
        await ready(pilot)
        pane = pilot.app.main.pane("drift")
        pane.set_rows({
            "web1.example.invalid": {"critical": 1, "high": 2, "medium": 0, "low": 3, "total": 6,
                                     "basis": "baseline"},
            "db1.example.invalid": {"critical": 0, "high": 0, "medium": 1, "low": 0, "total": 1,
                                    "basis": "previous"},
            "localhost": {"total": 0, "basis": "previous"},
        })
        pane.set_note("3 hosts compared")
        await pilot.press("3")
        await pilot.pause()

    assert snap_compare(make_app(), run_before=run, terminal_size=SIZE)


def test_jobs_pane(snap_compare, make_app) -> None:
    async def run(pilot: Any) -> None:
        await ready(pilot)
        app = pilot.app
        await pilot.press("colon", *"run localhost command echo hi", "enter")
        await wait_for(pilot, lambda: app.services.jobs and all(j.state == "succeeded"
                                                                for j in app.services.jobs.values()))
        await pilot.press("4")
        app.clear_notifications()
        await pilot.pause()

    assert snap_compare(make_app(), run_before=run, terminal_size=SIZE)


def test_run_form(snap_compare, make_app) -> None:
    keys = ["space", "r", "c", "o", "m", "enter"]
    assert snap_compare(make_app(), run_before=_after_ready("j", "j", *keys), terminal_size=SIZE)


def test_help_screen(snap_compare, make_app) -> None:
    assert snap_compare(make_app(), run_before=_after_ready("question_mark"), terminal_size=SIZE)


def test_command_line(snap_compare, make_app) -> None:
    assert snap_compare(make_app(), run_before=_after_ready("colon", "r", "u", "n", "space", "w"),
                        terminal_size=SIZE)


@pytest.mark.parametrize("theme", ["ftl-dark", "ftl-light", "ftl-high-contrast"])
def test_theme(snap_compare, make_app, theme: str) -> None:
    assert snap_compare(make_app(theme=theme), run_before=_after_ready("j", "j"), terminal_size=SIZE)


def test_drift_host_drilldown(snap_compare, make_app) -> None:
    from ftltui.drift.model import Change, FieldChange
    from ftltui.tui.screens.drift_host import DriftHostScreen

    changes = [
        Change("web1.example.invalid", "file", "/etc/app.conf", "modified",
               [FieldChange("content", "port = 8080", "port = 9090"), FieldChange("mode", "0644", "0666")],
               diff="--- before\n+++ after\n@@ -1,2 +1,2 @@\n-port = 8080\n+port = 9090\n workers = 4\n",
               category="config", severity="high", rule="world-writable"),
        Change("web1.example.invalid", "package", "openssl", "modified",
               [FieldChange("version", "3.0.2", "3.0.13")], category="software", severity="medium"),
        Change("web1.example.invalid", "user", "backdoor", "added", [], category="security", severity="critical"),
    ]

    async def run(pilot: Any) -> None:
        await ready(pilot)
        await pilot.app.push_screen(DriftHostScreen("web1.example.invalid", changes, "baseline"))
        await pilot.pause()

    assert snap_compare(make_app(), run_before=run, terminal_size=SIZE)


# -- 80x24: every screen must work on the smallest common terminal ------------------------
SMALL = (80, 24)


def test_small_inventory_pane(snap_compare, make_app) -> None:
    assert snap_compare(make_app(), run_before=_after_ready("j", "j", "space", "j"), terminal_size=SMALL)


def test_small_logs_pane(snap_compare, make_app) -> None:
    assert snap_compare(make_app(), run_before=_logs_before(None), terminal_size=SMALL)


def test_small_drift_pane(snap_compare, make_app) -> None:
    async def run(pilot: Any) -> None:
        await ready(pilot)
        pilot.app.main.pane("drift").set_rows({
            "web1.example.invalid": {"critical": 1, "high": 2, "medium": 0, "low": 3, "total": 6,
                                     "basis": "baseline"},
            "localhost": {"total": 0, "basis": "previous"},
        })
        await pilot.press("3")
        await pilot.pause()

    assert snap_compare(make_app(), run_before=run, terminal_size=SMALL)


def _finished_job(*keys: str):
    async def run(pilot: Any) -> None:
        await ready(pilot)
        app = pilot.app
        app.run_command_line("run localhost command echo hi")
        await wait_for(pilot, lambda: app.services.jobs and all(j.state == "succeeded"
                                                                for j in app.services.jobs.values()))
        await pilot.press("4", *keys)
        app.clear_notifications()
        await pilot.pause()

    return run


def test_small_jobs_pane(snap_compare, make_app) -> None:
    assert snap_compare(make_app(), run_before=_finished_job(), terminal_size=SMALL)


def _fixed_durations(pilot: Any) -> None:
    """The per-host durations of the finished jobs are measured, so the snapshot fixes
    them (the jobs pane hides them in snapshot mode; the job detail shows them)."""
    for job in pilot.app.services.jobs.values():
        for entry in (getattr(job, "per_host", None) or {}).values():
            for attempt in entry.get("attempts") or []:
                attempt["duration"] = 0.0


def test_small_job_detail(snap_compare, make_app) -> None:
    async def run(pilot: Any) -> None:
        await _finished_job()(pilot)
        _fixed_durations(pilot)
        await pilot.press("enter")
        await pilot.pause()

    assert snap_compare(make_app(), run_before=run, terminal_size=SMALL)


def test_small_help_screen(snap_compare, make_app) -> None:
    assert snap_compare(make_app(), run_before=_after_ready("question_mark"), terminal_size=SMALL)


def test_small_run_form(snap_compare, make_app) -> None:
    keys = ["space", "r", "c", "o", "m", "enter"]
    assert snap_compare(make_app(), run_before=_after_ready("j", "j", *keys), terminal_size=SMALL)


def test_small_host_details(snap_compare, make_app) -> None:
    keys = ["slash", "d", "b", "1", "enter", "j", "j", "enter"]
    assert snap_compare(make_app(), run_before=_after_ready(*keys), terminal_size=SMALL)


def test_small_drift_host(snap_compare, make_app) -> None:
    from ftltui.drift.model import Change, FieldChange
    from ftltui.tui.screens.drift_host import DriftHostScreen

    changes = [Change("web1.example.invalid", "file", "/etc/app.conf", "modified",
                      [FieldChange("mode", "0644", "0666")], diff="--- before\n+++ after\n@@ -1 +1 @@\n-a\n+b\n",
                      category="config", severity="high", rule="world-writable")]

    async def run(pilot: Any) -> None:
        await ready(pilot)
        await pilot.app.push_screen(DriftHostScreen("web1.example.invalid", changes, "baseline"))
        await pilot.pause()

    assert snap_compare(make_app(), run_before=run, terminal_size=SMALL)


def test_small_confirm(snap_compare, make_app) -> None:
    from ftltui.tui.screens.confirm import ConfirmScreen

    async def run(pilot: Any) -> None:
        await ready(pilot)
        await pilot.app.push_screen(ConfirmScreen("Purge finished job 1 from the list?"))
        await pilot.pause()

    assert snap_compare(make_app(), run_before=run, terminal_size=SMALL)


def test_small_light_theme(snap_compare, make_app) -> None:
    assert snap_compare(make_app(theme="ftl-light"), run_before=_after_ready("j", "j", "space"), terminal_size=SMALL)


# -- the form dialogs: the buttons stay in view at 80x24, the fields scroll above them ---------
def _pushed(make_screen: Any):
    async def run(pilot: Any) -> None:
        await ready(pilot)
        await pilot.app.push_screen(make_screen())
        await pilot.pause()

    return run


def _play_form() -> Any:
    from ftltui.tui.screens.play_form import PlayFormScreen

    return PlayFormScreen(["/srv/infra/site.yml", "/srv/infra/deploy.yml"])


def _vars_prompts() -> Any:
    from ftltui.tui.screens.prompt_vars import Prompt, VarsPromptScreen

    return VarsPromptScreen("site.yml", [Prompt("secret_word", "Secret word", confirm=True),
                                         Prompt("colour", "Colour", private=False, default="blue"),
                                         Prompt("ticket", "Change ticket", private=False),
                                         Prompt("token", "API token", confirm=True)])


def _vault_prompt() -> Any:
    from ftltui.tui.screens.secret_prompt import SecretPrompt

    return SecretPrompt("Vault password", "group_vars/web/vault.yml: Password for vault id 'prod':")


def _quit_question() -> Any:
    from ftltui.tui.app import QuitScreen

    return QuitScreen("1 job(s) still running: quitting cancels them. 2 queued: they stay queued and run when "
                      "ftl-tui next opens this state directory (c: quit and cancel them too). Quit?")


def test_play_form(snap_compare, make_app) -> None:
    assert snap_compare(make_app(), run_before=_pushed(_play_form), terminal_size=SIZE)


def test_small_vars_prompts(snap_compare, make_app) -> None:
    assert snap_compare(make_app(), run_before=_pushed(_vars_prompts), terminal_size=SMALL)


def test_vars_prompts(snap_compare, make_app) -> None:
    assert snap_compare(make_app(), run_before=_pushed(_vars_prompts), terminal_size=SIZE)


def test_small_secret_prompt(snap_compare, make_app) -> None:
    assert snap_compare(make_app(), run_before=_pushed(_vault_prompt), terminal_size=SMALL)


def test_small_quit_question(snap_compare, make_app) -> None:
    assert snap_compare(make_app(), run_before=_pushed(_quit_question), terminal_size=SMALL)
