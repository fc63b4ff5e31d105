"""Client key files named in the inventory (``ansible_ssh_private_key_file``, ``-i``).

A key file encrypted with a passphrase is used the way ssh users already unlock such
keys: through the ssh-agent (``SSH_AUTH_SOCK`` or ``IdentityAgent``), which asyncssh
tries before key files. Without an agent holding it, a :class:`KeyUnlocker` (given when
someone can answer: ``--ask-key-pass`` in the CLI, a dialog in the console) asks for the
passphrase once per key and keeps the decrypted key in memory for the session, never the
passphrase. Otherwise the pool tells asyncssh to skip encrypted files instead of failing
on them; only when authentication then fails does :func:`explain` look at the files and
the agent, and say which key was encrypted, whether the agent holds it, and what to do.
OpenSSH-format encrypted keys need ``bcrypt`` (a dependency: asyncssh's ``bcrypt`` extra).
"""

from __future__ import annotations

import asyncio
import base64
import os
import struct
import time
from collections.abc import Awaitable, Callable
from typing import Any, Optional

import asyncssh

AGENT_TIMEOUT = 5.0  # seconds to ask the agent for its keys (a stale socket must not hang us)


def is_encrypted(path: str) -> bool:
    """Does loading ``path`` need a passphrase? False when it loads, or fails otherwise."""
    try:
        asyncssh.read_private_key(path)
    except asyncssh.KeyImportError as exc:
        return str(exc).startswith("Passphrase")  # asyncssh's own test (``ignore_encrypted``)
    except (OSError, ValueError):
        return False
    return False


DEFAULT_KEYS = ("id_rsa", "id_ecdsa", "id_ecdsa_sk", "id_ed25519", "id_ed25519_sk", "id_dsa")  # ssh(1)'s order


def default_key_files() -> list[str]:
    """The default identity files of ssh(1) that exist, in ``$HOME/.ssh`` (as asyncssh reads it)."""
    home = os.path.expanduser("~/.ssh")
    return [p for p in (os.path.join(home, n) for n in DEFAULT_KEYS) if os.path.exists(p)]


def load_problem(path: str) -> str | None:
    """Why ``path`` cannot be used as a client key without a passphrase, or None."""
    try:
        asyncssh.read_private_key(path)
    except asyncssh.KeyImportError as exc:
        return None if str(exc).startswith("Passphrase") else f"key {path} cannot be read: {exc}"
    except OSError as exc:
        return f"key {path} cannot be read: {exc.strerror or exc}"
    except ValueError as exc:
        return f"key {path} cannot be read: {exc}"
    return None


def public_blob(path: str) -> bytes | None:
    """The public key of a (possibly encrypted) private key file, without its passphrase:
    from ``path.pub``, else from the unencrypted header of an OpenSSH-format key."""
    try:
        return bytes(asyncssh.read_public_key(path + ".pub").public_data)
    except (OSError, ValueError):
        pass
    try:
        with open(path, "rb") as f:
            text = f.read(1 << 20)
    except OSError:
        return None
    return _openssh_public_blob(text)


def _openssh_public_blob(text: bytes) -> bytes | None:
    """``openssh-key-v1``: magic, cipher, kdf, kdf options, key count, then the first
    public key in the clear (PROTOCOL.key in OpenSSH's sources)."""
    begin, end = b"-----BEGIN OPENSSH PRIVATE KEY-----", b"-----END OPENSSH PRIVATE KEY-----"
    start, stop = text.find(begin), text.find(end)
    if start < 0 or stop < start:
        return None
    try:
        data = base64.b64decode(b"".join(text[start + len(begin):stop].split()))
        magic = b"openssh-key-v1\0"
        if not data.startswith(magic):
            return None
        pos = len(magic)
        for _ in range(3):  # cipher name, kdf name, kdf options
            (n,) = struct.unpack_from(">I", data, pos)
            pos += 4 + n
        (count,) = struct.unpack_from(">I", data, pos)
        pos += 4
        (n,) = struct.unpack_from(">I", data, pos)
        blob = data[pos + 4:pos + 4 + n]
        return blob if count >= 1 and len(blob) == n else None
    except (ValueError, struct.error):
        return None


