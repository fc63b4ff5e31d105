"""Inventory pane: live reload through watchfiles, broken files keep the last good inventory."""

from __future__ import annotations

from pathlib import Path

from tuihelpers import ready, screen_text, wait_for

from ftltui.tui.screens.host_detail import HostDetailScreen

SIZE = (120, 40)
GOOD = "all:\n  children:\n    web:\n      hosts:\n        web1:\n        web2:\n"


async def test_watch_reloads_and_survives_a_broken_file(make_app, tmp_path: Path) -> None:
    inv = tmp_path / "inv.yml"
    inv.write_text(GOOD, encoding="utf-8")
    app = make_app([str(inv)], snapshot_mode=False, watch=True)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert set(app.inventory.hosts) == {"web1", "web2"}
        await pilot.pause(0.3)  # let the watcher start
        inv.write_text("all:\n  children:\n    web: [\n", encoding="utf-8")
        await wait_for(pilot, lambda: app.inventory_error is not None)
        assert "inv.yml:" in app.inventory_error
        assert any("inv.yml:" in n.message and "last good" in n.message for n in app._notifications)
        assert set(app.inventory.hosts) == {"web1", "web2"}  # the last good one stays
        inv.write_text(GOOD + "        web3:\n", encoding="utf-8")
        await wait_for(pilot, lambda: "web3" in app.inventory.hosts)
        assert app.inventory_error is None
        assert "web3" in app.main.pane("inventory")._host_nodes


async def test_host_details_screen_and_reload_command(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("G", "enter")
        await pilot.pause()
        assert isinstance(app.screen, HostDetailScreen)
        text = screen_text(app)
        assert "bastion.example.invalid" in text and "direct 192.0.2.1:22" in text
        await pilot.press("escape")
        app.run_command_line("mark web")
        assert app.main.pane("inventory").marked == {"web1.example.invalid", "web2.example.invalid"}
        app.run_command_line("reload")
        await wait_for(pilot, lambda: not [w for w in app.workers if w.group == "inventory" and w.is_running])
        assert app.main.pane("inventory").marked == {"web1.example.invalid", "web2.example.invalid"}


async def test_secrets_never_on_screen(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.run_command_line("filter db1")
        await pilot.press("j", "j", "enter")
        await pilot.pause()
        text = screen_text(app)
        assert "db1.example.invalid" in text and "********" in text
        assert "hunter2" not in text and "tok-123456" not in text


async def test_no_color_environment(make_app, monkeypatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert app.no_color
        assert app.main.pane("logs").main().highlighter.no_color


async def test_big_inventory_groups_fill_when_opened(make_app, tmp_path: Path) -> None:
    inv = tmp_path / "big.yml"
    hosts = "".join(f"        h{i:04d}:\n" for i in range(1200))
    inv.write_text("all:\n  children:\n    big:\n      hosts:\n" + hosts + "    small:\n      hosts:\n        s1:\n")
    app = make_app([str(inv)])
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        pane = app.main.pane("inventory")
        assert len(app.inventory.hosts) == 1201 and pane._host_nodes == {}  # nothing built yet
        await pilot.press("j", "enter")  # open "big"
        await pilot.pause()
        assert len(pane._host_nodes) == 1200
        await pilot.press("j", "space")
        assert pane.marked == {"h0000"}
