"""A broker fetch that fails with a bare OSError (a socket-level error redis-py does not wrap)
is the broker's failure, not a write failure on the worker (session 9 hV3 #6): the file's
hosts are not run with the broker's message and a retry's promise, and no later file is
fetched (hV1 #4). Before, ``except OSError`` came first: "cannot write it on the worker", no
retry promise, and every later file was fetched from the failing broker too.

Real parts: the session's redis-server and a :class:`SiteWorker` in this process; its files
are written out by its own ``_materialize``. The one staged fault: the worker's Redis client
(redis-py's, a third-party boundary) raises ConnectionResetError for a blob GET, as a reset
socket would without redis-py's wrapping.
"""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import redis

from ftltui.sites.broker import Broker
from ftltui.sites.seal import Sealer, load_key
from ftltui.sites.wire import Keys, ShardHost, ShardTask
from ftltui.sites.worker import SiteWorker, _ShardRun


class _ResetOnBlobs(redis.Redis):
    """redis-py's client whose blob GETs meet a reset socket, counted."""

    gets = 0

    def get(self, name: Any) -> Any:
        if str(name).startswith(Keys.blob("")):
            type(self).gets += 1
            raise ConnectionResetError(104, "Connection reset by peer")
        return super().get(name)


def test_a_bare_oserror_from_the_broker_is_the_brokers_failure(tmp_path: Path, redis_server: Any,
                                                                key_file: Path) -> None:
    sealer = Sealer(load_key(key_file))
    broker = Broker(redis_server.url, "test")
    worker = SiteWorker("oserror", broker, sealer)
    worker.redis = _ResetOnBlobs.from_url(broker.redis_url(), socket_timeout=10, socket_connect_timeout=5)
    files = {f"/ctl/{n}.conf": {"blob": sealer.digest(n.encode()), "mode": 0o600} for n in ("a", "b")}
    task = ShardTask(job="oserr", attempt=1, site="oserror", run_id="oserr", module="copy", args={},
                     hosts=[ShardHost("h1", {"ansible_connection": "local"}, [])], files=files)
    pool = ThreadPoolExecutor(1)
    st = _ShardRun(task, Keys(task.job, task.attempt), pool, "claim", pool)
    try:
        out, problems = worker._materialize(st)
    finally:
        pool.shutdown()
        shutil.rmtree(st.tmpdir or tmp_path / "none", ignore_errors=True)
        worker.stop()
    assert out == {}
    first, second = problems["/ctl/a.conf"], problems["/ctl/b.conf"]
    assert f"broker {broker.shown} unreachable: ConnectionResetError" in first.text, first
    assert first.retry and first.kind == "unreachable"
    assert "not fetched" in second.text and second.retry, second
    assert "cannot write it on the worker" not in first.text + second.text
    assert _ResetOnBlobs.gets == 1  # the second file was not asked of the failing broker
