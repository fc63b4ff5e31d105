"""Vault passwords: where they come from (file, script, prompt) and the keyring that uses them.

Sources follow Ansible's documented rules: ``--vault-password-file PATH`` is the vault id
``default``; ``--vault-id LABEL@SOURCE`` names the id; SOURCE is ``prompt``, a file whose
text (stripped) is the password, or an executable whose stdout is. An executable whose
name ends in ``-client`` (any extension) is a *client script* and is run with
``--vault-id LABEL``. Passwords never go into argv or the environment of anything.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ftltui.errors import Location
from ftltui.vault.envelope import Envelope, VaultError, parse, try_decrypt
from ftltui.vault.needs import VaultNeed, note
from ftltui.vault.values import VaultText, VaultValue

DEFAULT_ID = "default"
# What a command line's user is told when data needs a vault password nobody gave; a face
# that asks for it itself (the console) sets its own words on its keyring.
CLI_HINT = "use --vault-password-file, --vault-id or --ask-vault-pass"
Prompt = Callable[[str], "str | None"]  # vault id -> password, None when the user declined


@dataclass
class VaultSecret:
    """One password and the vault id it is for; ``source`` says where it came from (never the value)."""

    vault_id: str
    password: bytes = field(repr=False)
    source: str = ""


def split_vault_id(spec: str) -> tuple[str, str]:
    """``LABEL@SOURCE`` -> (LABEL, SOURCE); a bare SOURCE is the ``default`` id."""
    if "@" in spec:
        label, source = spec.split("@", 1)
        return (label or DEFAULT_ID), source
    return DEFAULT_ID, spec


def _is_client_script(path: Path) -> bool:
    return path.stem.endswith("-client") or path.name.endswith("-client")


def read_password_source(vault_id: str, source: str, prompt: Prompt | None = None, timeout: float = 60.0) -> VaultSecret:
    """The password a source gives, or a VaultError naming the source and what was expected."""
    if source in ("prompt", "prompt_ask_vault_pass"):
        if prompt is None:
            raise VaultError(f"vault id '{vault_id}' asks for a password prompt, but there is no terminal; use --vault-password-file")
        answer = prompt(vault_id)
        if not answer:
            raise VaultError(f"no vault password given for vault id '{vault_id}'")
        return VaultSecret(vault_id, answer.encode(), "prompt")
    path = Path(source).expanduser()
    where = Location(str(path))
    if not path.exists():
        raise VaultError("vault password file not found; expected a file or an executable script", where)
    if path.is_dir():
        raise VaultError("vault password file is a directory; expected a file or an executable script", where)
    if os.access(path, os.X_OK):
        # absolute: "./pass.sh" is a path (Path() drops the "./"), never a name to look up on PATH
        argv = [str(path.absolute())] + (["--vault-id", vault_id] if _is_client_script(path) else [])
        try:
            proc = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout, check=False)
        except (OSError, subprocess.SubprocessError) as exc:
            raise VaultError(f"vault password script could not run: {exc}", where) from None
        if proc.returncode != 0:
            err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
            tail = f": {err[-1][:200]}" if err else ""
            raise VaultError(f"vault password script exited with status {proc.returncode}{tail}", where)
        password, kind = proc.stdout.strip(), "script"
    else:
        try:
            password, kind = path.read_bytes().strip(), "file"
        except OSError as exc:
            raise VaultError(f"cannot read vault password file: {exc.strerror}", where) from None
    if not password:
        raise VaultError(f"the vault password {kind} gave an empty password", where)
    return VaultSecret(vault_id, password, str(path))


def _needing(exc: VaultError, need: VaultNeed) -> VaultError:
    exc.need = need
    return exc


class VaultKeyring:
    """The passwords of one session, by vault id, and decryption with them.

    ``generation`` changes when a password is added so caches keyed on it (parsed vars
    files) are refreshed. ``missing`` collects the vault ids that data asked for and no
    password opened: the console asks for exactly those, once each.
    """

    def __init__(self, secrets: list[VaultSecret] | None = None) -> None:
        self.secrets: list[VaultSecret] = []
        self.missing: set[str] = set()
        self.wrong: set[str] = set()  # ids whose password a file's decryption found wrong (not inline values')
        self.revealed: set[str] = set()  # every value decrypted so far: the redactor masks them all
        self.generation = 0
        self.no_password_hint = CLI_HINT  # the end of "no vault password given; ..."
        for s in secrets or []:
            self.add(s)

    def add(self, secret: VaultSecret) -> None:
        self.secrets = [s for s in self.secrets if not (s.vault_id == secret.vault_id and s.source == secret.source)]
        self.secrets.append(secret)
        self.missing.discard(secret.vault_id)
        self.wrong.discard(secret.vault_id)
        self.generation += 1

    @property
    def vault_ids(self) -> list[str]:
        return list(dict.fromkeys(s.vault_id for s in self.secrets))

    def passwords(self) -> list[bytes]:
        """The password values, for the redactor (a password echoed by a command is masked too)."""
        return [s.password for s in self.secrets]

    def secret_texts(self) -> list[str]:
        """What a redactor must mask: the passwords and every value decrypted with them.

        All of them, not only those of a run's hosts: ``{{ hostvars['db1'].x }}`` reaches
        another host's values.
        """
        return [p.decode("utf-8", "replace") for p in self.passwords()] + sorted(self.revealed)

    def decrypt(self, data: str | bytes | Envelope, where: Location | None = None, what: str = "vault data") -> bytes:
        """Plaintext bytes; tries the secret of the envelope's vault id first, then the others (as Ansible does).
        A failure for want of the right password is noted for the job being run (:mod:`ftltui.vault.needs`)."""
        try:
            return self._decrypt(data, where, what)
        except VaultError as exc:
            note(exc.need)
            if exc.need is not None and exc.need.wrong:
                self.wrong.add(exc.need.vault_id)
            raise

    def _decrypt(self, data: str | bytes | Envelope, where: Location | None, what: str) -> bytes:
        env = data if isinstance(data, Envelope) else parse(data, where)
        vid = env.vault_id or DEFAULT_ID
        if not self.secrets:
            self.missing.add(vid)
            raise _needing(VaultError(f"cannot decrypt {what} (vault id '{vid}'): no vault password given; "
                                      f"{self.no_password_hint}", where), VaultNeed(vid))
        ordered = [s for s in self.secrets if s.vault_id == vid] + [s for s in self.secrets if s.vault_id != vid]
        for s in ordered:
            plain = try_decrypt(env, s.password)
            if plain is not None:
                return plain
        tried = ", ".join(self.vault_ids)
        if vid not in self.vault_ids:
            self.missing.add(vid)
            raise _needing(VaultError(f"cannot decrypt {what} (vault id '{vid}'): no password for vault id '{vid}', "
                                      f"and the others do not open it (HMAC mismatch; tried vault ids: {tried})",
                                      where), VaultNeed(vid))
        raise _needing(VaultError(f"cannot decrypt {what} (vault id '{vid}'): wrong vault password or tampered data "
                                  f"(HMAC mismatch; tried vault ids: {tried})", where), VaultNeed(vid, wrong=True))

    def open_value(self, envelope: str, where: Location | None = None, name: str | None = None) -> VaultText | VaultValue:
        """An inline ``!vault`` value: decrypted now if possible, else kept to fail where it is used."""
        try:  # not noted here: an undecrypted value fails (and is noted) only where it is used
            plain = self._decrypt(envelope, where, what="value")
            text = VaultText(plain.decode("utf-8"), envelope)
            self.revealed.add(str(text))
            return text
        except UnicodeDecodeError:
            err = VaultError("decrypted vault value is not UTF-8 text", where)
        except VaultError as exc:
            err = exc
        return VaultValue(envelope, err, where, name)
