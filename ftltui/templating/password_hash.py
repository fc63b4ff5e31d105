"""The ``password_hash`` filter: every hash type Ansible documents for it.

``ansible-doc -t filter password_hash`` (ansible-core 2.19) lists ``md5``, ``blowfish``,
``sha256``, ``sha512`` and ``bcrypt``; Ansible computes them with passlib, which is not a
dependency of ftl-tui (it is only the tests' oracle). So:

- ``sha512``/``sha256`` (``*_crypt``): SHA-crypt, :mod:`ftltui.templating.shacrypt`;
- ``md5`` (``md5_crypt``, ``$1$``): written here from Poul-Henning Kamp's published
  algorithm (FreeBSD's ``crypt-md5``), stdlib ``hashlib`` only;
- ``bcrypt``/``blowfish`` (``$2b$``, ``ident`` ``2a``/``2y``): the ``bcrypt`` package, a
  runtime dependency already (``asyncssh[bcrypt]``, for encrypted OpenSSH keys). A pure
  Python Blowfish at Ansible's default cost (2^12 key expansions) would take minutes.

Anything else is refused naming the supported types, as Ansible refuses it. Messages for
bad salts follow passlib's, which is what Ansible users see.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from ftltui.templating.filters_core import FilterError
from ftltui.templating.shacrypt import ITOA64, b64_triple, mix_rounds, sha_crypt

_SHA = {"sha512": 512, "sha512_crypt": 512, "sha256": 256, "sha256_crypt": 256}
_MD5 = ("md5", "md5_crypt")
_BCRYPT = ("bcrypt", "blowfish")
SUPPORTED = ("md5", "blowfish", "sha256", "sha512", "bcrypt")
_BCRYPT64 = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_MD5_ORDER = ((0, 6, 12), (1, 7, 13), (2, 8, 14), (3, 9, 15), (4, 10, 5))


def password_hash(password: Any, hashtype: str = "sha512", salt: Any = None, salt_size: int | None = None,
                  rounds: int | None = None, ident: str | None = None) -> str:
    """crypt(3) hash of ``password``: ``$6$salt$...`` for sha512 (a random salt unless given)."""
    kind = str(hashtype)
    secret = str(password).encode("utf-8")
    salt = str(salt) if salt else None  # an empty salt is no salt, as in Ansible: a random one
    if kind in _SHA:
        salt = _salt(salt, salt_size or 16, ITOA64, kind)
        return sha_crypt(secret, salt, rounds=rounds, bits=_SHA[kind])
    if kind in _MD5:
        if rounds is not None:
            raise FilterError("password_hash: md5 takes no rounds (md5_crypt always runs 1000)")
        salt = _salt(salt, salt_size or 8, ITOA64, "md5_crypt")
        if len(salt) > 8:
            raise FilterError("password_hash: salt too large (md5_crypt requires <= 8 chars)")
        return md5_crypt(secret, salt)
    if kind in _BCRYPT:
        return bcrypt_hash(secret, _salt(salt, 22, _BCRYPT64, "bcrypt"), rounds, ident)
    raise FilterError(f"password_hash: {kind} is not in the list of supported algorithms: {', '.join(SUPPORTED)}")


def _salt(salt: str | None, size: int, alphabet: str, name: str) -> str:
    if salt is None:
        return "".join(secrets.choice(alphabet) for _ in range(size))
    bad = sorted({c for c in salt if c not in alphabet})
    if bad:
        raise FilterError(f"password_hash: invalid characters in {name} salt: {''.join(bad)!r} "
                          f"(allowed: {ITOA64})")
    return salt


def md5_crypt(password: bytes, salt: str) -> str:
    """``$1$salt$hash``: the FreeBSD MD5-crypt (salt of at most 8 characters, 1000 rounds)."""
    salt_bytes = salt.encode()[:8]
    alternate = hashlib.md5(password + salt_bytes + password).digest()
    ctx = hashlib.md5(password + b"$1$" + salt_bytes)
    for left in range(len(password), 0, -16):
        ctx.update(alternate[:min(16, left)])
    i = len(password)
    while i:
        ctx.update(b"\0" if i & 1 else password[:1])
        i >>= 1
    final = mix_rounds(hashlib.md5, password, salt_bytes, ctx.digest(), 1000)
    encoded = "".join(b64_triple(final[a], final[b], final[c], 4) for a, b, c in _MD5_ORDER)
    encoded += b64_triple(0, 0, final[11], 2)
    return f"$1${salt_bytes.decode()}${encoded}"


def bcrypt_hash(password: bytes, salt: str, rounds: int | None, ident: str | None) -> str:
    """``$2b$12$<22-character salt><hash>``; ``rounds`` is the cost (log2, 4..31, default 12).

    Only the first 72 bytes of a password count in bcrypt (passlib, behind Ansible,
    truncates them too). The salt's last character keeps only the 2 bits bcrypt uses, as
    passlib normalises it (the documented example's ``...stuv`` salt hashes as ``...stuu``)."""
    import bcrypt

    prefix = ident or "2b"
    if prefix not in ("2a", "2b", "2y"):
        raise FilterError(f"password_hash: bcrypt ident {prefix!r} is not supported (expected 2a, 2b or 2y)")
    cost = 12 if rounds is None else int(rounds)
    if not 4 <= cost <= 31:
        raise FilterError(f"password_hash: bcrypt rounds must be between 4 and 31 (the cost, log2), got {cost}")
    if len(salt) != 22:
        raise FilterError(f"password_hash: bcrypt needs a salt of 22 characters, got {len(salt)}")
    salt = salt[:21] + _BCRYPT64[_BCRYPT64.index(salt[21]) & 0x30]
    setting = f"${prefix}${cost:02d}${salt}".encode()
    return bcrypt.hashpw(password[:72], setting).decode()
