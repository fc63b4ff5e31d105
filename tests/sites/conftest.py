"""Real parts for the site-worker tests: a redis-server with a password on a Unix socket,
``ftl-tui worker`` processes, a shared Fernet key. Everything is started by the fixture and
stopped by PID at the end of its scope."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("celery")
pytest.importorskip("redis")

from sitebed import REDIS_SERVER, RedisServer, Workers  # noqa: E402


@pytest.fixture(scope="module")
def redis_server() -> Iterator[RedisServer]:
    if not os.path.exists(REDIS_SERVER):
        pytest.skip("redis-server is not installed")
    # not under pytest's tmp: a worker in a network namespace (root) reads the same files
    server = RedisServer(Path(tempfile.mkdtemp(prefix="ftl-sites-redis-")))
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.dir, ignore_errors=True)


@pytest.fixture(scope="module")
def key_file(redis_server: RedisServer) -> Path:
    from ftltui.sites.seal import create_key

    path = redis_server.dir / "sites.key"
    create_key(path)
    return path


@pytest.fixture(scope="module")
def workers(redis_server: RedisServer, key_file: Path) -> Iterator[Workers]:
    w = Workers(redis_server, key_file)
    try:
        yield w
    finally:
        w.stop_all()
