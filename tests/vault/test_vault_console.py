"""The console asks for each missing vault password once, in a dialog that never shows it."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tui"))

import pytest  # noqa: E402
from tuihelpers import screen_text, wait_for  # noqa: E402

from ftltui.tui.screens.secret_prompt import SecretPrompt  # noqa: E402
from ftltui.vault import VaultText, VaultValue, encrypt  # noqa: E402

DEV_PW, PROD_PW = "dev-Pass-77", "prod-Pass-88"
DEV_VALUE, PROD_VALUE = "tok-Dev-5150", "db-Prod-2112"


def project(tmp_path: Path) -> Path:
    inv = tmp_path / "inv"
    (inv / "group_vars").mkdir(parents=True)
    env = encrypt(DEV_VALUE.encode(), DEV_PW.encode(), "dev")
    block = "".join("            " + line + "\n" for line in env.splitlines())
    (inv / "hosts.yml").write_text("all:\n  vars:\n    ansible_connection: local\n  children:\n    web:\n      hosts:\n"
                                   "        web1:\n          token: !vault |\n" + block)
    (inv / "group_vars" / "web.yml").write_text(encrypt(f"db_pw: {PROD_VALUE}\n".encode(), PROD_PW.encode(), "prod"))
    return inv


def make(tmp_path: Path, inv: Path):
    from ftltui.tui.app import FtlApp

    state = tmp_path / "state"
    state.mkdir(exist_ok=True)
    return FtlApp([str(inv)], state, clock=lambda: 1_700_000_000.0, snapshot_mode=True, watch=False,
                  keymap_dirs=[state])


async def answer(pilot, text: str | None) -> None:
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, SecretPrompt))
    if text is None:
        await pilot.press("escape")
    else:
        await pilot.press(*list(text))
        shown = screen_text(pilot.app)
        assert text not in shown and "•" in shown  # typed as bullets, never in clear
        await pilot.press("enter")
    await pilot.pause()


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_console_asks_once_per_vault_id_and_then_decrypts(tmp_path: Path, size) -> None:
    app = make(tmp_path, project(tmp_path))
    async with app.run_test(size=size) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SecretPrompt))
        prompt = app.screen
        assert "'dev'" in screen_text(app)
        box = prompt.query_one("#secret-box").region
        assert box.right <= size[0] and box.bottom <= size[1]
        await answer(pilot, DEV_PW)
        await wait_for(pilot, lambda: isinstance(app.screen, SecretPrompt))
        assert "'prod'" in screen_text(app)
        await answer(pilot, PROD_PW)
        await wait_for(pilot, lambda: app.inventory is not None and not isinstance(app.screen, SecretPrompt))
        web1 = app.inventory.host("web1")
        assert isinstance(web1.vars["token"], VaultText) and web1.vars["token"] == DEV_VALUE
        assert web1.vars["db_pw"] == PROD_VALUE
        assert {DEV_VALUE, PROD_VALUE} <= set(app.services.executor.redactor_for([web1]).secrets)
        app.load_inventory()  # a reload asks nothing again
        await pilot.pause(0.3)
        assert not isinstance(app.screen, SecretPrompt)
        text = screen_text(app)
        assert DEV_VALUE not in text and PROD_VALUE not in text


async def test_cancelled_prompt_leaves_values_undecrypted_and_is_not_repeated(tmp_path: Path) -> None:
    inv = project(tmp_path)
    (inv / "group_vars" / "web.yml").write_text("plain: 1\n")
    app = make(tmp_path, inv)
    async with app.run_test(size=(80, 24)) as pilot:
        await answer(pilot, None)
        await wait_for(pilot, lambda: app.inventory is not None)
        assert isinstance(app.inventory.host("web1").vars["token"], VaultValue)
        app.load_inventory()
        await pilot.pause(0.3)
        assert not isinstance(app.screen, SecretPrompt)
        assert app.vault_asker.asked == {"dev"}
