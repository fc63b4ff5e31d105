"""A worker's "not run" result for a file it could not fetch is written only under its lease
(session 9 hV1 #2). Worker A loses Redis while it fetches the shard's shipped file: it reports
the host not run (``unreachable``), a write it retries for the owner's grace, longer than its
lease. Meanwhile the lease lapses, the owner sends the shard again, and worker B runs the host.
When A's link comes back, its stale "not run" landed while B's copy ran: the owner kept it (the
first result of an open host stands), so the host showed as not run although it ran, and the
retry rule would run it once more. Now A's write checks the lease (as a host start does) and A
reports nothing: B's result stands.

Real parts: the session's redis-server, two real ``ftl-tui worker`` processes of site ``north``
(A reaches Redis through a Unix-socket proxy, B directly), the owner's real Executor,
SitePlacement and SiteDispatcher, the copy module. The staged parts: the proxy holds A's fetch
of the file and then cuts A off until the test lets it back; the copy's ``validate`` command
waits on a FIFO, so B's run of the host is still in flight when A's link returns.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sitebed import PASSWORD, RedisServer, Workers, members, wait_for

from ftltui.engine.events import Event
from ftltui.engine.executor import Executor
from ftltui.inventory import load_inventory
from ftltui.sites.broker import Broker
from ftltui.sites.dispatch import SiteDispatcher
from ftltui.sites.placement import SitePlacement
from ftltui.sites.seal import Refused, Sealer, load_key
from ftltui.sites.settings import SiteSettings
from ftltui.sites.wire import PREFIX, WORKER_KEY, Keys

SITE = "north"


class TripProxy:
    """Forwards a Unix socket to Redis's. The first request that names ``trip`` is held (never
    forwarded) and ``tripped`` is set; :meth:`cut` then closes every connection and closes new
    ones at once (Redis away for this client) until :meth:`resume`."""

    def __init__(self, upstream: Path, path: Path, trip: bytes) -> None:
        self.upstream, self.path, self.trip = upstream, path, trip
        self.tripped = asyncio.Event()
        self.cut_off = False
        self._server: asyncio.AbstractServer | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_unix_server(self._serve, path=str(self.path))

    def cut(self) -> None:
        self.cut_off = True
        for w in list(self._writers):
            w.close()

    def resume(self) -> None:
        self.cut_off = False

    async def close(self) -> None:
        assert self._server is not None
        self._server.close()
        self.cut()
        for t in list(self._tasks):
            t.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.cut_off:
            writer.close()
            return
        up_reader, up_writer = await asyncio.open_unix_connection(str(self.upstream))
        self._writers.update((writer, up_writer))

        async def pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter, watch: bool) -> None:
            try:
                while data := await src.read(1 << 20):
                    if watch and self.trip in data and not self.tripped.is_set():
                        self.tripped.set()
                        return  # held: this request never reaches Redis (the connection ends at the cut)
                    dst.write(data)
                    await dst.drain()
            except (OSError, asyncio.IncompleteReadError):
                pass
            finally:
                if not (watch and self.tripped.is_set() and not self.cut_off):
                    dst.close()

        for t in (asyncio.create_task(pump(reader, up_writer, True)),
                  asyncio.create_task(pump(up_reader, writer, False))):
            self._tasks.add(t)
            t.add_done_callback(self._tasks.discard)


@dataclass
class _Proxied(RedisServer):
    """The session's redis-server as worker A reaches it: through the proxy (its client, for the
    test's own reads, still goes straight to Redis)."""

    proxy: Path = Path()

    @property
    def url(self) -> str:
        return f"redis+socket://:{PASSWORD}@{self.proxy}"


@pytest.fixture
async def worker_a(redis_server: Any, key_file: Path, tmp_path: Path) -> AsyncIterator[tuple[TripProxy, Any]]:
    sealer = Sealer(load_key(key_file))
    src = tmp_path / "app.conf"
    src.write_text(f"shipped to {SITE} {tmp_path.name}\n")
    proxy = TripProxy(redis_server.socket, tmp_path / "a.sock", Keys.blob(sealer.digest(src.read_bytes())).encode())
    await proxy.start()
    own = Workers(_Proxied(redis_server.dir, proxy=proxy.path), key_file)
    try:
        proc = await asyncio.to_thread(own.start, SITE)
        yield proxy, proc
    finally:
        own.stop_all()
        await proxy.close()


