"""The console asks for a vault password once per vault id, until ``:reload``.

After each inventory load, the vault ids that data needed and no password opened
(``VaultKeyring.missing``) are asked for one at a time in a :class:`SecretPrompt`.
An id is asked once: cancelling leaves its values undecrypted, and they fail where
they are used with a message naming file, variable and vault id; ``:reload`` asks
again. When at least one password was given, the inventory is loaded again with it.
A typed password that the load then reports as wrong for its vault id is forgotten
and asked for again at once: one typo must not leave the console on an empty
inventory until a restart.

Inline ``!vault`` values load undecrypted (the inventory is usable without them) and
fail only in a run that uses them. So a run that failed for want of a vault password
asks for that id again, cancelled before or not, and a typed password the run found wrong
is forgotten and asked for. Which ids is data the keyring noted where decryption failed
(``JobChanged.vault_needs``, :mod:`ftltui.vault.needs`), never read out of the job's reason:
a host's message is part of that text, and must not pop a prompt or drop a password: the operator, who is not
on a command line, was told to "use --vault-password-file" (hD finding 2). Once given,
the inventory is read again and the notification says which job to retry.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ftltui.vault import DEFAULT_ID, VaultKeyring, VaultSecret
from ftltui.vault.needs import VaultNeed

TYPED = "console prompt"  # the source of a password typed here
# the end of "no vault password given; ..." in this console (not the CLI's options)
CONSOLE_HINT = "the console asks for it (:reload asks again)"


class VaultAsker:
    def __init__(self, app: Any, keyring: VaultKeyring) -> None:
        self.app = app
        self.keyring = keyring
        self.asked: set[str] = set()
        self._busy = False
        self._added = False
        self._failed_jobs: list[int] = []  # runs that failed for want of a password being asked now
        keyring.no_password_hint = CONSOLE_HINT

    def pending(self) -> list[str]:
        return sorted(self.keyring.missing - self.asked)

    def ask_missing(self) -> None:
        """Called on the UI thread after an inventory load (good or failed)."""
        if self._busy:
            return
        self._forget_wrong(set(self.keyring.wrong))  # what this load's decryption found wrong
        self._ask_next()

    def run_failed(self, job_id: int, needs: Sequence[VaultNeed]) -> None:
        """A job failed (on the UI thread): when its run noted that a vault id had no password,
        or that a password typed here was wrong for it, ask for that id now. ``needs`` come
        from where decryption failed (``JobChanged.vault_needs``), never from the job's reason,
        whose text a host's message is part of (session 11, defect 1)."""
        dropped = self._forget_wrong({n.vault_id for n in needs if n.wrong})
        ids = {n.vault_id for n in needs if not n.wrong}
        if not ids and not self.pending():
            return
        self.keyring.missing |= ids  # reached during the run (a playbook's vars), or asked and cancelled
        self.asked -= ids
        # named in the closing notice as failed without the password: only a job whose reason
        # says so, not any job that failed while a prompt was pending (session 10 review, 6a)
        if (ids or dropped) and job_id not in self._failed_jobs:
            self._failed_jobs.append(job_id)
        if not self._busy:
            self._ask_next()

    def _ask_next(self) -> None:
        todo = self.pending()
        if not todo:
            jobs, self._failed_jobs = self._failed_jobs, []
            if self._added:
                self._added = False
                self.app.load_inventory()
                if jobs:
                    which = ("job " if len(jobs) == 1 else "jobs ") + ", ".join(str(j) for j in jobs)
                    self.app.notify(f"vault password given: the inventory is read again with it; {which} "
                                    "failed without it (retry: r in the Jobs pane)", title="vault")
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
            self.keyring.add(VaultSecret(vault_id, value.encode(), TYPED))
            self._added = True
        self._ask_next()  # not ask_missing: the error on the app is the last load's, not this password's

    def ask_again(self) -> None:
        """``:reload``: the operator asks for it, so ids whose prompt was cancelled (or whose
        password was wrong) are asked for again if this load still needs them."""
        self.asked.clear()

    def _forget_wrong(self, wrong: set[str]) -> bool:
        """A password typed here that a load or run found wrong for its vault id (``wrong``):
        drop it from the keyring and ask for that id again. True when one was dropped."""
        dropped = False
        for vault_id in {s.vault_id for s in self.keyring.secrets if s.source == TYPED}:
            if vault_id not in wrong:
                continue
            self.keyring.secrets = [s for s in self.keyring.secrets
                                    if not (s.vault_id == vault_id and s.source == TYPED)]
            self.keyring.generation += 1  # parsed vars files cached with it are read again
            self.keyring.missing.add(vault_id)
            self.keyring.wrong.discard(vault_id)
            self.asked.discard(vault_id)
            self._added = False
            dropped = True
            # decrypt cannot tell them apart (an HMAC mismatch): a tampered or corrupt file
            # makes the right password look wrong, so the message names both (hV3 #7)
            self.app.notify(f"wrong vault password or tampered data for vault id '{vault_id}': asking again",
                            title="vault", severity="warning")
        return dropped
