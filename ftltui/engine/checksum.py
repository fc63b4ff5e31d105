"""The checksum Ansible's copy/fetch compare files by (SHA-1, as the modules return it)."""

from __future__ import annotations

import hashlib
import os


def file_sha1(path: str | os.PathLike[str]) -> str:
    """SHA-1 hex digest of a controller file, read in 1 MiB chunks."""
    h = hashlib.sha1()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()
