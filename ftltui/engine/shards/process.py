"""Process shards: the controller's own cores, as a :class:`~ftltui.engine.placement.Placement`.

One asyncio loop drives every host of a run on one core (about 13 ms of controller CPU
per host and run over SSH, bench/RESULTS.md). ``ProcessShards`` spreads hosts over N
long-lived worker processes (``ftltui.engine.shards.worker``), each with its own loop,
Executor and SSH pool. A host is given to the least loaded shard the first time it is
seen and stays there for the Executor's lifetime, so its connection and gate stay warm
across the many calls a playbook makes (one per host and task). Workers start lazily on
the first run that needs them and stop in ``Executor.close``.

Events stream back on a pipe as they happen, in order per host; the controller's
Executor re-emits them (after its own redaction) so jobs, the console and drift see the
same stream as in-process. A worker that dies (SIGKILL, OOM) fails only its unfinished
hosts, with error kind ``lost`` (uncertain: the retry ledger never reruns them as if they
had not started); a later run starts a fresh worker.
"""

from __future__ import annotations

import asyncio
import os
import pickle
import signal
import sys
import time
from collections import deque
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Callable, Mapping

import ftltui
from ftltui.engine.events import Event, HostFinished, HostResult, Warning_
from ftltui.engine.placement import LOST_KIND, Emit, ShardRequest
from ftltui.engine.shards.config import ShardConfig
from ftltui.engine.shards.wire import frame, read_frame
from ftltui.inventory.model import Host

if TYPE_CHECKING:
    from ftltui.engine.executor import Executor
    from ftltui.engine.host_source import HostSource

LOST_MSG = "controller shard worker lost"
CANCEL_GRACE = 30.0  # seconds a cancelled run waits for its worker's last results
STDERR_TAIL = 20  # lines of a worker's stderr kept to explain its death
# At most this long (seconds) spent handing a worker's events on before the loop gets a turn.
# ``read_frame`` does not yield while the pipe's buffer (1 MB) holds whole frames, so a
# burst of 1,000 hosts' results was handled in one go: 130-160 ms in which the console
# answered no key (issue 17, bench/RESULTS-scale.md).
READ_SLICE = 0.005


@dataclass
class _Pending:
    """A run in flight on one worker."""

    emit: Emit
    hosts: tuple[str, ...]
    done: asyncio.Future[dict[str, HostResult]]
    finished: set[str] = field(default_factory=set)


