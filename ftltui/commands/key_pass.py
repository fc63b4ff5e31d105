"""``--ask-key-pass``: the passphrase of encrypted SSH client keys, asked once.

Like Ansible's ``-k``/``-K``, the prompt comes before anything runs (``getpass``: on the
terminal, not echoed). The answer is handed to the SSH runner as a passphrase provider,
which uses it only for key files that are encrypted and not held by the ssh-agent, and
keeps the decrypted keys, not the passphrase. It is also given to the executor as a
secret, so should anything ever print it, it is redacted.
"""

from __future__ import annotations

import argparse
import getpass
from typing import Any


def add_key_pass_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--ask-key-pass", action="store_true",
                   help="ask once for the passphrase of encrypted SSH keys the ssh-agent does not hold")


def key_pass_options(args: argparse.Namespace, prompt: Any = getpass.getpass) -> tuple[dict[str, Any], list[str]]:
    """(``ssh_options`` entries, secrets) for ``--ask-key-pass``; nothing when not given."""
    if not getattr(args, "ask_key_pass", False):
        return {}, []
    passphrase = prompt("SSH key passphrase: ")

    async def ask(path: str, attempt: int, why: str | None) -> str | None:
        # one answer for every key, tried once per key (a prompt per host would be a storm)
        return passphrase if attempt == 0 else None

    return {"key_passphrase": ask}, ([passphrase] if passphrase else [])
