"""Real parts for the site-worker tests: a redis-server with a password on a Unix socket,
``ftl-tui worker`` processes, a shared Fernet key. Everything is started by the fixture and
stopped by PID at the end of its scope.

One broker and one worker of site ``east`` serve the whole session (a worker takes a few
seconds to start); the outage test stops its broker, so it has its own
(:func:`own_redis`, :func:`own_workers`).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("celery")
pytest.importorskip("redis")

from sitebed import REDIS_SERVER, RedisServer, Workers  # noqa: E402


def _redis() -> Iterator[RedisServer]:
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


def _key(server: RedisServer) -> Path:
    from ftltui.sites.seal import create_key

    path = server.dir / "sites.key"
    create_key(path)
    return path


def _workers(server: RedisServer, key: Path) -> Iterator[Workers]:
    w = Workers(server, key)
    try:
        yield w
    finally:
        w.stop_all()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    yield from _redis()


@pytest.fixture(scope="session")
def key_file(redis_server: RedisServer) -> Path:
    return _key(redis_server)


@pytest.fixture(scope="session")
def workers(redis_server: RedisServer, key_file: Path) -> Iterator[Workers]:
    yield from _workers(redis_server, key_file)


@pytest.fixture(scope="session")
def east(workers: Workers) -> Any:
    """A worker of site ``east`` that says where it runs (``FTL_SITE_MARK=east``)."""
    return workers.start("east", env={"FTL_SITE_MARK": "east"})


@pytest.fixture(scope="module")
def own_redis() -> Iterator[RedisServer]:
    yield from _redis()


@pytest.fixture(scope="module")
def own_key(own_redis: RedisServer) -> Path:
    return _key(own_redis)


@pytest.fixture(scope="module")
def own_workers(own_redis: RedisServer, own_key: Path) -> Iterator[Workers]:
    yield from _workers(own_redis, own_key)