class _Worker:
    """One shard worker process and the task that reads its pipe."""

    def __init__(self, index: int, config: ShardConfig, bus_emit: Callable[[Event], None]) -> None:
        self.index = index
        self.config = config
        self.bus_emit = bus_emit
        self.proc: asyncio.subprocess.Process | None = None
        self.pending: dict[str, _Pending] = {}
        self.inventory: HostSource | None = None  # the controller's inventory object last sent
        self.facts_sent: dict[str, dict[str, Any]] = {}  # host -> the facts object the worker holds
        self.stderr: deque[str] = deque(maxlen=STDERR_TAIL)
        self.dead = False
        self.stats: tuple[int, int] = (0, 0)  # (connections, tunnels) its pool held after its last run
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    async def start(self) -> None:
        env = dict(os.environ)  # nothing secret added: secrets travel on the pipe
        root = os.path.dirname(os.path.dirname(os.path.abspath(ftltui.__file__)))
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "ftltui.engine.shards.worker",
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            env=env, start_new_session=True, limit=1 << 20)
        self._send(("setup", self.config))
        self._tasks = [asyncio.create_task(self._read(), name=f"ftl:shard{self.index}:read"),
                       asyncio.create_task(self._read_stderr(), name=f"ftl:shard{self.index}:stderr")]

    def _send(self, msg: tuple[Any, ...]) -> None:
        assert self.proc is not None and self.proc.stdin is not None
        if not self.dead:
            self.proc.stdin.write(frame(msg))

    def set_group_nice(self, nice: int) -> None:
        """The worker's session (autogroup) nice from now on (ShardConfig.input_group_nice)."""
        if self.proc is not None:
            self._send(("group_nice", nice))

    def send_inventory(self, inventory: HostSource | None, blob: bytes | None) -> None:
        """The controller's inventory (``blob``: its pickle, made once for every worker), when it changed."""
        if inventory is self.inventory:
            return
        self.inventory = inventory
        self._send(("inventory", blob))

    def send_facts(self, facts: Mapping[str, dict[str, Any]]) -> None:
        """The facts the worker does not hold yet. A ``template`` call carries every host's
        facts (``hostvars``), so each call re-sent them all: 1,000 hosts' facts pickled per
        task. The worker keeps what it got (its Executor's ``facts``); the controller
        replaces a host's facts object when it gathers again, so a new object is a change."""
        delta = {h: f for h, f in facts.items() if self.facts_sent.get(h) is not f}
        if delta:
            self._send(("facts", delta))
            self.facts_sent.update(delta)

    async def run(self, request: ShardRequest, emit: Emit) -> dict[str, HostResult]:
        loop = asyncio.get_running_loop()
        pending = _Pending(emit, request.host_names, loop.create_future())
        self.pending[request.run_id] = pending
        try:
            self._send(("run", request))
            assert self.proc is not None and self.proc.stdin is not None
            try:
                try:
                    await self.proc.stdin.drain()
                except (ConnectionError, BrokenPipeError):
                    pass  # the reader sees the end and fails the run as lost
                if self.dead:
                    self._lose(pending)
                return await asyncio.shield(pending.done)
            except asyncio.CancelledError:  # the run's task was cancelled: stop it in the worker too
                self.cancel(request.run_id, fail_fast=False)
                try:
                    await asyncio.wait_for(asyncio.shield(pending.done), CANCEL_GRACE)
                except (asyncio.TimeoutError, asyncio.CancelledError):
                    pass
                raise
        finally:
            self.pending.pop(request.run_id, None)

    def cancel(self, run_id: str, *, fail_fast: bool) -> None:
        if run_id in self.pending and not self.dead:
            self._send(("cancel", run_id, fail_fast))

    async def _read(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        reader = self.proc.stdout
        clock = time.perf_counter
        try:
            slice_end = clock() + READ_SLICE
            while True:
                msg = await read_frame(reader)  # returns without yielding while frames are buffered
                if msg is None:
                    break
                self._dispatch(msg)
                if clock() > slice_end:  # a burst of events: let key presses and timers in between
                    await asyncio.sleep(0)
                    slice_end = clock() + READ_SLICE
        except Exception as exc:  # a broken frame: the worker cannot be trusted any more
            self.stderr.append(f"shard pipe: {exc}")
            if self.proc.returncode is None:
                self.proc.kill()
        self.dead = True
        await self.proc.wait()
        for p in list(self.pending.values()):
            self._lose(p)

    def _dispatch(self, msg: tuple[Any, ...]) -> None:
        op = msg[0]
        if op == "event":
            event: Event = msg[1]
            p = self.pending.get(event.run_id)
            if p is None:
                return
            if isinstance(event, HostFinished):
                p.finished.add(event.host)
            p.emit(event)
        elif op == "bus":
            self.bus_emit(msg[1])
        elif op == "done":
            if len(msg) > 3:
                self.stats = msg[3]
            p = self.pending.get(msg[1])
            if p is not None and not p.done.done():
                p.done.set_result(msg[2])
        elif op == "error":
            p = self.pending.get(msg[1])
            if p is not None and not p.done.done():
                p.done.set_exception(RuntimeError(f"shard worker: {msg[2]}"))

    async def _read_stderr(self) -> None:
        assert self.proc is not None and self.proc.stderr is not None
        try:
            while line := await self.proc.stderr.readline():
                self.stderr.append(line.decode(errors="replace").rstrip())
        except ValueError:  # a line longer than the stream's limit: stop keeping the tail
            pass

    def _lose(self, p: _Pending) -> None:
        """The worker died: its unfinished hosts fail as ``lost`` (the module may have run)."""
        if p.done.done():
            return
        rc = self.proc.returncode if self.proc else None
        if rc is not None and rc < 0:
            how = f"killed by {signal.Signals(-rc).name}"
        else:  # it ended by itself: its last stderr line says why (an import error, a crash)
            how = f"exit status {rc}" + (f": {self.stderr[-1][:200]}" if self.stderr else "")
        why = f"{LOST_MSG} (pid {self.pid}, {how}); the module may have run"
        p.done.set_result({h: HostResult(h, "failed", {"failed": True, "changed": False, "msg": f"{h}: {why}"},
                                         0.0, LOST_KIND)
                           for h in p.hosts if h not in p.finished})

    async def close(self) -> None:
        if self.proc is None:
            return
        if self.proc.returncode is None:
            try:
                self._send(("close",))
                assert self.proc.stdin is not None
                self.proc.stdin.close()
                await asyncio.wait_for(self.proc.wait(), 10)
            except (asyncio.TimeoutError, ConnectionError, BrokenPipeError):
                self.proc.kill()
                await self.proc.wait()
        for t in self._tasks:
            t.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


class ProcessShards:
    """The :class:`~ftltui.engine.placement.Placement` of the controller's worker processes.

    ``workers``: how many (``None``: :func:`~ftltui.engine.shards.auto.auto_workers` from the
    inventory's size and the cores, decided on first use). With one worker it claims nothing:
    every host runs in the controller's own loop, as without shards.
    """

    def __init__(self, executor: Executor, workers: int | None, config: ShardConfig) -> None:
        self._executor = executor
        self._requested = workers
        self._n: int | None = None
        self._decided_for: HostSource | None = None  # the inventory ``auto`` counted
        self._blob: tuple[HostSource | None, bytes | None] = (None, None)  # (inventory, its pickle) for the workers
        self._config = config
        self._workers: list[_Worker | None] = []
        self._assign: dict[str, int] = {}
        self._load: list[int] = []
        self._starting: dict[int, asyncio.Task[_Worker]] = {}
        self._interactive = False  # the operator is at the keys (set_interactive)

    @property
    def workers(self) -> int:
        inventory = self._executor.inventory
        if self._n is not None and self._requested is None and inventory is not self._decided_for \
                and not any(self._workers) and not self._assign:
            self._n = None  # auto, nothing started yet, and a new inventory (the console loaded one): count again
        if self._n is None:
            self._decided_for = inventory
            from ftltui.engine.shards.auto import auto_workers

            hosts = len(inventory.hosts) if inventory is not None else 0
            n = self._requested if self._requested is not None else auto_workers(hosts)
            self._n = max(1, int(n))
            self._workers = [None] * self._n
            self._load = [0] * self._n
        return self._n

    def pids(self) -> list[int]:
        """Worker processes running now (tests and the console read them)."""
        return [w.pid for w in self._workers if w is not None and not w.dead and w.pid is not None]

    def connection_stats(self) -> tuple[int, int]:
        """(connections, tunnels) the live workers' pools held after their last runs."""
        live = [w.stats for w in self._workers if w is not None and not w.dead]
        return sum(c for c, _ in live), sum(t for _, t in live)

    def shard_of(self, name: str) -> int:
        """The host's worker: the least loaded one the first time, the same one after."""
        i = self._assign.get(name)
        if i is None:
            self.workers  # noqa: B018 - decides the count
            i = min(range(len(self._load)), key=self._load.__getitem__)
            self._assign[name] = i
            self._load[i] += 1
        return i

    def claims(self, host: Host) -> bool:
        return self.workers > 1

    async def _worker(self, i: int) -> _Worker:
        w = self._workers[i]
        if w is not None and not w.dead:
            return w
        task = self._starting.get(i)
        if task is None:
            async def start() -> _Worker:
                if w is not None:
                    await w.close()
                fresh = _Worker(i, replace(self._config, forks=-(-self._config.forks // self.workers)),
                                self._executor.bus.emit)
                await fresh.start()
                if self._interactive and self._config.group_nice > 0:
                    fresh.set_group_nice(self._config.input_group_nice)
                self._workers[i] = fresh
                return fresh

            task = self._starting[i] = asyncio.create_task(start())
            task.add_done_callback(lambda _t: self._starting.pop(i, None))
        return await asyncio.shield(task)

    async def run(self, request: ShardRequest, hosts: list[Host], emit: Emit) -> dict[str, HostResult]:
        shares: dict[int, list[Host]] = {}
        for h in hosts:
            shares.setdefault(self.shard_of(h.name), []).append(h)

        async def on(i: int, share: list[Host]) -> dict[str, HostResult]:
            w = await self._worker(i)
            w.send_inventory(self._executor.inventory, self._inventory_blob())
            w.send_facts(request.facts)  # once per host and gathering, not with every request
            return await w.run(replace(request, hosts=tuple(share), facts={}), emit)

        tasks = [asyncio.create_task(on(i, share)) for i, share in sorted(shares.items())]
        try:
            done = await asyncio.gather(*tasks)
        except asyncio.CancelledError:
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
        out: dict[str, HostResult] = {}
        for part in done:
            out.update(part)
        return out

    def _inventory_blob(self) -> bytes | None:
        """The inventory's pickle, made once per inventory object; ``None`` (with a warning) when it
        cannot be pickled: hosts still carry their own vars, ``hostvars`` of others are missing."""
        inventory = self._executor.inventory
        if self._blob[0] is not inventory:
            try:
                blob: bytes | None = pickle.dumps(inventory, protocol=pickle.HIGHEST_PROTOCOL)
            except Exception as exc:
                self._executor.bus.emit(Warning_("", host=None, text=(
                    f"shard workers: the inventory cannot be sent ({type(exc).__name__}: {exc}); "
                    "hostvars of other hosts are not available to templates there")))
                blob = None
            self._blob = (inventory, blob)
        return self._blob[1]

    def set_interactive(self, active: bool) -> None:
        """The operator started (True) or stopped pressing keys: the workers' sessions go to
        ``input_group_nice`` or back to ``group_nice`` (ShardConfig says why). Nothing when
        session priorities are turned off (``group_nice`` 0) or nothing changes."""
        if active == self._interactive or self._config.group_nice <= 0:
            return
        self._interactive = active
        nice = self._config.input_group_nice if active else self._config.group_nice
        for w in self._workers:
            if w is not None and not w.dead:
                w.set_group_nice(nice)

    def cancel(self, run_id: str, *, fail_fast: bool = False) -> None:
        for w in self._workers:
            if w is not None:
                w.cancel(run_id, fail_fast=fail_fast)

    async def close(self) -> None:
        for t in list(self._starting.values()):
            await asyncio.gather(t, return_exceptions=True)
        workers = [w for w in self._workers if w is not None]
        self._workers = [None] * len(self._workers)
        await asyncio.gather(*(w.close() for w in workers), return_exceptions=True)
