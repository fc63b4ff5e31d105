"""The console asks for a vault password once per vault id per session.

After each inventory load, the vault ids that data needed and no password opened
(``VaultKeyring.missing``) are asked for one at a time in a :class:`SecretPrompt`.
An id is asked once: cancelling (or a wrong password) leaves its values undecrypted,
and they fail where they are used with a message naming file, variable and vault id.
When at least one password was given, the inventory is loaded again with it.
"""

from __future__ import annotations

from typing import Any

from ftltui.vault import DEFAULT_ID, VaultKeyring, VaultSecret


class VaultAsker:
    def __init__(self, app: Any, keyring: VaultKeyring) -> None:
        self.app = app
        self.keyring = keyring
        self.asked: set[str] = set()
        self._busy = False
        self._added = False

    def pending(self) -> list[str]:
        return sorted(self.keyring.missing - self.asked)

    def ask_missing(self) -> None:
        """Called on the UI thread after an inventory load (good or failed)."""
        if self._busy:
            return
        todo = self.pending()
        if not todo:
            if self._added:
                self._added = False
                self.app.load_inventory()
            return
        from ftltui.tui.screens.secret_prompt import SecretPrompt

        vault_id = todo[0]
        self.asked.add(vault_id)
        self._busy = True
        label = ("The inventory has vault-encrypted data." if vault_id == DEFAULT_ID
                 else f"The inventory has data encrypted for vault id '{vault_id}'.")
        self.app.push_screen(SecretPrompt("Vault password", f"{label} Password for vault id '{vault_id}':"),
                             lambda value: self._answered(vault_id, value))

    def _answered(self, vault_id: str, value: str | None) -> None:
        self._busy = False
        if value:
            self.keyring.add(VaultSecret(vault_id, value.encode(), "console prompt"))
            self._added = True
        self.ask_missing()
