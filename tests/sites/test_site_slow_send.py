"""A slow publish to one site must not let another site's shard lose its watch (issue 17,
session 9 hD #3). The owner sends a call's site shards one after another, and renewed their
watch keys only once all were sent: a send slower than the watch's life (5 s at least) let an
earlier shard's watch lapse, so its worker stopped starting hosts and handed the shard back
(a "did not renew its watch" warning and a second delivery, as for a stalled owner).

Real parts: the session's redis-server and ``ftl-tui worker`` of site ``east`` (conftest), the
owner's real Executor, SitePlacement and SiteDispatcher. The one staged fault: Celery's
``send_task`` to site ``west`` (no worker) takes 7 s, as a slow or congested broker link can.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from ftltui.engine.events import Event, Warning_
from ftltui.engine.executor import Executor
from ftltui.inventory import load_inventory
from ftltui.sites import dispatch
from ftltui.sites.broker import Broker
from ftltui.sites.dispatch import SiteDispatcher
from ftltui.sites.placement import SitePlacement
from ftltui.sites.seal import Sealer, load_key
from ftltui.sites.settings import SiteSettings

SLOW_SEND = 7.0  # longer than the watch's life (WATCH_MIN_SECONDS, broker_grace 1 s)


def _slow_sends_to(queue: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Celery's ``send_task`` to ``queue`` takes :data:`SLOW_SEND` before it publishes."""
    real_make_app = dispatch.make_app

    def slow_make_app(broker: Broker) -> Any:
        app = real_make_app(broker)
        real_send = app.send_task

        def send_task(*args: Any, **kwargs: Any) -> Any:
            if kwargs.get("queue") == queue:
                time.sleep(SLOW_SEND)  # in the owner's send thread, as a slow broker link holds it
            return real_send(*args, **kwargs)

        app.send_task = send_task
        return app

    monkeypatch.setattr(dispatch, "make_app", slow_make_app)


async def test_a_slow_send_to_one_site_keeps_the_others_watched(tmp_path: Path, redis_server: Any, key_file: Path,
                                                               east: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _slow_sends_to("ftl-site.west", monkeypatch)
    inv = tmp_path / "inv.yml"
    inv.write_text("all:\n  vars: {ansible_connection: local}\n  children:\n"
                   "    e: {vars: {ftl_site: east}, hosts: {s1: {}, s2: {}}}\n"
                   "    w: {vars: {ftl_site: west}, hosts: {w1: {}}}\n")
    dispatcher = SiteDispatcher(Broker(redis_server.url, "test"), Sealer(load_key(key_file)), pickup_timeout=3,
                                broker_grace=1.0)
    assert dispatcher.watch_ttl < SLOW_SEND
    inventory = load_inventory([str(inv)])
    # forks 1: east's second host starts after its first (6 s), when its watch had lapsed
    ex = Executor(inventory, placements=[SitePlacement(SiteSettings(), dispatcher, inventory=lambda: inventory,
                                                       forks=1)])
    events: list[Event] = []
    try:
        res = await ex.run("s1:s2:w1", "shell", {"cmd": "sleep 6; echo $((6 * 7))"}, on_event=events.append)
    finally:
        await ex.close()
    warnings = [e.text for e in events if isinstance(e, Warning_)]
    assert not [w for w in warnings if "renew its watch" in w or "lost mid-shard" in w], warnings
    assert {h: res.results[h].status for h in ("s1", "s2")} == {"s1": "changed", "s2": "changed"}, res.results
    assert res.results["w1"].status == "unreachable" and "no worker took the shard" in res.results["w1"].msg


async def test_a_slow_send_keeps_its_own_shard_watched(tmp_path: Path, redis_server: Any, key_file: Path,
                                                       east: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The slow send is to the site that has a worker (hV1 #1): the shard's watch is set before
    its publish, so a publish slower than the watch's life reached the queue with the watch gone;
    east's worker took the message at once, found the shard unwatched and dropped the copy, and
    its hosts were reported unreachable only after ``pickup_timeout``. The owner now renews the
    watch of a shard whose send has begun: the worker runs it."""
    _slow_sends_to("ftl-site.east", monkeypatch)
    inv = tmp_path / "inv.yml"
    inv.write_text("all:\n  vars: {ansible_connection: local}\n  children:\n"
                   "    e: {vars: {ftl_site: east}, hosts: {s1: {}, s2: {}}}\n")
    dispatcher = SiteDispatcher(Broker(redis_server.url, "test"), Sealer(load_key(key_file)), pickup_timeout=10,
                                broker_grace=1.0)
    assert dispatcher.watch_ttl < SLOW_SEND
    inventory = load_inventory([str(inv)])
    ex = Executor(inventory, placements=[SitePlacement(SiteSettings(), dispatcher, inventory=lambda: inventory)])
    events: list[Event] = []
    try:
        res = await ex.run("s1:s2", "shell", {"cmd": "echo $((6 * 7))"}, on_event=events.append)
    finally:
        await ex.close()
    warnings = [e.text for e in events if isinstance(e, Warning_)]
    assert not [w for w in warnings if "renew its watch" in w or "lost mid-shard" in w], warnings
    assert {h: r.status for h, r in res.results.items()} == {"s1": "changed", "s2": "changed"}, res.results
    assert [res.results[h].result.get("stdout") for h in ("s1", "s2")] == ["42", "42"]
