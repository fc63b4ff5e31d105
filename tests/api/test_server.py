"""The owner's API server with a real store, queue, executor and socket in this process."""

from __future__ import annotations

import asyncio
import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from ftltui.api import protocol as p
from ftltui.api.client import ApiClient, ApiError, StreamEnded
from ftltui.api.server import ApiServer
from ftltui.api.socket_path import reachable
from ftltui.errors import StateError


def gated(tmp_path: Path, cmd: str) -> tuple[str, Path]:
    """``cmd`` that waits for a file the test creates once its stream is registered
    (no guessing how long a loaded machine takes to get there)."""
    go = tmp_path / "go"
    return f"while [ ! -e {go} ]; do sleep 0.05; done; {cmd}", go


async def until(condition, what: str) -> None:
    for _ in range(1200):  # a guard of about a minute, not a speed check
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"never happened: {what}")


async def _run_job(client: ApiClient, cmd: str) -> int:
    ref = await client.request("run.submit", pattern="localhost", module="shell", args={"cmd": cmd})
    return int(ref["id"])


async def test_socket_is_private_and_inside_the_state_dir(owner) -> None:
    st = os.lstat(owner.state_dir / "api.sock")
    assert stat.S_ISSOCK(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o600
    assert [n for n in os.listdir(owner.state_dir) if n.startswith(".api.sock")] == []  # no temp left


async def test_a_live_owner_is_not_replaced(owner) -> None:
    with pytest.raises(StateError, match="already serves"):
        await ApiServer(owner.state_dir, owner.server.ops).start()
    async with await ApiClient.connect(owner.state_dir) as client:  # the first one still answers
        assert client.owner_pid == os.getpid()


async def test_stale_socket_is_replaced_and_a_non_socket_refused(tmp_path: Path, owner) -> None:
    state = tmp_path / "other"
    state.mkdir()
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dead.bind(str(state / "api.sock"))  # a dead owner's socket: bound, nobody listening
    dead.close()
    async with ApiServer(state, owner.server.ops), await ApiClient.connect(state) as client:
        assert (await client.request("owner.info"))["pid"] == os.getpid()
    assert not (state / "api.sock").exists()  # closing removes our own socket
    (state / "api.sock").write_text("not a socket")
    with pytest.raises(StateError, match="not a socket"):
        await ApiServer(state, owner.server.ops).start()
    assert (state / "api.sock").read_text() == "not a socket"  # never deleted


async def test_long_state_dir_path(tmp_path: Path, owner) -> None:
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    deep.mkdir(parents=True)
    assert len(str(deep / "api.sock")) > 108
    async with ApiServer(deep, owner.server.ops), await ApiClient.connect(deep) as client:
        assert await client.request("jobs.list") == []


async def test_other_uid_is_refused(owner) -> None:
    server = ApiServer(owner.state_dir / "x", owner.server.ops, allowed_uid=os.getuid() + 4242)
    (owner.state_dir / "x").mkdir()
    async with server:
        with pytest.raises(ApiError) as err:
            await ApiClient.connect(owner.state_dir / "x")
    assert err.value.code == p.E_FORBIDDEN and server.refused == 1


@pytest.mark.skipif(os.getuid() != 0, reason="needs root to connect as another user")
async def test_real_other_user_is_refused_by_peercred(owner) -> None:
    """Even with the file permissions opened up, the kernel-reported uid decides."""
    import shutil
    import tempfile

    shared = Path(tempfile.mkdtemp(prefix="ftl-api-"))  # pytest's tmp tree is 0700 for others
    os.chmod(shared, 0o755)
    try:
        await _connect_as_nobody(owner, shared)
    finally:
        shutil.rmtree(shared)


async def _connect_as_nobody(owner, shared: Path) -> None:
    async with ApiServer(shared, owner.server.ops) as server:
        os.chmod(shared / "api.sock", 0o666)
        code = ("import socket,struct,sys;s=socket.socket(socket.AF_UNIX);s.connect(sys.argv[1]);"
                "h=s.recv(4);print(s.recv(struct.unpack('>I',h)[0]).decode())")
        python = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable  # root's pyenv is 0700
        proc = await asyncio.create_subprocess_exec(python, "-c", code, str(shared / "api.sock"),
                                                    user=65534, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = await proc.communicate()
    assert b'"code":"forbidden"' in out, err
    assert server.refused == 1


async def test_protocol_version_mismatch_is_a_clear_error(owner) -> None:
    with pytest.raises(ApiError) as err:
        await ApiClient.connect(owner.state_dir, protocol=p.PROTOCOL_VERSION + 1)
    assert err.value.code == p.E_PROTOCOL_VERSION and "same ftl-tui version" in str(err.value)


async def test_readonly_client_reads_but_cannot_write(owner) -> None:
    async with await ApiClient.connect(owner.state_dir) as writer:
        job_id = await _run_job(writer, "true")
    async with await ApiClient.connect(owner.state_dir, readonly=True) as client:
        assert client.welcome.readonly
        for op, args in (("run.submit", {"pattern": "localhost", "module": "ping"}), ("jobs.cancel", {"id": job_id}),
                         ("jobs.purge", {}), ("jobs.requeue", {"id": job_id}), ("drift.scan", {"pattern": "all"})):
            with pytest.raises(ApiError) as err:
                await client.request(op, **args)
            assert err.value.code == p.E_READONLY
        assert [r["id"] for r in await client.request("jobs.list")] == [job_id]
        assert (await client.request("jobs.show", id=job_id))["id"] == job_id
    assert len(owner.queue.list()) == 1  # nothing was created by the refused requests


async def test_bad_requests_get_coded_errors(owner) -> None:
    async with await ApiClient.connect(owner.state_dir) as client:
        cases = [(("nope.op", {}), p.E_UNKNOWN_OP), (("jobs.show", {"id": 99}), p.E_NOT_FOUND),
                 (("jobs.show", {"id": "1"}), p.E_BAD_REQUEST), (("run.submit", {"pattern": "localhost"}), p.E_BAD_REQUEST),
                 (("run.submit", {"pattern": "localhost", "module": "no_such_module"}), p.E_BAD_REQUEST),
                 (("run.submit", {"pattern": "nomatch", "module": "ping"}), p.E_BAD_REQUEST),
                 (("workflow.submit", {"file": "relative.yml"}), p.E_BAD_REQUEST),
                 (("jobs.list", {"states": "failed"}), p.E_BAD_REQUEST)]
        for (op, args), code in cases:
            with pytest.raises(ApiError) as err:
                await client.request(op, **args)
            assert err.value.code == code, (op, args, err.value)
        assert await client.request("jobs.list") == []  # and the connection still works


async def test_logs_stream_is_complete_and_watch_ends_with_the_job(owner) -> None:
    async with await ApiClient.connect(owner.state_dir) as client:
        job_id = await _run_job(client, "seq 1 300")
        end = StreamEnded()
        watched = [m async for m in client.stream("jobs.watch", end, id=job_id)]
        assert end.result["state"] == "succeeded"
        assert all(isinstance(m, p.StreamEvent) for m in watched)  # a reading client drops nothing
        logs_end = StreamEnded()
        records = [m.event async for m in client.stream("jobs.logs", logs_end, id=job_id, follow=True)]
    lines = [r["text"] for r in records if r.get("event") == "OutputLine"]
    assert lines == [str(i) for i in range(1, 301)]
    assert records[-1]["event"] == "JobState" and records[-1]["state"] == "succeeded"
    assert logs_end.result["offset"] == os.path.getsize(owner.store.log_path(job_id))


async def test_slow_client_cannot_stall_the_owner_and_is_told_what_it_missed(owner, tmp_path: Path) -> None:
    """A client that stops reading a live view: the owner runs on, the view gets 'dropped N'."""
    owner.server.live_limit = 8 * 1024
    with reachable(owner.state_dir / "api.sock") as where:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.connect(where)
    sock.setblocking(False)
    loop = asyncio.get_running_loop()
    await loop.sock_sendall(sock, p.encode(p.Hello(p.PROTOCOL_VERSION)))
    cmd, go = gated(tmp_path, "seq 1 20000")
    async with await ApiClient.connect(owner.state_dir) as client:
        job_id = await _run_job(client, cmd)
        await loop.sock_sendall(sock, p.encode(p.Request(7, "jobs.watch", {"id": job_id})))
        await until(lambda: any(7 in s.streams for s in owner.server.sessions), "the watch is open")
        go.touch()
        await asyncio.wait_for(owner.queue.wait(job_id), 120)  # the job ends while nobody reads the view
    session = max(owner.server.sessions, key=lambda s: s.outbox.dropped_total)  # the other one may be closing
    assert session.outbox.dropped_total > 0
    decoder, msgs = p.FrameDecoder(), []
    while not any(isinstance(m, p.StreamEnd) for m in msgs):
        data = await asyncio.wait_for(loop.sock_recv(sock, 65536), 30)
        assert data, "the owner closed the slow client instead of telling it what was dropped"
        msgs += decoder.feed(data)
    sock.close()
    dropped = sum(m.count for m in msgs if isinstance(m, p.Dropped))
    outputs = sum(1 for m in msgs if isinstance(m, p.StreamEvent) and m.event.get("event") == "job.output")
    assert dropped > 0 and dropped == session.outbox.dropped_total
    assert msgs[-1].result["state"] == "succeeded"
    assert outputs + dropped >= 20000  # every output event was either sent or counted


async def test_disconnect_mid_stream_cancels_nothing(owner, tmp_path: Path) -> None:
    client = await ApiClient.connect(owner.state_dir)
    cmd, go = gated(tmp_path, "echo first; sleep 1; echo done")
    job_id = await _run_job(client, cmd)
    stream = client.stream("jobs.watch", id=job_id)
    first = asyncio.ensure_future(stream.__anext__())
    await until(lambda: any(s.streams for s in owner.server.sessions), "the watch is open")
    go.touch()
    await first  # it is streaming
    client.writer.transport.abort()  # gone, mid-stream
    job = await asyncio.wait_for(owner.queue.wait(job_id), 60)
    assert job.state == "succeeded"
    await stream.aclose()
    await client.close()


async def test_owner_gone_is_reported_to_a_waiting_client(owner) -> None:
    client = await ApiClient.connect(owner.state_dir)
    job_id = await _run_job(client, "sleep 30")
    stream = client.stream("jobs.logs", id=job_id, follow=True)
    await owner.server.close()  # the owner stops serving while the client waits
    with pytest.raises(Exception) as err:
        async for _ in stream:
            pass
    assert f"lost the connection to the owner (pid {os.getpid()})" in str(err.value)
    await client.close()
    await owner.queue.cancel(job_id)


async def test_logs_stream_survives_a_damaged_log_and_batches_big_ones(owner) -> None:
    """A crash can leave a torn line in a log; records after it still arrive, in order,
    across several batches (more than one message's worth)."""
    import json

    async with await ApiClient.connect(owner.state_dir) as client:
        job_id = await _run_job(client, "true")
        await asyncio.wait_for(owner.queue.wait(job_id), 60)
        lines = [b'{"event": "OutputLine", "text": "torn\n']
        lines.extend(json.dumps({"event": "Note", "n": i, "pad": "x" * 100}).encode() + b"\n" for i in range(6000))
        await asyncio.to_thread(_append, owner.store.log_path(job_id), b"".join(lines))
        records = [m.event async for m in client.stream("jobs.logs", id=job_id)]
    assert sum(r["event"] == "log.unreadable" for r in records) == 1
    assert [r["n"] for r in records if r["event"] == "Note"] == list(range(6000))


async def test_one_client_cannot_open_unbounded_streams(owner) -> None:
    from ftltui.api.server import MAX_STREAMS

    async with await ApiClient.connect(owner.state_dir) as client:
        job_id = await _run_job(client, "sleep 30")
        streams = [client.stream("jobs.watch", id=job_id) for _ in range(MAX_STREAMS + 1)]
        tasks = [asyncio.create_task(s.__anext__()) for s in streams]
        done, _pending = await asyncio.wait(tasks, timeout=30, return_when=asyncio.FIRST_EXCEPTION)
        errors = [t.exception() for t in done if t.exception() is not None]
        assert len(errors) == 1 and errors[0].code == p.E_BUSY
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        assert (await client.request("jobs.show", id=job_id))["id"] == job_id  # the connection still works
        await owner.queue.cancel(job_id)


def _append(path: Path, data: bytes) -> None:
    with open(path, "ab") as fh:
        fh.write(data)


async def test_jobs_list_larger_than_one_message_still_prints_every_row(owner, capsys) -> None:
    """A store keeps up to 20k finished jobs: their rows can exceed the 1 MiB message
    bound, and the command then reads the store itself rather than failing."""
    from ftltui.cli import main

    await asyncio.gather(*(owner.queue.enqueue("noop", {}, title="t" * 900) for _ in range(1500)))  # ~1.8 MB of rows
    await asyncio.wait_for(owner.queue.drain(), 120)
    async with await ApiClient.connect(owner.state_dir) as client:
        with pytest.raises(ApiError) as err:
            await client.request("jobs.list")
    assert err.value.code == p.E_TOO_LARGE
    code = await asyncio.to_thread(main, ["jobs", "list", "--json", "--state-dir", str(owner.state_dir)])
    import json

    assert code == 0 and len(json.loads(capsys.readouterr().out)) == 1500
