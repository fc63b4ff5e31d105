"""A worker that cannot fetch a shipped controller file (issue 17, session 9 hD #4): the blob
expired or was removed from Redis between the owner's upload and the worker's fetch. The hosts
that need that file fail as not run (``unreachable``: the retry rule runs them again), with a
message naming the file; they are never claimed as started, never look like they ran; a host
of the same shard whose own file is there runs. The next call ships the file again and runs.

Real parts: the session's redis-server and ``ftl-tui worker`` of site ``east`` (conftest), the
owner's real Executor, SitePlacement and SiteDispatcher. The one staged fault: the file's blob
is deleted from Redis just before Celery publishes the shard (as an expiry would).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ftltui.engine.events import Event, HostStarted
from ftltui.engine.executor import Executor
from ftltui.inventory import load_inventory
from ftltui.jobs.retry import RETRY, decide
from ftltui.sites import dispatch
from ftltui.sites.broker import Broker
from ftltui.sites.dispatch import SiteDispatcher
from ftltui.sites.placement import SitePlacement
from ftltui.sites.seal import Sealer, load_key
from ftltui.sites.settings import SiteSettings
from ftltui.sites.wire import Keys


def _before_each_send(monkeypatch: pytest.MonkeyPatch, before: Callable[[], None]) -> None:
    """The staged fault: ``before()`` runs just before Celery publishes each shard."""
    real_make_app = dispatch.make_app

    def make_app(broker: Broker) -> Any:
        app = real_make_app(broker)
        real_send = app.send_task

        def send_task(*args: Any, **kwargs: Any) -> Any:
            before()
            return real_send(*args, **kwargs)

        app.send_task = send_task
        return app

    monkeypatch.setattr(dispatch, "make_app", make_app)


def _site_copy(tmp_path: Path, redis_server: Any, sealer: Sealer, files: dict[str, Path]) -> tuple[Executor, Path]:
    """The owner's real Executor with site ``east`` for hosts ``files`` (host -> its src_file),
    and the directory their copies go to (``out/<host>``)."""
    inv = tmp_path / "inv.yml"
    hosts = ", ".join(f"{h}: {{src_file: {f}}}" for h, f in files.items())
    inv.write_text("all:\n  vars: {ansible_connection: local, ftl_site: east}\n" f"  hosts: {{{hosts}}}\n")
    dispatcher = SiteDispatcher(Broker(redis_server.url, "test"), sealer, pickup_timeout=60)
    inventory = load_inventory([str(inv)])
    ex = Executor(inventory, placements=[SitePlacement(SiteSettings(), dispatcher, inventory=lambda: inventory)])
    out = tmp_path / "out"
    out.mkdir()
    return ex, out


def _copy_args(out: Path) -> dict[str, str]:
    return {"src": "{{ src_file }}", "dest": str(out) + "/{{ inventory_hostname }}"}


async def test_a_file_gone_from_the_broker_fails_its_hosts_as_not_run(tmp_path: Path, redis_server: Any,
                                                                     key_file: Path, east: Any,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    sealer = Sealer(load_key(key_file))
    gone, kept = tmp_path / "gone.conf", tmp_path / "kept.conf"
    gone.write_text(f"expired before the worker fetched it {tmp_path.name}\n")
    kept.write_text(f"still there {tmp_path.name}\n")
    gone_key = Keys.blob(sealer.digest(gone.read_bytes()))
    client = redis_server.client()
    lose = [True]

    def lose_the_file() -> None:
        if lose[0]:
            client.delete(gone_key)  # uploaded a moment ago; gone before the worker fetches it

    _before_each_send(monkeypatch, lose_the_file)
    ex, out = _site_copy(tmp_path, redis_server, sealer, {"g1": gone, "k1": kept})
    events: list[Event] = []
    args = _copy_args(out)
    try:
        first = await ex.run("g1:k1", "copy", args, on_event=events.append)
        lose[0] = False
        again = await ex.run("g1", "copy", args)  # the retry: the file is shipped again
    finally:
        await ex.close()
    g1, k1 = first.results["g1"], first.results["k1"]
    assert k1.status == "changed", k1.result
    assert (out / "k1").read_text() == kept.read_text()
    assert g1.status == "unreachable" and g1.error_kind == "unreachable", g1.result
    assert str(gone) in g1.msg and "not run" in g1.msg and "no longer in the broker" in g1.msg, g1.msg
    assert decide(g1.status, g1.error_kind, False) == RETRY  # a retry may run it
    assert "g1" not in {e.host for e in events if isinstance(e, HostStarted)}
    keys = Keys(first.run_id, 1)
    assert {m.decode() for m in client.smembers(keys.started)} == {"k1"}
    assert again.results["g1"].status == "changed", again.results["g1"].result
    assert (out / "g1").read_text() == gone.read_text()


async def test_a_file_the_broker_holds_another_content_for_fails_final(tmp_path: Path, redis_server: Any,
                                                                     key_file: Path, east: Any,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The broker holds another content under the file's keyed digest (session 9 hV1 #3): the
    worker refuses it, and a retry would meet the same (the owner's next call finds the key
    there and only renews it). The host fails, final (``bad_args``: the retry rule runs it no
    more), not run and never started, and no message promises that a retry ships it again; the
    shard's other host runs."""
    sealer = Sealer(load_key(key_file))
    bad, kept = tmp_path / "bad.conf", tmp_path / "kept.conf"
    bad.write_text(f"the task names this content {tmp_path.name}\n")
    kept.write_text(f"still there {tmp_path.name}\n")
    bad_key = Keys.blob(sealer.digest(bad.read_bytes()))
    client = redis_server.client()
    _before_each_send(monkeypatch, lambda: client.set(bad_key, sealer.seal_bytes(b"another content\n")))  # it opens
    ex, out = _site_copy(tmp_path, redis_server, sealer, {"r1": bad, "k1": kept})
    events: list[Event] = []
    try:
        res = await ex.run("r1:k1", "copy", _copy_args(out), on_event=events.append)
    finally:
        client.delete(bad_key)
        await ex.close()
    r1, k1 = res.results["r1"], res.results["k1"]
    assert k1.status == "changed", k1.result
    assert (r1.status, r1.error_kind) == ("failed", "bad_args"), r1.result
    assert str(bad) in r1.msg and "another content" in r1.msg and "retry" not in r1.msg, r1.msg
    assert decide(r1.status, r1.error_kind, False) != RETRY
    assert not (out / "r1").exists()
    assert "r1" not in {e.host for e in events if isinstance(e, HostStarted)}


