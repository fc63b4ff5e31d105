"""The owner's sends to site workers (issue 17, review hR #5 #6): a publish that fails after the
message reached the queue runs nothing, and controller files travel once per job.

Real parts: the session's redis-server and ``ftl-tui worker`` of site ``east`` (conftest), the
owner's real Executor, SitePlacement and SiteDispatcher. The one staged fault: Celery's
``send_task`` raising after the real publish went through (as kombu can when the connection
breaks after the LPUSH, and as Celery's publish retries make possible).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sitebed import wait_for

from ftltui.engine.executor import Executor
from ftltui.inventory import load_inventory
from ftltui.sites import dispatch
from ftltui.sites.broker import Broker
from ftltui.sites.dispatch import CLOSED_BY_OWNER, SiteDispatcher
from ftltui.sites.placement import SitePlacement
from ftltui.sites.seal import Sealer, load_key
from ftltui.sites.settings import SiteSettings
from ftltui.sites.wire import Keys


def _site_executor(redis_server: Any, key_file: Path, inv: Path, **kw: Any) -> Executor:
    dispatcher = SiteDispatcher(Broker(redis_server.url, "test"), Sealer(load_key(key_file)), pickup_timeout=60)
    inventory = load_inventory([str(inv)])
    return Executor(inventory, placements=[SitePlacement(SiteSettings(), dispatcher, inventory=lambda: inventory)],
                    **kw)


async def test_a_send_that_fails_after_the_publish_runs_nothing(tmp_path: Path, redis_server: Any, key_file: Path,
                                                                east: Any, workers: Any,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """``send_task`` raises after the message reached the site's queue. The owner reports the
    host ``unreachable`` (not run: a retry may run it), so the queued copy must never run it: the
    owner closes the shard first, and the worker that takes the message drops it."""
    from kombu.exceptions import OperationalError

    real_make_app = dispatch.make_app

    def flaky_make_app(broker: Broker) -> Any:
        app = real_make_app(broker)
        real_send = app.send_task

        def send_task(*args: Any, **kwargs: Any) -> Any:
            real_send(*args, **kwargs)  # the message is in the queue ...
            raise OperationalError("Error 32 while writing to socket. Broken pipe.")  # ... and yet this

        app.send_task = send_task
        return app

    monkeypatch.setattr(dispatch, "make_app", flaky_make_app)
    out = tmp_path / "appends"
    inv = tmp_path / "inv.yml"
    inv.write_text("all:\n  vars: {ansible_connection: local, ftl_site: east}\n  hosts: {k1: {}}\n")
    ex = _site_executor(redis_server, key_file, inv)
    try:
        res = await ex.run("k1", "shell", {"cmd": f"echo ran >> {out}"})
    finally:
        await ex.close()
    r = res.results["k1"]
    assert r.status == "unreachable" and "unreachable: OperationalError" in r.msg, r.result
    shard = f"{res.run_id}:1:east"
    client = redis_server.client()
    # the worker takes the queued copy: it must drop it, not run the host the owner reported as not run
    wait_for(lambda: f"shard {shard} was cancelled before it started" in workers.log_text()
              or client.exists(Keys.done(shard)), "the worker took the queued copy")
    assert not out.exists()
    assert not client.exists(Keys.done(shard))
    assert client.get(Keys.lease(shard)) == CLOSED_BY_OWNER.encode()


async def test_controller_files_are_read_off_the_loop_and_shipped_once(tmp_path: Path, redis_server: Any,
                                                                      key_file: Path, east: Any) -> None:
    """The owner reads a ``copy src=`` in a thread, not on its event loop: the source here is a
    FIFO that only this test's coroutine, on the same loop, writes. Were the read on the loop,
    the coroutine could never run (a watchdog thread writes after 60 s, so the test ends, and
    fails). Then a second call with the same content ships nothing new: one sealed copy of it
    in Redis, under its keyed digest, and never its plaintext."""
    import asyncio
    import os
    import secrets
    import threading

    client = redis_server.client()
    before = set(client.scan_iter(match="ftltui:site:file:*"))
    body = f"shipped once {secrets.token_hex(8)}\n".encode() * 2000
    fifo = tmp_path / "fifo.conf"
    os.mkfifo(fifo, 0o640)
    writer: list[str] = []

    def feed(who: str) -> None:
        if writer:  # the watchdog fed the owner already (the read held the loop): nobody reads any more
            return
        with open(fifo, "wb") as f:  # blocks until the owner opens it for reading
            if not writer:
                writer.append(who)
            f.write(body)

    watchdog = threading.Timer(60.0, feed, args=("watchdog",))
    watchdog.daemon = True
    watchdog.start()
    inv = tmp_path / "inv.yml"
    inv.write_text("all:\n  vars: {ansible_connection: local, ftl_site: east}\n  hosts: {f1: {}, f2: {}}\n")
    same = tmp_path / "same.conf"
    same.write_bytes(body)
    ex = _site_executor(redis_server, key_file, inv)
    try:
        run = asyncio.create_task(ex.run("f1", "copy", {"src": str(fifo), "dest": str(tmp_path / "d1")}))
        await asyncio.sleep(0.2)
        await asyncio.to_thread(feed, "the owner's loop")
        first = await run
        second = await ex.run("f2", "copy", {"src": str(same), "dest": str(tmp_path / "d2")})
    finally:
        watchdog.cancel()
        await ex.close()
    assert writer == ["the owner's loop"]
    assert first.results["f1"].status == "changed", first.results["f1"].result
    assert second.results["f2"].status == "changed", second.results["f2"].result
    assert (tmp_path / "d1").read_bytes() == body and (tmp_path / "d2").read_bytes() == body
    shipped = set(client.scan_iter(match="ftltui:site:file:*")) - before
    assert len(shipped) == 1  # one content, shipped once for both calls
    token = client.get(next(iter(shipped)))
    assert b"shipped once" not in token and len(token) < 2 * len(body)
