"""A mistyped vault password in the console is not kept for the session (hR finding 13).

Before, a wrong password stayed in the keyring: the load failed ('wrong vault password
or tampered data'), no prompt came back and ``:reload`` failed the same way, so only a
restart helped. Now the wrong password is dropped and the prompt is shown again;
cancelling it and ``:reload`` ask once more; the right password loads the inventory.
"""

from __future__ import annotations

from pathlib import Path

from tuihelpers import ready, wait_for

from ftltui.tui.screens.secret_prompt import SecretPrompt
from ftltui.vault.envelope import encrypt

PASSWORD = b"right horse battery"


def _vaulted_inventory(tmp_path: Path) -> Path:
    inv = tmp_path / "vinv"
    (inv / "group_vars").mkdir(parents=True)
    (inv / "hosts.ini").write_text("[web]\nw1 ansible_connection=local\nw2 ansible_connection=local\n")
    (inv / "group_vars" / "all.yml").write_text(encrypt(b"db_password: s3cret\n", PASSWORD))
    return inv


async def _answer(pilot, app, text: str) -> None:
    await wait_for(pilot, lambda: isinstance(app.screen, SecretPrompt))
    await pilot.press(*text, "enter")
    await wait_for(pilot, lambda: not isinstance(app.screen, SecretPrompt))


async def test_a_wrong_vault_password_is_asked_again(make_app, tmp_path: Path) -> None:
    app = make_app([str(_vaulted_inventory(tmp_path))])
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await wait_for(pilot, lambda: isinstance(app.screen, SecretPrompt))
        await pilot.press(*"wrong", "enter")
        # the load with it fails, the password is forgotten and asked for again
        await wait_for(pilot, lambda: "wrong vault password" in (app.inventory_error or ""))
        await wait_for(pilot, lambda: isinstance(app.screen, SecretPrompt))
        assert not [s for s in app.vault_asker.keyring.secrets if s.password == b"wrong"]
        await pilot.press("escape")  # cancelled: the inventory stays unloaded, no prompt loop
        await wait_for(pilot, lambda: not isinstance(app.screen, SecretPrompt))
        await pilot.pause()
        assert not isinstance(app.screen, SecretPrompt) and app.inventory is None

        app.run_command_line("reload")  # the operator asks: the prompt comes back
        await _answer(pilot, app, PASSWORD.decode())
        await wait_for(pilot, lambda: app.inventory is not None and app.inventory_error is None)
        assert sorted(app.inventory.hosts) == ["w1", "w2"]


def _tampered(vaulted: str) -> str:
    """``vaulted`` with one byte of its ciphertext changed: the HMAC no longer matches."""
    import binascii

    header, *body = vaulted.strip().splitlines()
    salt, mac, ct = binascii.unhexlify("".join(body)).split(b"\n")
    ct = (b"1" if ct[:1] != b"1" else b"2") + ct[1:]
    return header + "\n" + binascii.hexlify(b"\n".join((salt, mac, ct))).decode() + "\n"


async def test_a_tampered_vault_file_is_not_called_a_wrong_password_only(make_app, tmp_path: Path) -> None:
    """The right password on a tampered file fails the same HMAC check: the notification says
    it may be either (hV3 #7), so the operator does not keep retyping a right password."""
    inv = _vaulted_inventory(tmp_path)
    vaulted = inv / "group_vars" / "all.yml"
    vaulted.write_text(_tampered(vaulted.read_text()))
    app = make_app([str(inv)])
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await ready(pilot)
        await wait_for(pilot, lambda: isinstance(app.screen, SecretPrompt))
        await pilot.press(*PASSWORD.decode(), "enter")
        await wait_for(pilot, lambda: "tampered data" in (app.inventory_error or ""))
        await wait_for(pilot, lambda: any(n.title == "vault" for n in app._notifications))  # asking again
        said = [n.message for n in app._notifications if n.title == "vault"]
        assert said and all("wrong vault password or tampered data" in m for m in said), said
        assert not any(PASSWORD.decode() in m for m in said)
