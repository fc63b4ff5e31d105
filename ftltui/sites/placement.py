"""Site workers as an executor placement (:mod:`ftltui.engine.placement`).

``Executor(placements=[SitePlacement(...)])``: hosts with a site (``ftl_site`` or a
``[ftl_site_groups]`` mapping) run on that site's workers, the rest in-process. The
executor keeps the run (RunStarted/RunFinished, the result, fail_fast, no_log), the job
queue keeps the job's state machine; this only moves the hosts' work and its events.
:func:`site_placements` builds it from the settings an owner reads, and returns nothing
when no host could have a site, so an owner without sites never imports Celery.
"""

from __future__ import annotations

from typing import Any, Callable

from ftltui.engine.events import HostResult
from ftltui.engine.placement import Emit, ShardRequest
from ftltui.inventory.model import Host
from ftltui.sites.dispatch import SiteDispatcher
from ftltui.sites.settings import SITE_VAR, SiteSettings


class SitePlacement:
    """The hosts whose site is set run on the site's workers, through :class:`SiteDispatcher`."""

    def __init__(self, settings: SiteSettings, dispatcher: SiteDispatcher, *,
                 inventory: Callable[[], Any] | None = None, forks: int = 50) -> None:
        self.settings = settings
        self.dispatcher = dispatcher
        self._inventory = inventory  # the owner's current inventory (hostvars for templated arguments)
        self.forks = forks

    def claims(self, host: Host) -> bool:
        return self.settings.site_of(host) is not None

    async def run(self, request: ShardRequest, hosts: list[Host], emit: Emit) -> dict[str, HostResult]:
        from ftltui.jobs.retry import idempotent

        _local, sites = self.settings.shard(hosts)
        return await self.dispatcher.run(request, sites, emit, inventory=self._inventory() if self._inventory else None,
                                         idempotent=idempotent(request.module, request.args), forks=self.forks)

    def cancel(self, run_id: str, *, fail_fast: bool = False) -> None:
        self.dispatcher.cancel(run_id, fail_fast=fail_fast)

    async def close(self) -> None:
        await self.dispatcher.close()


def any_site(settings: SiteSettings, inventory: Any) -> bool:
    """Could a host of ``inventory`` have a site? (a group mapping, or some host's ``ftl_site``)"""
    if settings.group_sites:
        return True
    return any(h.vars.get(SITE_VAR) not in (None, "") for h in getattr(inventory, "hosts", {}).values())


def site_placements(inventory: Any, *, state_dir: Any = None, inventory_of: Callable[[], Any] | None = None,
                    forks: int = 50) -> list[SitePlacement]:
    """The owner's site placement for ``inventory``, or ``[]`` when no host has a site.

    Broker and key as the workers find them (``$FTL_TUI_BROKER``, ``[ftl_sites]``; the key
    in ``key_file`` or ``STATE_DIR/sites.key``). A :class:`~ftltui.sites.errors.SitesError`
    (no broker, a bad URL, no key) is raised when sites are configured but unusable:
    the hosts would otherwise run from here, where they may be unreachable or wrong.
    """
    from pathlib import Path

    from ftltui.paths import state_dir_path
    from ftltui.sites.broker import resolve_broker
    from ftltui.sites.seal import Sealer, default_key_path, load_key
    from ftltui.sites.settings import load_site_settings

    settings = load_site_settings()
    if not any_site(settings, inventory):
        return []
    broker = resolve_broker(settings=settings)
    key = Path(settings.key_file) if settings.key_file else default_key_path(state_dir_path(state_dir))
    dispatcher = SiteDispatcher(broker, Sealer(load_key(key)), pickup_timeout=settings.pickup_timeout)
    return [SitePlacement(settings, dispatcher, inventory=inventory_of or (lambda: inventory), forks=forks)]
