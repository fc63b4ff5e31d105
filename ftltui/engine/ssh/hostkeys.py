"""Host key policy: known_hosts first; unknown keys only with an explicit opt-in.

asyncssh checks the key against ``known_hosts`` itself and asks the client object
only about keys it does not trust. Here we decide between "unknown" (accept and
append if the user opted in, else refuse and say how to opt in) and "changed" (a
different key is on file for this host: always refused, loudly; also with
``StrictHostKeyChecking no``, where OpenSSH would connect with restrictions).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from pathlib import Path

import asyncssh

ACCEPT_HINT = ("pass --accept-new-host-keys, set host_key_checking: false or StrictHostKeyChecking "
               "accept-new to accept it")


def known_host_name(host: str, port: int) -> str:
    return host if port == 22 else f"[{host}]:{port}"


def hashed_name(name: str, salt: bytes | None = None) -> str:
    """``|1|salt|hash``: HMAC-SHA1 of the host name keyed with a random salt, as OpenSSH
    writes entries with ``HashKnownHosts yes`` (``sshd(8)``, SSH_KNOWN_HOSTS FILE FORMAT)."""
    salt = salt if salt is not None else os.urandom(20)
    digest = hmac.new(salt, name.encode(), hashlib.sha1).digest()
    return f"|1|{base64.b64encode(salt).decode()}|{base64.b64encode(digest).decode()}"


class HostKeyPolicy(asyncssh.SSHClient):
    """One per connection attempt; ``problem`` says why a key was refused.

    ``known_hosts`` is the file new keys are written to (the first ``UserKnownHostsFile``;
    "" for none); ``files`` are all the files that are read (user then global ones)."""

    def __init__(self, known_hosts: str, accept_new: bool, label: str, *,
                 files: tuple[str, ...] | None = None, hash_names: bool = False) -> None:
        self.known_hosts = known_hosts
        self.files = tuple(files) if files is not None else ((known_hosts,) if known_hosts else ())
        self.accept_new = accept_new
        self.label = label
        self.hash_names = hash_names
        self.problem: str | None = None

    def readable(self) -> list[str]:
        return [f for f in self.files if os.path.exists(f)]

    def validate_host_public_key(self, host: str, addr: str, port: int, key: asyncssh.SSHKey) -> bool:
        fp = key.get_fingerprint("sha256")
        on_file: list[asyncssh.SSHKey] = []
        where = self.known_hosts or " ".join(self.files) or "no known_hosts file"
        for path in self.readable():
            try:
                on_file = list(asyncssh.match_known_hosts(path, host, addr, port)[0])
            except (OSError, ValueError):
                on_file = []
            if on_file:
                where = path
                break
        if on_file:
            self.problem = (
                f"HOST KEY CHANGED for {self.label} ({known_host_name(host, port)}): the server now offers "
                f"{key.get_algorithm()} {fp}, which differs from the key in {where}. This may be "
                f"an attack (man in the middle) or a reinstalled host; refusing to connect. If the change is "
                f"expected, remove the old entry (ssh-keygen -R '{known_host_name(host, port)}' -f {where})."
            )
            return False
        if not self.accept_new:
            self.problem = (
                f"unknown host key for {self.label} ({known_host_name(host, port)}, {key.get_algorithm()} {fp}) "
                f"not in {where}: {ACCEPT_HINT}"
            )
            return False
        if not self.known_hosts:  # UserKnownHostsFile none: accepted, remembered nowhere
            return True
        name = known_host_name(host, port)
        algo, blob = key.export_public_key().decode().split()[:2]
        line = f"{hashed_name(name) if self.hash_names else name} {algo} {blob}\n"
        known = Path(self.known_hosts)
        known.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with open(known, "a", encoding="utf-8") as f:
            f.write(line)
        return True
