"""Which site a host belongs to, and where the broker and the key are.

Both come from the ansible.cfg ftl-tui reads (the same file search as Ansible's), in two
sections that Ansible ignores::

    [ftl_sites]
    broker_file = /etc/ftl-tui/broker.url   ; a file holding the broker URL (0600)
    key_file = /etc/ftl-tui/sites.key       ; the Fernet key shared with the workers
    pickup_timeout = 300                    ; seconds a shard may wait for a worker

    [ftl_site_groups]
    dc_east = east                          ; hosts of group dc_east run on site "east"

A host's ``ftl_site`` variable wins over the group mapping; among groups, the first
mapping line whose group holds the host decides. A host with neither runs on the owner.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping

from ftltui.config import ConfigError, find_config_file, read_section
from ftltui.inventory.model import Host
from ftltui.sites.errors import SitesError

SITE_VAR = "ftl_site"
SECTION = "ftl_sites"
GROUP_SECTION = "ftl_site_groups"
DEFAULT_PICKUP_TIMEOUT = 300.0


@dataclass(frozen=True)
class SiteSettings:
    """The ``[ftl_sites]`` and ``[ftl_site_groups]`` sections (empty when there is no file)."""

    group_sites: tuple[tuple[str, str], ...] = ()  # (group, site), file order
    broker_file: str | None = None
    key_file: str | None = None
    pickup_timeout: float = DEFAULT_PICKUP_TIMEOUT
    config_file: str | None = None

    def site_of(self, host: Host) -> str | None:
        """The host's site, or None: it runs on the owner."""
        own = host.vars.get(SITE_VAR)
        if own not in (None, ""):
            return str(own)
        groups = set(host.groups)
        for group, site in self.group_sites:
            if group in groups:
                return site
        return None

    def shard(self, hosts: Iterable[Host]) -> tuple[list[Host], dict[str, list[Host]]]:
        """``(hosts the owner runs, {site: its hosts})``, inventory order kept within each."""
        local: list[Host] = []
        sites: dict[str, list[Host]] = {}
        for h in hosts:
            site = self.site_of(h)
            if site is None:
                local.append(h)
            else:
                sites.setdefault(site, []).append(h)
        return local, sites


def load_site_settings(cwd: Path | None = None, env: Mapping[str, str] | None = None) -> SiteSettings:
    """Read the two sections from the ansible.cfg in effect (through :mod:`ftltui.config`'s
    reader: Ansible's dialect, one parse for every setting); errors name the file and line."""
    env = os.environ if env is None else env
    home = Path(env.get("HOME") or Path.home())
    path, _warnings = find_config_file(cwd or Path.cwd(), env, home)
    if path is None:
        return SiteSettings()
    try:
        groups = tuple((g, s) for g, s, _line in read_section(path, GROUP_SECTION))
        sec = {k.lower(): (v, line) for k, v, line in read_section(path, SECTION)}
    except ConfigError as exc:
        raise SitesError(str(exc)) from None
    for group, site in groups:
        if not site_name_ok(site):
            raise SitesError(f"{path}: [{GROUP_SECTION}] {group} = {site!r}: expected a site name "
                             f"(letters, digits, '-', '_', '.')")
    base = path.parent
    timeout = DEFAULT_PICKUP_TIMEOUT
    if sec.get("pickup_timeout", ("", 0))[0]:
        value, line = sec["pickup_timeout"]
        try:
            timeout = float(value)
        except ValueError:
            raise SitesError(f"{path}:{line}: [{SECTION}] pickup_timeout: expected seconds, got {value!r}") from None

    def _path(key: str) -> str | None:
        value = sec.get(key, ("", 0))[0]
        return str(base / Path(value).expanduser()) if value else None

    return SiteSettings(groups, _path("broker_file"), _path("key_file"), timeout, str(path))


def site_name_ok(name: str) -> bool:
    """Site names become Celery queue and Redis key names: a short safe alphabet."""
    return bool(name) and len(name) <= 64 and all(c.isalnum() or c in "-_." for c in name)
