"""The one error type of the sites layer: a setting, a broker or a key that cannot be used."""

from __future__ import annotations

from ftltui.errors import FtlError


class SitesError(FtlError):
    """Bad site configuration, an unusable broker URL or key file (the message says which, never a password)."""
