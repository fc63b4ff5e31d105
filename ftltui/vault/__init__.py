"""Ansible Vault: envelopes (1.1/1.2, AES256), passwords by vault id, and vaulted values.

Stdlib plus ``cryptography``; no Ansible code. See :mod:`ftltui.vault.envelope` for the
format and :mod:`ftltui.vault.values` for how decrypted values stay known as secrets.
"""

from ftltui.vault.envelope import VaultError, encrypt, is_encrypted, parse
from ftltui.vault.secrets import DEFAULT_ID, VaultKeyring, VaultSecret, read_password_source, split_vault_id
from ftltui.vault.values import VAULT_KEY, VaultText, VaultValue, mark_secret, to_listing, undecrypted, vault_texts

__all__ = [
    "DEFAULT_ID", "VAULT_KEY", "VaultError", "VaultKeyring", "VaultSecret", "VaultText", "VaultValue",
    "encrypt", "is_encrypted", "mark_secret", "parse", "read_password_source", "split_vault_id",
    "to_listing", "undecrypted", "vault_texts",
]
