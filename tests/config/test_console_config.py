"""The console side of issue 13's configuration: ``:config``, the demo banner, and the
Logs pane's result lines from the one formatter (the same words as ``ftl-tui run -o``)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tui"))

from tuihelpers import ready, screen_text, wait_for  # noqa: E402

from ftltui.config import load_config  # noqa: E402
from ftltui.paths import SAMPLE_INVENTORY  # noqa: E402


def shown(app) -> str:
    """The config screen's text as the widget renders it (long paths wrap on the screen)."""
    from textual.widgets import Static

    return str(app.screen.query_one("#config-text", Static).render())


def make(tmp_path: Path, sources: list[str], **kw):
    from ftltui.tui.app import FtlApp

    state = tmp_path / "state"
    state.mkdir(exist_ok=True)
    return FtlApp(sources, state, snapshot_mode=True, watch=False, keymap_dirs=[state], **kw)


@pytest.fixture
def cfg(tmp_path: Path):
    home = tmp_path / "home"
    home.mkdir()
    proj = tmp_path / "proj"
    proj.mkdir(mode=0o755)
    os.chmod(proj, 0o755)
    (proj / "ansible.cfg").write_text("[defaults]\nremote_user = [b]deploy[/b]\ntimeout = 17\n")
    return load_config(proj, {"HOME": str(home)})


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_config_screen_shows_settings_and_origins(tmp_path, cfg, size):
    app = make(tmp_path, [str(SAMPLE_INVENTORY)], ansible_config=cfg)
    async with app.run_test(size=size) as pilot:
        await ready(pilot)
        await pilot.press("colon", *"config", "enter")
        await wait_for(pilot, lambda: "DEFAULT_REMOTE_USER(" in screen_text(app))  # on the screen
        text = shown(app)
        assert f"DEFAULT_REMOTE_USER({cfg.config_file}:2) = [b]deploy[/b]" in text  # no markup read
        assert f"DEFAULT_TIMEOUT({cfg.config_file}:3) = 17" in text
        assert "DEFAULT_BECOME_METHOD" not in text
        await pilot.press("a")
        await wait_for(pilot, lambda: "DEFAULT_BECOME_METHOD(default) = sudo" in shown(app))
        await pilot.press("escape")
        await pilot.pause()
        assert "DEFAULT_REMOTE_USER" not in screen_text(app)
        # the console's runs get the config as their lowest variable layer
        assert app.services.executor.var_defaults == {"ansible_user": "[b]deploy[/b]", "ansible_timeout": 17}


async def test_demo_banner_only_for_the_demo(tmp_path):
    app = make(tmp_path, [str(SAMPLE_INVENTORY)], demo_inventory=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        assert "(DEMO inventory)" in screen_text(app)
    app = make(tmp_path, [str(SAMPLE_INVENTORY)])
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        assert "DEMO" not in screen_text(app)


async def test_logs_show_results_in_ansible_shape(tmp_path):
    inv = tmp_path / "inv.ini"
    inv.write_text(f"h1 ansible_connection=local ansible_python_interpreter={sys.executable}\n")
    app = make(tmp_path, [str(inv)])
    async with app.run_test(size=(160, 40)) as pilot:
        await ready(pilot)
        for line in ("run h1 ping", "run h1 shell echo out; echo err >&2; exit 3"):
            await pilot.press("colon", *line, "enter")
        await wait_for(pilot, lambda: app.main.current == "logs" and "FAILED" in screen_text(app))
        text = screen_text(app)
        assert 'SUCCESS => {"changed": false,"ping": "pong"}' in text
        assert "FAILED | rc=3 | (stdout) out (stderr) err" in text
