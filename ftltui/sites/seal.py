"""The key the owner and the workers share, and sealing with it (Fernet: AES-128-CBC + HMAC-SHA256).

Everything ftl-tui puts in Redis for a site, tasks and stream entries alike, is one
Fernet token of a JSON document: whoever can read Redis sees neither the hosts' vars
nor any secret, and whoever can write Redis cannot forge a task or a result without the
key (a token that does not verify is refused, never half-read). The key file is a
urlsafe-base64 Fernet key, mode 0600; ``ftl-tui worker --init-key`` writes one.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from ftltui.sites.errors import SitesError

KEY_NAME = "sites.key"
CHUNK = 1024 * 1024  # bytes of a shipped file per token (see Sealer.seal_bytes)


class Refused(Exception):
    """A payload that does not authenticate with our key (forged, corrupted, or another key's)."""


def default_key_path(state_dir: Path) -> Path:
    return state_dir / KEY_NAME


def create_key(path: Path) -> None:
    """Write a new key, 0600, refusing to overwrite one (workers already hold it)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise SitesError(f"{path}: a key is already there (workers use it); remove it first to make "
                         "a new one") from None
    with os.fdopen(fd, "wb") as f:
        f.write(Fernet.generate_key() + b"\n")


def load_key(path: Path) -> bytes:
    """The key in ``path``; refuses a file others can read, or one that is not a Fernet key."""
    try:
        st = path.stat()
        data = path.read_bytes().strip()
    except OSError as exc:
        raise SitesError(f"key file {path}: {exc.strerror} (make one with: ftl-tui worker --init-key "
                         f"--key-file {path})") from None
    if st.st_mode & 0o077:
        raise SitesError(f"key file {path} is readable by others (mode {st.st_mode & 0o777:o}); chmod 600 it")
    try:
        Fernet(data)
    except (ValueError, TypeError):
        raise SitesError(f"{path}:1: expected a Fernet key (44 urlsafe-base64 characters)") from None
    return data


class Sealer:
    """Seal JSON documents into tokens and open them again, with one key."""

    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)
        # names shipped files in Redis by content without telling anyone without the key what
        # the content is (a plain SHA-256 would confirm a guessed file)
        self._digest_key = hmac.new(key, b"ftl-tui sites: file digests", hashlib.sha256).digest()

    def seal(self, doc: Any) -> str:
        return self._fernet.encrypt(json.dumps(doc, separators=(",", ":")).encode()).decode("ascii")

    def seal_bytes(self, data: bytes) -> bytes:
        """``data`` (a shipped file's content) sealed as it is (no JSON, no base64 inside), in
        tokens of :data:`CHUNK` bytes, one a line: sealing holds the GIL for one chunk at a time,
        so the owner's loop runs on while a thread seals a large file. The digest that names the
        content (checked after :meth:`open_bytes`) binds the chunks together and in order."""
        return b"\n".join(self._fernet.encrypt(data[i:i + CHUNK]) for i in range(0, max(1, len(data)), CHUNK))

    def open_bytes(self, token: str | bytes) -> bytes:
        raw = token if isinstance(token, bytes) else token.encode("ascii", "replace")
        try:
            return b"".join(self._fernet.decrypt(part) for part in raw.split(b"\n"))
        except (InvalidToken, TypeError, ValueError):
            raise Refused("does not authenticate with this key") from None

    def digest(self, data: bytes) -> str:
        """A keyed digest of ``data`` (HMAC-SHA256): its name in Redis, checked on arrival."""
        return hmac.new(self._digest_key, data, hashlib.sha256).hexdigest()

    def open(self, token: str | bytes) -> Any:
        try:
            raw = self._fernet.decrypt(token if isinstance(token, bytes) else token.encode("ascii"))
        except (InvalidToken, UnicodeEncodeError, TypeError, ValueError):
            raise Refused("does not authenticate with this key") from None
        try:
            return json.loads(raw)
        except ValueError:
            raise Refused("authenticated but not JSON") from None
