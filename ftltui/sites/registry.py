"""The workers a broker knows: their heartbeat keys, read back (what ``ftl-tui workers`` lists).

A worker writes ``ftltui:site:worker:<site>:<hostname>:<pid>`` every second with a 15 s
expiry; a worker gone for longer disappears from the list by itself. Heartbeats are
plain JSON (site, hostname, pid, time, shard ids and host counts): nothing secret.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from ftltui.sites.broker import Broker
from ftltui.sites.wire import WORKER_KEY


@dataclass(frozen=True)
class WorkerInfo:
    """One live worker as its last heartbeat described it."""

    site: str
    hostname: str
    pid: int
    heartbeat_age: float  # seconds since its last heartbeat
    shards: tuple[str, ...]  # the shards it runs now
    concurrency: int = 1

    def to_dict(self) -> dict[str, Any]:
        return {"site": self.site, "hostname": self.hostname, "pid": self.pid,
                "heartbeat_age": round(self.heartbeat_age, 1), "shards": list(self.shards),
                "concurrency": self.concurrency}


def parse_heartbeat(raw: bytes | str, now: float) -> WorkerInfo | None:
    try:
        doc = json.loads(raw)
        return WorkerInfo(str(doc["site"]), str(doc["hostname"]), int(doc["pid"]), max(0.0, now - float(doc["ts"])),
                          tuple(str(s["shard"]) for s in doc.get("shards") or ()), int(doc.get("concurrency") or 1))
    except (ValueError, KeyError, TypeError):
        return None


def list_workers(broker: Broker, *, now: float | None = None) -> list[WorkerInfo]:
    """Live workers, by site then hostname (raises redis' errors when the broker is away)."""
    import redis

    client = redis.Redis.from_url(broker.redis_url(), socket_timeout=5, socket_connect_timeout=3)
    try:
        keys = list(client.scan_iter(match=WORKER_KEY + "*", count=500))
        values = client.mget(keys) if keys else []
    finally:
        client.close()
    now = time.time() if now is None else now
    found = [parse_heartbeat(v, now) for v in values if v is not None]
    return sorted((w for w in found if w is not None), key=lambda w: (w.site, w.hostname, w.pid))
