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


class UnusableSites:
    """Sites are configured but cannot be used (no broker, a bad URL, no key): their hosts
    fail with that message instead of running from the owner, where they may be out of
    reach or be the wrong machines. For a console, which must not fail to open over it."""

    def __init__(self, settings: SiteSettings, problem: str) -> None:
        self.settings = settings
        self.problem = problem

    def claims(self, host: Host) -> bool:
        return self.settings.site_of(host) is not None

    async def run(self, request: ShardRequest, hosts: list[Host], emit: Emit) -> dict[str, HostResult]:
        from ftltui.engine.events import HostFinished

        out: dict[str, HostResult] = {}
        for h in hosts:
            msg = f"site {self.settings.site_of(h)}: not run: {self.problem}"
            out[h.name] = HostResult(h.name, "unreachable", {"unreachable": True, "changed": False, "msg": msg},
                                     0.0, "unreachable")
            emit(HostFinished(request.run_id, host=h.name, result=out[h.name]))
        return out

    def cancel(self, run_id: str, *, fail_fast: bool = False) -> None:
        return None

    async def close(self) -> None:
        return None


def missing_extra() -> str | None:
    """Why the ``[sites]`` extra cannot be used here (``No module named 'redis'``), or None.

    Asked before site hosts are planned, so an owner without the extra says what to install
    (as ``ftl-tui worker`` does) instead of failing each site host at run time with the
    bare ``ModuleNotFoundError`` of the dispatcher's lazy import."""
    try:
        import celery  # type: ignore[import-untyped]  # noqa: F401
        import redis  # noqa: F401
    except ImportError as exc:
        return str(exc)
    return None


def site_placements(inventory: Any, *, state_dir: Any = None, inventory_of: Callable[[], Any] | None = None,
                    forks: int = 50, strict: bool = True) -> list[SitePlacement | UnusableSites]:
    """The owner's site placement for ``inventory``, or ``[]`` when no host has a site.

    Broker and key as the workers find them (``$FTL_TUI_BROKER``, ``[ftl_sites]``; the key
    in ``key_file`` or ``STATE_DIR/sites.key``). When sites are configured but unusable (no
    broker, a bad URL, no key) a :class:`~ftltui.sites.errors.SitesError` is raised, or,
    with ``strict=False``, an :class:`UnusableSites` placement fails those hosts with its
    message: they never run from here by accident.
    """
    from pathlib import Path

    from ftltui.paths import state_dir_path
    from ftltui.sites.broker import resolve_broker
    from ftltui.sites.errors import SitesError
    from ftltui.sites.seal import Sealer, default_key_path, load_key
    from ftltui.sites.settings import load_site_settings

    try:
        settings = load_site_settings()
    except SitesError as exc:
        if strict:
            raise
        return [UnusableSites(SiteSettings(), str(exc))]
    if not any_site(settings, inventory):
        return []
    missing = missing_extra()
    if missing is not None:
        problem = f"hosts with a site need Celery and redis: pip install 'ftl-tui[sites]' ({missing})"
        if strict:
            sites = sorted(settings.shard(getattr(inventory, "hosts", {}).values())[1])
            raise SitesError(f"site {', '.join(sites)}: {problem}" if sites else problem)
        return [UnusableSites(settings, problem)]  # each host: "site east: not run: hosts with a site need ..."
    try:
        broker = resolve_broker(settings=settings)
        key = Path(settings.key_file) if settings.key_file else default_key_path(state_dir_path(state_dir))
        sealer = Sealer(load_key(key))
    except SitesError as exc:
        if strict:
            raise
        return [UnusableSites(settings, str(exc))]
    dispatcher = SiteDispatcher(broker, sealer, pickup_timeout=settings.pickup_timeout)
    return [SitePlacement(settings, dispatcher, inventory=inventory_of or (lambda: inventory), forks=forks)]
