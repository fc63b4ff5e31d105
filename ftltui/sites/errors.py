"""The one error type of the sites layer: a setting, a broker or a key that cannot be used."""

from __future__ import annotations

from ftltui.config.loader import ConfigError


class SitesError(ConfigError):
    """Bad site configuration, an unusable broker URL or key file (the message says which, never a password).

    A configuration error: commands exit 5 for it, as for a bad ansible.cfg."""