async def agent_blobs(agent_path: str | None = None) -> set[bytes] | str:
    """The public keys the ssh-agent holds, or a sentence saying why there are none.

    ``agent_path``: None for ``$SSH_AUTH_SOCK``, "" for no agent (``IdentityAgent none``)."""
    if agent_path == "":
        return "no ssh-agent is used (IdentityAgent none)"
    path = agent_path or os.environ.get("SSH_AUTH_SOCK", "")
    if not path:
        return "no ssh-agent is running (SSH_AUTH_SOCK is not set)"
    try:
        agent = await asyncio.wait_for(asyncssh.connect_agent(path), AGENT_TIMEOUT)
    except (OSError, asyncssh.Error, asyncio.TimeoutError) as exc:
        return f"the ssh-agent at {path} cannot be reached ({getattr(exc, 'strerror', None) or exc or 'timed out'})"
    try:
        keys = await asyncio.wait_for(agent.get_keys(), AGENT_TIMEOUT)
    except (OSError, asyncssh.Error, ValueError, asyncio.TimeoutError) as exc:
        return f"the ssh-agent at {path} did not list its keys ({exc or 'timed out'})"
    finally:
        agent.close()
    return {bytes(k.key_public_data) for k in keys}


async def explain(paths: list[str], agent_path: str | None = None) -> str | None:
    """After a failed authentication: which key files could not be used, and the fix.

    None when every file loads (the server just did not accept them)."""
    unusable = [p for p in paths if load_problem(p)]
    encrypted = [p for p in paths if p not in unusable and is_encrypted(p)]
    notes = [load_problem(p) or "" for p in unusable]
    if encrypted:
        held = await agent_blobs(agent_path)
        missing = [p for p in encrypted if isinstance(held, str) or public_blob(p) not in held]
        why = held if isinstance(held, str) else "the ssh-agent does not hold it"
        for p in missing:
            notes.append(f"key {p} is encrypted with a passphrase and {why}: add it to the agent "
                         f"(ssh-add {p}), or run with --ask-key-pass (the console asks by itself)")
    return "; ".join(notes) or None


# (key path, attempt number starting at 0, why the last answer failed or None) -> passphrase,
# or None when nobody answers (cancelled dialog, no more tries)
AskPassphrase = Callable[[str, int, Optional[str]], Awaitable[Optional[str]]]
MAX_TRIES = 3
REFUSED_FOR = 30.0  # seconds a cancelled/failed key is not asked again (one run's other hosts)


class KeyUnlocker:
    """Decrypts encrypted key files the agent does not hold, asking once per key.

    Shared by all connections of a runner: hosts that use the same key while its prompt
    is open wait for that one answer. Holds decrypted keys, never passphrases."""

    def __init__(self, ask: AskPassphrase) -> None:
        self._ask = ask
        self._keys: dict[str, asyncssh.SSHKey] = {}
        self._refused: dict[str, float] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._stamp: dict[str, tuple[int, int]] = {}
        self._problems: dict[str, str] = {}

    def problems(self, paths: list[str]) -> str | None:
        """Why keys among ``paths`` could not be unlocked (wrong passphrase, no answer), or None."""
        found = [self._problems[p] for p in paths if p in self._problems and p not in self._keys]
        return "; ".join(found) or None

    async def client_keys(self, paths: list[str], agent_path: str | None) -> list[Any]:
        """``paths`` with each encrypted key the agent lacks replaced by the decrypted key."""
        out: list[Any] = []
        held: set[bytes] | str | None = None
        for path in paths:
            key = self._cached(path)
            if key is None and is_encrypted(path):
                if held is None:
                    held = await agent_blobs(agent_path)
                if isinstance(held, str) or public_blob(path) not in held:
                    key = await self._unlock(path)
            out.append(key if key is not None else path)
        return out

    def _cached(self, path: str) -> asyncssh.SSHKey | None:
        try:
            st = os.stat(path)
        except OSError:
            return None
        if self._stamp.get(path) != (st.st_mtime_ns, st.st_size):
            self._keys.pop(path, None)
            self._stamp[path] = (st.st_mtime_ns, st.st_size)
        return self._keys.get(path)

    async def _unlock(self, path: str) -> asyncssh.SSHKey | None:
        async with self._locks.setdefault(path, asyncio.Lock()):
            if path in self._keys:
                return self._keys[path]
            if time.monotonic() - self._refused.get(path, -REFUSED_FOR) < REFUSED_FOR:
                return None
            why: str | None = None
            for attempt in range(MAX_TRIES):
                passphrase = await self._ask(path, attempt, why)
                if passphrase is None:
                    break
                try:
                    key = asyncssh.read_private_key(path, passphrase)
                except (asyncssh.KeyImportError, ValueError) as exc:
                    why = f"cannot decrypt {path}: {_decrypt_problem(exc)}"
                    continue
                finally:
                    del passphrase
                self._keys[path] = key
                self._problems.pop(path, None)
                return key
            self._refused[path] = time.monotonic()
            self._problems[path] = why or f"key {path} is encrypted with a passphrase and none was given"
            return None


def _decrypt_problem(exc: BaseException) -> str:
    text = str(exc)
    if "bcrypt" in text:
        return "OpenSSH-format encrypted keys need the bcrypt package (pip install bcrypt)"
    return "wrong passphrase" if "ncorrect passphrase" in text or "assphrase" in text else text
