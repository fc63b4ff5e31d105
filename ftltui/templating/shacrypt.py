"""SHA-crypt (``$6$`` sha512_crypt, ``$5$`` sha256_crypt) for ``password_hash``.

Written from Ulrich Drepper's public specification ("Unix crypt using SHA-256 and
SHA-512"), because Python's ``crypt`` module is deprecated (gone in 3.13) and passlib is
not a dependency. The test compares with ``ansible -m debug``'s ``password_hash``.
"""

from __future__ import annotations

import hashlib
import warnings
from functools import lru_cache
from typing import Any, Callable

ITOA64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
IMPLICIT_ROUNDS = 5000  # the specification's default: not written in the hash
# Ansible hashes through passlib, whose defaults are far higher (and then written):
DEFAULT_ROUNDS = {512: 656_000, 256: 535_000}
_SHA512_ORDER = [(0, 21, 42), (22, 43, 1), (44, 2, 23), (3, 24, 45), (25, 46, 4), (47, 5, 26), (6, 27, 48),
                 (28, 49, 7), (50, 8, 29), (9, 30, 51), (31, 52, 10), (53, 11, 32), (12, 33, 54), (34, 55, 13),
                 (56, 14, 35), (15, 36, 57), (37, 58, 16), (59, 17, 38), (18, 39, 60), (40, 61, 19),
                 (62, 20, 41)]
_SHA256_ORDER = [(0, 10, 20), (21, 1, 11), (12, 22, 2), (3, 13, 23), (24, 4, 14), (15, 25, 5), (6, 16, 26),
                 (27, 7, 17), (18, 28, 8), (9, 19, 29)]


def b64_triple(b2: int, b1: int, b0: int, n: int) -> str:
    w = (b2 << 16) | (b1 << 8) | b0
    out = []
    for _ in range(n):
        out.append(ITOA64[w & 0x3F])
        w >>= 6
    return "".join(out)


def mix_rounds(new: Callable[[bytes], Any], password: bytes, salt: bytes, digest: bytes, rounds: int) -> bytes:
    """The rounds loop that MD5-crypt (1000 rounds) and SHA-crypt (``rounds``) share:
    each round hashes the password or the last digest, the salt unless i % 3 == 0,
    the password unless i % 7 == 0, then the other of the two."""
    for i in range(rounds):
        h = new(password if i & 1 else digest)
        if i % 3:
            h.update(salt)
        if i % 7:
            h.update(password)
        h.update(digest if i & 1 else password)
        digest = h.digest()
    return digest


def _repeat_to(block: bytes, length: int) -> bytes:
    return (block * (length // len(block) + 1))[:length]


def _system_crypt() -> object | None:
    """The C library's crypt(3) through Python's ``crypt`` (present up to 3.12): the same
    result ~100x faster than the Python loop below at Ansible's 656,000 rounds."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            import crypt
    except ImportError:
        return None
    return crypt.crypt


@lru_cache(maxsize=256)  # the same password and salt on every host of a play: hash once
def sha_crypt(password: bytes, salt: str, *, rounds: int | None = None, bits: int = 512) -> str:
    """The crypt(3) string for ``password``: ``$6$[rounds=N$]salt$hash`` (``rounds=``
    unless they are the specification's implicit 5000)."""
    system = _system_crypt()
    n_rounds = min(max(rounds if rounds is not None else DEFAULT_ROUNDS[bits], 1000), 999_999_999)
    setting = f"${'6' if bits == 512 else '5'}$" + ("" if n_rounds == IMPLICIT_ROUNDS else f"rounds={n_rounds}$")
    setting += salt.encode()[:16].decode()
    if system is not None:
        try:
            result = system(password.decode("utf-8"), setting)  # type: ignore[operator]
        except (UnicodeDecodeError, OSError, ValueError):
            result = None
        if isinstance(result, str) and result.startswith(setting + "$"):
            return result
    return _sha_crypt_python(password, salt, rounds=rounds, bits=bits)


def _sha_crypt_python(password: bytes, salt: str, *, rounds: int | None, bits: int) -> str:
    new = hashlib.sha512 if bits == 512 else hashlib.sha256
    salt_bytes = salt.encode()[:16]
    n_rounds = min(max(rounds if rounds is not None else DEFAULT_ROUNDS[bits], 1000), 999_999_999)

    b = new(password + salt_bytes + password).digest()
    a = new(password + salt_bytes)
    a.update(_repeat_to(b, len(password)))
    length = len(password)
    while length > 0:
        a.update(b if length & 1 else password)
        length >>= 1
    a_digest = a.digest()

    p_seq = _repeat_to(new(password * len(password)).digest(), len(password)) if password else b""
    s_seq = _repeat_to(new(salt_bytes * (16 + a_digest[0])).digest(), len(salt_bytes))

    c = mix_rounds(new, p_seq, s_seq, a_digest, n_rounds)

    if bits == 512:
        encoded = "".join(b64_triple(c[x], c[y], c[z], 4) for x, y, z in _SHA512_ORDER)
        encoded += b64_triple(0, 0, c[63], 2)
    else:
        encoded = "".join(b64_triple(c[x], c[y], c[z], 4) for x, y, z in _SHA256_ORDER)
        encoded += b64_triple(0, c[31], c[30], 3)
    ident = "6" if bits == 512 else "5"
    rounds_part = "" if n_rounds == IMPLICIT_ROUNDS else f"rounds={n_rounds}$"
    return f"${ident}${rounds_part}{salt_bytes.decode()}${encoded}"