def _claimed_by(client: Any, sealer: Sealer, pid: int) -> str | None:
    """The events stream in which worker ``pid`` said it claimed a shard (its ShardClaimed landed)."""
    for key in client.scan_iter(match=f"{PREFIX}:*:events"):
        for _id, fields in client.xrange(key):
            try:
                doc = sealer.open(fields[b"d"])
            except Refused:
                continue
            if doc.get("event") == "ShardClaimed" and str(doc.get("worker", "")).endswith(f":{pid}"):
                return str(key.decode())
    return None


def _idle_since(client: Any, pid: int, since: float) -> bool:
    """Worker ``pid``'s heartbeat, written after ``since``, lists no shard: it ended its copy."""
    for key in client.scan_iter(match=f"{WORKER_KEY}{SITE}:*:{pid}"):
        doc = json.loads(client.get(key) or "{}")
        if doc.get("ts", 0) > since and doc.get("shards") == []:
            return True
    return False


def _release(gate: Path) -> bool:
    """Let the copy's ``validate`` go on: False while nothing reads the FIFO yet."""
    try:
        fd = os.open(gate, os.O_WRONLY | os.O_NONBLOCK)
    except OSError:
        return False
    with os.fdopen(fd, "w") as f:
        f.write("go\n")
    return True


async def test_a_not_run_result_written_after_the_lease_lapsed_is_not_reported(
        tmp_path: Path, redis_server: Any, key_file: Path, workers: Workers,
        worker_a: tuple[TripProxy, Any]) -> None:
    proxy, proc_a = worker_a
    sealer = Sealer(load_key(key_file))
    client = redis_server.client()
    src, out, gate = tmp_path / "app.conf", tmp_path / "out", tmp_path / "gate"
    out.mkdir()
    os.mkfifo(gate)
    inv = tmp_path / "inv.yml"
    inv.write_text(f"all:\n  vars: {{ansible_connection: local, ftl_site: {SITE}}}\n  hosts: {{g1: {{}}}}\n")
    # grace 30 s: worker A retries its writes that long (its lease lapses after 4 s)
    dispatcher = SiteDispatcher(Broker(redis_server.url, "test"), sealer, pickup_timeout=120, broker_grace=30)
    inventory = load_inventory([str(inv)])
    ex = Executor(inventory, placements=[SitePlacement(SiteSettings(), dispatcher, inventory=lambda: inventory)])
    events: list[Event] = []
    args = {"src": str(src), "dest": str(out / "app.conf"), "validate": f"sh -c 'read x < {gate}' %s"}
    run = asyncio.create_task(ex.run("g1", "copy", args, on_event=events.append))
    proc_b = None
    try:
        await asyncio.wait_for(proxy.tripped.wait(), 60)  # A claimed the shard and asks for the file
        stream = await asyncio.to_thread(
            lambda: wait_for(lambda: _claimed_by(client, sealer, proc_a.pid), "worker A's claim in the stream")
            or _claimed_by(client, sealer, proc_a.pid))
        started = str(stream).replace(":events", ":started")
        proxy.cut()  # Redis away for A: its fetch fails, its "not run" write retries, its lease lapses
        proc_b = await asyncio.to_thread(workers.start, SITE)  # takes the owner's second delivery
        await asyncio.to_thread(wait_for, lambda: "g1" in members(client, started), "worker B starting g1")
        back = time.time()
        proxy.resume()  # A's link is back while g1 runs on B
        await asyncio.to_thread(wait_for, lambda: _idle_since(client, proc_a.pid, back), "worker A ending its copy")
        await asyncio.to_thread(wait_for, lambda: _release(gate), "g1's validate waiting on its gate")
        res = await asyncio.wait_for(run, 120)
    finally:
        _release(gate)
        if not run.done():
            run.cancel()
            await asyncio.gather(run, return_exceptions=True)
        await ex.close()
        if proc_b is not None:
            workers.kill9(proc_b)
    g1 = res.results["g1"]
    assert (g1.status, g1.error_kind) == ("changed", None), g1.result  # B's result: it ran, and only there
    assert (out / "app.conf").read_text() == src.read_text()
