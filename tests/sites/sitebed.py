"""Real parts for the site-worker tests (used by conftest.py and by hand): a redis-server with a
password on a Unix socket, ``ftl-tui worker`` processes, a shared Fernet key."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis

REDIS_SERVER = "/usr/bin/redis-server"
PASSWORD = "ftl-Redis-test-4417-pw"


@dataclass
class RedisServer:
    """One redis-server on a Unix socket (no TCP), requirepass set, AOF on (survives a restart)."""

    dir: Path
    proc: subprocess.Popen[bytes] | None = None

    @property
    def socket(self) -> Path:
        return self.dir / "redis.sock"

    @property
    def url(self) -> str:
        return f"redis+socket://:{PASSWORD}@{self.socket}"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [REDIS_SERVER, "--port", "0", "--unixsocket", str(self.socket), "--unixsocketperm", "600",
             "--requirepass", PASSWORD, "--dir", str(self.dir), "--appendonly", "yes", "--appendfsync", "always",
             "--save", "", "--daemonize", "no", "--logfile", str(self.dir / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = self.client()
        for _ in range(200):
            try:
                client.ping()
                return
            except redis.RedisError:
                time.sleep(0.02)
        raise RuntimeError(f"redis-server did not start: {(self.dir / 'redis.log').read_text()[-500:]}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.proc = None

    def client(self) -> Any:
        return redis.Redis(unix_socket_path=str(self.socket), password=PASSWORD, socket_timeout=5)


@dataclass
class Workers:
    """``ftl-tui worker`` processes started by a test module (stopped by PID at its end)."""

    server: RedisServer
    key: Path
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self, site: str, *, netns: str | None = None, concurrency: int = 2,
              env: dict[str, str] | None = None, count: int = 1) -> subprocess.Popen[bytes]:
        """Start ``count`` workers of ``site`` at once; return the first once all are alive."""
        procs = [self._spawn(site, netns, concurrency, env) for _ in range(count)]
        for proc in procs:
            self.wait_alive(site, proc.pid)
        return procs[0]

    def _spawn(self, site: str, netns: str | None, concurrency: int,
               env: dict[str, str] | None) -> subprocess.Popen[bytes]:
        log = open(self.server.dir / f"worker-{site}-{len(self.procs)}.log", "wb")
        argv = [sys.executable, "-m", "ftltui", "worker", "--site", site, "--key-file", str(self.key),
                "--concurrency", str(concurrency)]
        if netns:
            argv = ["ip", "netns", "exec", netns, *argv]
        proc = subprocess.Popen(argv, env=dict(os.environ, FTL_TUI_BROKER=self.server.url, **(env or {})),
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.procs.append(proc)
        return proc

    def by_pid(self, pid: int) -> subprocess.Popen[bytes]:
        return next(p for p in self.procs if p.pid == pid)

    def wait_alive(self, site: str, pid: int, timeout: float = 30.0) -> None:
        """Until the worker's heartbeat is in Redis (it consumes its queue from then on, or very soon)."""
        client = self.server.client()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(k.decode().endswith(f":{pid}") for k in client.scan_iter(match=f"ftltui:site:worker:{site}:*")):
                time.sleep(0.5)  # the heartbeat thread starts just before Celery's consumer
                return
            time.sleep(0.05)
        raise RuntimeError(f"worker for {site} (pid {pid}) did not come up; log:\n{self.log_text()[-2000:]}")

    def log_text(self) -> str:
        return "".join(p.read_text(errors="replace") for p in sorted(self.server.dir.glob("worker-*.log")))

    def kill9(self, proc: subprocess.Popen[bytes]) -> None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)

    def stop_all(self) -> None:
        """Kill every worker started (nothing of theirs needs a clean shutdown here)."""
        for p in self.procs:
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                p.wait(10)
        self.procs.clear()


def wait_for(check: Any, what: str, timeout: float = 60.0) -> None:
    """Poll ``check`` until true (a worker thread or another process acts); fail naming ``what``
    after ``timeout`` seconds, a guard against a hang and not a speed check."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        time.sleep(0.02)


def members(client: Any, key: str) -> set[str]:
    """A redis set's members as text."""
    return {m.decode() for m in client.smembers(key)}
