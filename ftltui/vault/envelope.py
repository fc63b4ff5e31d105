"""The ``$ANSIBLE_VAULT`` envelope: parsing, AES256 decryption and encryption.

Implemented from Ansible's vault documentation (docs.ansible.com, "Vault format"):

* a header line ``$ANSIBLE_VAULT;1.1;AES256`` or ``$ANSIBLE_VAULT;1.2;AES256;LABEL``;
* then the hexlified text ``hex(salt) "\n" hex(hmac) "\n" hex(ciphertext)``, cut into
  lines of 80 characters;
* PBKDF2-HMAC-SHA256 over the password and the 32-byte salt, 10000 rounds, gives 80
  bytes: the AES-256 key, the HMAC-SHA256 key and the 16-byte CTR initial counter;
* the plaintext is PKCS#7-padded to 16 bytes, encrypted with AES-256-CTR, and the HMAC
  is computed over the ciphertext (checked before anything is decrypted).

Every problem is a :class:`VaultError` with one line saying what was expected; no
input, however broken, reaches the caller as another exception.
"""

from __future__ import annotations

import binascii
import hmac as _hmac
import os
from dataclasses import dataclass
from functools import lru_cache

from ftltui.errors import FtlError, Location
from ftltui.vault.needs import VaultNeed

HEADER = "$ANSIBLE_VAULT"
CIPHER = "AES256"
ITERATIONS = 10000
SALT_BYTES = 32
LINE = 80


class VaultError(FtlError):
    """A vault envelope could not be read or decrypted, or a vault password could not be got.
    ``need``: the vault id a password was missing (or wrong) for, when that is why
    (:mod:`ftltui.vault.needs`: a face asks for it from this, never from the text)."""

    need: VaultNeed | None = None


@dataclass(frozen=True)
class Envelope:
    """A parsed envelope: version ``1.1``/``1.2``, its vault id (``None`` for 1.1) and the binary parts."""

    version: str
    vault_id: str | None
    salt: bytes
    hmac: bytes
    ciphertext: bytes


def is_encrypted(data: str | bytes) -> bool:
    """True when ``data`` starts like a vault envelope (what Ansible checks before decrypting a file)."""
    if isinstance(data, bytes):
        return data.lstrip()[: len(HEADER)].decode("ascii", "replace") == HEADER
    return data.lstrip()[: len(HEADER)] == HEADER


def parse(text: str | bytes, where: Location | None = None) -> Envelope:
    """Split an envelope into its parts; malformed input is a VaultError saying what was expected."""
    if isinstance(text, bytes):
        try:
            text = text.decode("ascii")
        except UnicodeDecodeError:
            raise VaultError("vault data is not ASCII; expected a $ANSIBLE_VAULT envelope", where) from None
    lines = text.strip().splitlines()
    if not lines:
        raise VaultError("empty vault data; expected a $ANSIBLE_VAULT envelope", where)
    fields = [f.strip() for f in lines[0].strip().split(";")]
    if fields[0] != HEADER:
        raise VaultError("expected a vault envelope starting with '$ANSIBLE_VAULT;1.1;AES256'", where)
    if len(fields) < 3:
        raise VaultError(f"incomplete vault header {lines[0].strip()[:60]!r}; expected '$ANSIBLE_VAULT;1.1;AES256'", where)
    version, cipher = fields[1], fields[2]
    if version not in ("1.1", "1.2"):
        raise VaultError(f"unsupported vault format version {version[:10]!r}; expected 1.1 or 1.2", where)
    if cipher != CIPHER:
        raise VaultError(f"unsupported vault cipher {cipher[:20]!r}; expected AES256", where)
    vault_id = None
    if version == "1.2":
        if len(fields) < 4 or not fields[3]:
            raise VaultError("vault format 1.2 without a vault id label; expected '$ANSIBLE_VAULT;1.2;AES256;LABEL'", where)
        vault_id = fields[3]
    body = "".join(line.strip() for line in lines[1:])
    try:
        inner = binascii.unhexlify(body)
        parts = inner.split(b"\n")
        if len(parts) != 3:
            raise ValueError
        salt, mac, ciphertext = (binascii.unhexlify(p) for p in parts)
    except (ValueError, binascii.Error):
        raise VaultError("damaged vault data: expected hexadecimal salt, HMAC and ciphertext after the header", where) from None
    if not salt or len(mac) != 32 or not ciphertext or len(ciphertext) % 16:
        raise VaultError("damaged vault data: salt, HMAC or ciphertext has the wrong length", where)
    return Envelope(version, vault_id, salt, mac, ciphertext)


@lru_cache(maxsize=256)
def _derive(password: bytes, salt: bytes) -> tuple[bytes, bytes, bytes]:
    """PBKDF2 costs ~5 ms: a reload of the same inventory must not pay it again per value."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

    key = PBKDF2HMAC(hashes.SHA256(), 2 * 32 + 16, salt, ITERATIONS).derive(password)
    return key[:32], key[32:64], key[64:]


def _ctr(key: bytes, iv: bytes, data: bytes) -> bytes:
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    c = Cipher(algorithms.AES(key), modes.CTR(iv)).encryptor()  # CTR: same operation both ways
    return c.update(data) + c.finalize()


def _mac(key: bytes, data: bytes) -> bytes:
    return _hmac.new(key, data, "sha256").digest()


def try_decrypt(env: Envelope, password: bytes) -> bytes | None:
    """The plaintext, or None when the HMAC does not match (wrong password or tampered data)."""
    aes_key, mac_key, iv = _derive(password, env.salt)
    if not _hmac.compare_digest(_mac(mac_key, env.ciphertext), env.hmac):
        return None
    padded = _ctr(aes_key, iv, env.ciphertext)
    pad = padded[-1]
    if not 1 <= pad <= 16 or padded[-pad:] != bytes([pad]) * pad:
        return None
    return padded[:-pad]


def encrypt(plaintext: bytes, password: bytes, vault_id: str | None = None, *, salt: bytes | None = None) -> str:
    """An envelope for ``plaintext`` (1.2 with ``vault_id``, else 1.1), as ``ansible-vault`` writes it."""
    salt = salt or os.urandom(SALT_BYTES)
    aes_key, mac_key, iv = _derive(password, salt)
    pad = 16 - len(plaintext) % 16
    ciphertext = _ctr(aes_key, iv, plaintext + bytes([pad]) * pad)
    inner = b"\n".join(binascii.hexlify(p) for p in (salt, _mac(mac_key, ciphertext), ciphertext))
    body = binascii.hexlify(inner).decode("ascii")
    header = f"{HEADER};1.2;{CIPHER};{vault_id}" if vault_id else f"{HEADER};1.1;{CIPHER}"
    return header + "\n" + "\n".join(body[i : i + LINE] for i in range(0, len(body), LINE)) + "\n"
