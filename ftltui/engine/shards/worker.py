"""A shard worker: one process on the controller running an Executor for its share of hosts.

Started by :class:`~ftltui.engine.shards.process.ProcessShards` as
``python -m ftltui.engine.shards.worker`` (nothing else in argv: the setup, the inventory,
requests and their secrets arrive on stdin), it lives as long as the controller's
Executor so its SSH connections and remote gates stay warm across every run a playbook
makes. It answers on a dup of its stdout (fd 1 itself is pointed at stderr so a stray
print cannot corrupt the pipe). Its own loop, its own Executor, its own SSH pool: the
CPU a run costs is spread over the controller's cores.

Messages in: ``("setup", ShardConfig)``, ``("inventory", pickled inventory or None)``,
``("facts", {host: facts})`` (each host's facts once per gathering; kept for later runs),
``("run", ShardRequest)``, ``("cancel", run_id, fail_fast)``, ``("close",)``.
Messages out: ``("event", Event)`` for a run's host events, ``("bus", Event)`` for the
executor's own warnings (no run), ``("done", run_id, {host: HostResult})`` (real results),
``("error", run_id, text)``; ``done`` also carries the worker's (connections, tunnels). The end of stdin (the controller exited, however) ends it.
"""

from __future__ import annotations

import asyncio
import os
import pickle
import signal
import sys
from pathlib import Path
from typing import Any, Callable

from ftltui.engine.events import Event, RunFinished, RunStarted
from ftltui.engine.executor import Executor
from ftltui.engine.placement import ShardRequest
from ftltui.engine.shards.config import ShardConfig
from ftltui.engine.shards.wire import frame, read_frame, write_all


class _Sender:
    """Frames out, batched per loop iteration (one write for a burst of events)."""

    def __init__(self, fd: int, loop: asyncio.AbstractEventLoop) -> None:
        self.fd = fd
        self.loop = loop
        self.buf: list[bytes] = []

    def send(self, msg: tuple[Any, ...]) -> None:
        if not self.buf:
            self.loop.call_soon(self.flush)
        self.buf.append(frame(msg))

    def flush(self) -> None:
        data, self.buf = b"".join(self.buf), []
        if data:
            try:
                write_all(self.fd, data)
            except (BrokenPipeError, OSError):  # the controller is gone: stdin's end stops us
                pass


def _set_group_nice(nice: int) -> bool | None:
    """Write this process's session (autogroup) nice: True when set, False when the kernel's
    rate limit refused it for now (EAGAIN), None when it cannot be set at all."""
    try:
        Path("/proc/self/autogroup").write_text(str(nice))
        return True
    except BlockingIOError:  # another process changed an autogroup within the last 100 ms
        return False
    except OSError:  # no autogroup scheduling (or not allowed): the process nice only
        return None


async def _lower_group(nice: int) -> None:
    """This worker's session (autogroup) nice (ShardConfig.group_nice says why). The kernel lets
    an unprivileged process change an autogroup's nice once per 100 ms machine-wide
    (EAGAIN otherwise), and workers start together: try again a little later, a few times.

    Only a worker that leads its own session does it (process.py starts it with
    ``start_new_session``): one started any other way (by hand, a test, a future spawn
    path) shares its caller's session, and would renice the caller's, e.g. the console's
    terminal session (hV3 #5)."""
    if os.getsid(0) != os.getpid():
        return
    for _ in range(20):
        if _set_group_nice(nice) is not False:
            return
        await asyncio.sleep(0.11)


async def _run(executor: Executor, req: ShardRequest, sender: _Sender) -> None:
    executor.add_secrets(req.secrets)
    executor.facts.update(req.facts)
    executor.ansible_modules = frozenset(req.ansible_modules)
    executor.verbosity = req.verbosity
    executor.base_dir = req.base_dir
    try:
        res = await executor.run(list(req.hosts), req.module, req.args, check=req.check, timeout=req.timeout,
                                 fail_fast=req.fail_fast, run_id=req.run_id, diff=req.diff, no_log=req.no_log,
                                 keep_result=True, rendered=req.rendered, environment=req.environment)
    except BaseException as exc:  # noqa: BLE001 - reported, never swallowed silently
        sender.send(("error", req.run_id, f"{type(exc).__name__}: {exc}"))
        if not isinstance(exc, Exception):
            raise
        return
    stats = executor.connection_stats()  # the controller adds it to its own (the console shows it)
    sender.send(("done", req.run_id, res.results, (stats.connections, stats.tunnels)))


def _forget(runs: dict[str, asyncio.Task[None]], run_id: str) -> Callable[[asyncio.Task[None]], None]:
    def done(_task: asyncio.Task[None]) -> None:
        runs.pop(run_id, None)

    return done


async def serve(in_fd: int, out_fd: int) -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=1 << 20)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(in_fd, "rb", buffering=0))
    sender = _Sender(out_fd, loop)
    executor: Executor | None = None
    background: set[asyncio.Task[None]] = set()  # held: the loop keeps only weak references to tasks
    runs: dict[str, asyncio.Task[None]] = {}

    nicing: list[asyncio.Task[None]] = []  # the one task setting the session nice: the latest value wins

    def renice(nice: int) -> None:
        for task in nicing:
            task.cancel()  # an older value still waiting out the kernel's rate limit
        task = asyncio.create_task(_lower_group(nice))
        nicing[:] = [task]
        background.add(task)
        task.add_done_callback(background.discard)

    def forward(event: Event) -> None:
        if isinstance(event, (RunStarted, RunFinished)):
            return  # the controller's executor emits its own
        sender.send(("event" if event.run_id else "bus", event))

    while True:
        msg = await read_frame(reader)
        if msg is None or msg[0] == "close":
            break
        op = msg[0]
        if op == "setup":
            cfg: ShardConfig = msg[1]
            if cfg.nice > 0:
                try:
                    os.nice(cfg.nice)
                except OSError:  # not allowed (a container's seccomp): run at the controller's priority
                    pass
            if cfg.group_nice > 0:
                renice(cfg.group_nice)
            executor = Executor(None, forks=cfg.forks, secret_vars=cfg.secret_vars, ssh_options=cfg.ssh_options,
                                base_dir=cfg.base_dir)
            executor.bus.subscribe(forward)
        elif executor is None:
            continue
        elif op == "inventory":  # pickled once by the controller for every worker
            executor.set_inventory(pickle.loads(msg[1]) if msg[1] is not None else None)
        elif op == "facts":  # hosts' facts new since the last run (the controller sends each once)
            executor.facts.update(msg[1])
        elif op == "run":
            req: ShardRequest = msg[1]
            task = asyncio.create_task(_run(executor, req, sender))
            runs[req.run_id] = task
            task.add_done_callback(_forget(runs, req.run_id))
        elif op == "cancel":
            executor.cancel(msg[1], fail_fast=bool(msg[2]))
        elif op == "group_nice":  # the controller's operator started or stopped pressing keys
            renice(int(msg[1]))
    for task in list(runs.values()):
        task.cancel()
    await asyncio.gather(*runs.values(), return_exceptions=True)
    sender.flush()
    if executor is not None:
        await executor.close()


def main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the controller cancels; a terminal's ^C is its to handle
    out_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    asyncio.run(serve(0, out_fd))


if __name__ == "__main__":
    main()
