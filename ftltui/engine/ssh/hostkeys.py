"""Host key policy: known_hosts first; unknown keys only with an explicit opt-in.

asyncssh checks the key against ``known_hosts`` itself and asks the client object
only about keys it does not trust. Here we decide between "unknown" (accept and
append if the user opted in, else refuse and say how to opt in) and "changed" (a
different key is on file for this host: always refused, loudly).
"""

from __future__ import annotations

import os
from pathlib import Path

import asyncssh

ACCEPT_HINT = "pass --accept-new-host-keys or set host_key_checking: false to accept it"


def known_host_name(host: str, port: int) -> str:
    return host if port == 22 else f"[{host}]:{port}"


class HostKeyPolicy(asyncssh.SSHClient):
    """One per connection attempt; ``problem`` says why a key was refused."""

    def __init__(self, known_hosts: str, accept_new: bool, label: str) -> None:
        self.known_hosts = known_hosts
        self.accept_new = accept_new
        self.label = label
        self.problem: str | None = None

    def validate_host_public_key(self, host: str, addr: str, port: int, key: asyncssh.SSHKey) -> bool:
        fp = key.get_fingerprint("sha256")
        on_file: list[asyncssh.SSHKey] = []
        if os.path.exists(self.known_hosts):
            try:
                on_file = list(asyncssh.match_known_hosts(self.known_hosts, host, addr, port)[0])
            except (OSError, ValueError):
                on_file = []
        if on_file:
            self.problem = (
                f"HOST KEY CHANGED for {self.label} ({known_host_name(host, port)}): the server now offers "
                f"{key.get_algorithm()} {fp}, which differs from the key in {self.known_hosts}. This may be "
                f"an attack (man in the middle) or a reinstalled host; refusing to connect. If the change is "
                f"expected, remove the old entry (ssh-keygen -R '{known_host_name(host, port)}' -f {self.known_hosts})."
            )
            return False
        if not self.accept_new:
            self.problem = (
                f"unknown host key for {self.label} ({known_host_name(host, port)}, {key.get_algorithm()} {fp}) "
                f"not in {self.known_hosts}: {ACCEPT_HINT}"
            )
            return False
        line = f"{known_host_name(host, port)} {key.export_public_key().decode().split()[0]} " \
               f"{key.export_public_key().decode().split()[1]}\n"
        path = Path(self.known_hosts)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with open(path, "a", encoding="utf-8") as f:
            f.write(line)
        return True
