"""Controller files shipped to sites cost Redis round trips by call, not by file (issue 17,
session 9 hD #2): the EXPIREs that find the call's files already in Redis go in one pipelined
round trip, and the missing files are written together, not one SET per file.

Real parts: the session's redis-server, reached through a Unix-socket proxy that counts the
owner's requests as they arrive (a client that waits for each reply before its next command
sends them one read apart; a pipeline sends them at once), and the real SiteDispatcher.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sitebed import PASSWORD

from ftltui.sites.broker import Broker
from ftltui.sites.dispatch import SiteDispatcher
from ftltui.sites.seal import Sealer, load_key
from ftltui.sites.shipped import Blob
from ftltui.sites.wire import Keys

FILES = 50


class CountingProxy:
    """Forwards a Unix socket to Redis's; ``requests`` counts the reads from the clients' side."""

    def __init__(self, upstream: Path, path: Path) -> None:
        self.upstream, self.path = upstream, path
        self.requests = 0
        self._server: asyncio.AbstractServer | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_unix_server(self._serve, path=str(self.path))

    async def close(self) -> None:
        assert self._server is not None
        self._server.close()
        for t in self._tasks:
            t.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_unix_connection(str(self.upstream))

        async def pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter, count: bool) -> None:
            try:
                while data := await src.read(1 << 20):
                    if count:
                        self.requests += 1
                    dst.write(data)
                    await dst.drain()
            finally:
                dst.close()

        for t in (asyncio.create_task(pump(reader, up_writer, True)), asyncio.create_task(pump(up_reader, writer, False))):
            self._tasks.add(t)
            t.add_done_callback(self._tasks.discard)


@pytest.fixture
async def proxy(redis_server: Any, tmp_path: Path) -> AsyncIterator[CountingProxy]:
    p = CountingProxy(redis_server.socket, tmp_path / "proxy.sock")
    await p.start()
    try:
        yield p
    finally:
        await p.close()


async def test_a_calls_files_cost_round_trips_by_call_not_by_file(tmp_path: Path, redis_server: Any,
                                                                  key_file: Path, proxy: CountingProxy) -> None:
    sealer = Sealer(load_key(key_file))
    dispatcher = SiteDispatcher(Broker(f"redis+socket://:{PASSWORD}@{proxy.path}", "test"), sealer)
    blobs: dict[str, Blob] = {}
    for i in range(FILES):
        path = tmp_path / f"f{i}.conf"
        data = f"setting_{i} = {tmp_path.name}\n".encode()
        path.write_bytes(data)
        blobs[sealer.digest(data)] = Blob(path, len(data), data)
    client = redis_server.client()
    client.delete(*[Keys.blob(d) for d in blobs])
    _app, redis = dispatcher._clients()
    try:
        assert await dispatcher._upload(redis, blobs) is None  # every file new (and the connections made)
        assert all(sealer.digest(sealer.open_bytes(client.get(Keys.blob(d)))) == d for d in blobs)

        before = proxy.requests
        assert await dispatcher._upload(redis, blobs) is None  # all there: their expiries renewed
        renew_trips = proxy.requests - before

        client.delete(*[Keys.blob(d) for d in list(blobs)[::2]])  # half of them lost (expired)
        before = proxy.requests
        assert await dispatcher._upload(redis, blobs) is None
        refill_trips = proxy.requests - before
        assert all(client.exists(Keys.blob(d)) for d in blobs)
        assert all(0 < client.ttl(Keys.blob(d)) for d in blobs)
    finally:
        await dispatcher.close()
    # one pipelined round trip of EXPIREs, then one pipelined write of the missing files
    # (a few reads at most each: a pipeline may arrive in more than one piece; per file it was 50 and 75)
    assert renew_trips <= 3, renew_trips
    assert refill_trips <= 6, refill_trips


async def test_a_lost_file_that_cannot_be_read_again_names_it(tmp_path: Path, redis_server: Any,
                                                             key_file: Path) -> None:
    """A file Redis lost (expired) is read again from the controller: gone there too, the
    message names it (as before the batching)."""
    sealer = Sealer(load_key(key_file))
    dispatcher = SiteDispatcher(Broker(redis_server.url, "test"), sealer)
    path = tmp_path / "gone.conf"
    data = f"gone {tmp_path.name}\n".encode()
    digest = sealer.digest(data)
    redis_server.client().delete(Keys.blob(digest))
    _app, redis = dispatcher._clients()
    try:
        message = await dispatcher._upload(redis, {digest: Blob(path, len(data))})
    finally:
        await dispatcher.close()
    assert message is not None and message.startswith(f"controller file {path}:"), message
