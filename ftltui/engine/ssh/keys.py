"""Client key files named in the inventory (``ansible_ssh_private_key_file``, ``-i``).

ftl-tui never asks for a passphrase (a console or a job queue has nobody to ask, and
asyncssh cannot decrypt OpenSSH-format keys without ``bcrypt``). A key file encrypted
with a passphrase is therefore used the way ssh users already unlock such keys: through
the ssh-agent (``SSH_AUTH_SOCK``), which asyncssh tries before key files. The pool tells
asyncssh to skip encrypted files instead of failing on them; only when authentication
then fails does :func:`explain` look at the files and the agent, and say which key was
encrypted, whether the agent holds it, and what to do. The working path costs nothing.
"""

from __future__ import annotations

import asyncio
import base64
import os
import struct

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


async def agent_blobs() -> set[bytes] | str:
    """The public keys the ssh-agent holds, or a sentence saying why there are none."""
    path = os.environ.get("SSH_AUTH_SOCK", "")
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


async def explain(paths: list[str]) -> str | None:
    """After a failed authentication: which key files could not be used, and the fix.

    None when every file loads (the server just did not accept them)."""
    unusable = [p for p in paths if load_problem(p)]
    encrypted = [p for p in paths if p not in unusable and is_encrypted(p)]
    notes = [load_problem(p) or "" for p in unusable]
    if encrypted:
        held = await agent_blobs()
        missing = [p for p in encrypted if isinstance(held, str) or public_blob(p) not in held]
        why = held if isinstance(held, str) else "the ssh-agent does not hold it"
        for p in missing:
            notes.append(f"key {p} is encrypted with a passphrase and {why}: add it to the agent "
                         f"(ssh-add {p}) or use a key without a passphrase (ftl-tui does not ask for passphrases)")
    return "; ".join(notes) or None