async def test_after_the_brokers_first_error_no_other_file_is_fetched(tmp_path: Path, redis_server: Any,
                                                                      key_file: Path, east: Any) -> None:
    """The broker fails the worker's fetch of the shard's first file (session 9 hV1 #4): the
    worker fetches no other file, and the hosts that need them are not run as well (a retry
    ships them again). A silent Redis held each fetch for the worker's socket timeout (and
    redis-py's retries), one file after another, while the shard's lease lapsed. Staged
    error: the first file's key holds a list, so Redis answers its GET with WRONGTYPE (a
    broker error, as a timeout is) at once; the owner finds the key there and does not
    rewrite it. The second file's blob is intact: before, it was fetched and its host ran."""
    sealer = Sealer(load_key(key_file))
    first, second = tmp_path / "a.conf", tmp_path / "b.conf"  # fetched in this order (sorted)
    first.write_text(f"first {tmp_path.name}\n")
    second.write_text(f"second {tmp_path.name}\n")
    first_key = Keys.blob(sealer.digest(first.read_bytes()))
    client = redis_server.client()
    client.delete(first_key)
    client.rpush(first_key, "not a sealed file")
    ex, out = _site_copy(tmp_path, redis_server, sealer, {"a1": first, "b1": second})
    events: list[Event] = []
    try:
        res = await ex.run("a1:b1", "copy", _copy_args(out), on_event=events.append)
    finally:
        client.delete(first_key)
        await ex.close()
    a1, b1 = res.results["a1"], res.results["b1"]
    assert (a1.status, a1.error_kind) == ("unreachable", "unreachable"), a1.result
    assert "unreachable: ResponseError" in a1.msg and "a retry ships it again" in a1.msg, a1.msg
    assert (b1.status, b1.error_kind) == ("unreachable", "unreachable"), b1.result
    assert str(second) in b1.msg and "not fetched" in b1.msg and "ResponseError" in b1.msg, b1.msg
    assert "a retry ships it again" in b1.msg and decide(b1.status, b1.error_kind, False) == RETRY
    assert not (out / "b1").exists()
    assert not {e.host for e in events if isinstance(e, HostStarted)}
