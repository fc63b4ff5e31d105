"""The ``local`` connection: modules run in this process, off the event loop.

Modules are synchronous stdlib code (the same code runs in the remote gate), so they
run in a dedicated thread pool sized to ``forks``; their streamed output is handed to
the loop in budgeted batches (``_OutputPump``). Cancelling sets the module's cancel flag (a
running subprocess is terminated) and waits briefly for the thread to notice. Processes
the modules start are recorded with :mod:`ftltui.engine.procguard`, which stops them if
this process dies (SIGKILL included) before it could.

A host with ``ansible_become`` cannot use this in-process path (a thread cannot change
user): its modules run in a gate child started through sudo/su (:mod:`ftltui.engine.local_gate`).
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import stat
import threading
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable

from ftltui import modules
from ftltui.engine import procguard
from ftltui.engine.become import become_for
from ftltui.engine.local_gate import LocalBecome
from ftltui.engine.runner import OutputCallback
from ftltui.inventory.model import Host
from ftltui.modules import _process
from ftltui.modules._outcap import OutputLimits
from ftltui.modules.base import ModuleContext
from ftltui.state.storage import atomic_stream

CANCEL_GRACE = 5.0  # seconds a cancelled module gets to stop its subprocess
MAX_PENDING_LINES = 256  # output lines queued for the event loop before the module waits


DRAIN_BUDGET = 0.002  # seconds of output delivery per loop iteration, then others run


class _Source:
    """One running module's side of the pump: its backpressure slots and its last line."""

    __slots__ = ("slots", "deliver", "last")

    def __init__(self, deliver: Callable[[str, str], None]) -> None:
        # Backpressure: a module printing faster than the loop consumes must wait, or
        # the pump would hold all of its output (1 GB for 1 GB).
        self.slots = threading.BoundedSemaphore(MAX_PENDING_LINES)
        self.deliver = deliver
        self.last = 0  # sequence number of its latest line in the pump


class _OutputPump:
    """Hands module threads' output lines to the loop in budgeted batches.

    One ``call_soon_threadsafe`` per line put thousands of callbacks in the loop's
    ready queue when 50 hosts stream, and everything else (a key press in the console)
    waited behind all of them. Threads append to one deque instead; a single drain
    callback delivers lines for at most ``DRAIN_BUDGET`` and then reschedules itself
    behind whatever else is ready. Lines carry sequence numbers, so waiting for one
    module's lines to be out is a comparison, not a scan.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self._lines: deque[tuple[int, _Source, str, str]] = deque()
        self._scheduled = False
        self._lock = threading.Lock()
        self._seq = 0  # last sequence number handed out (under the lock)
        self._done = 0  # last sequence number delivered (loop thread only)

    def put(self, source: _Source, stream: str, text: str) -> None:
        with self._lock:
            self._seq += 1
            source.last = self._seq
            self._lines.append((self._seq, source, stream, text))
            if self._scheduled:
                return
            self._scheduled = True
        try:
            self.loop.call_soon_threadsafe(self._drain)
        except RuntimeError:  # loop closed while a straggler thread still prints
            with self._lock:
                self._scheduled = False

    def _drain(self) -> None:
        lines = self._lines
        deadline = time.perf_counter() + DRAIN_BUDGET
        n = 0
        while lines:
            seq, source, stream, text = lines.popleft()
            try:
                source.deliver(stream, text)
            except Exception as exc:  # a consumer bug must not stop every host's output
                self.loop.call_exception_handler({"message": "output consumer failed", "exception": exc})
            finally:
                source.slots.release()
                self._done = seq
            n += 1
            if n % 32 == 0 and time.perf_counter() > deadline:
                self.loop.call_soon(self._drain)
                return
        with self._lock:
            self._scheduled = False
        if lines:  # a thread appended after the loop ended but saw _scheduled still set
            with self._lock:
                if self._scheduled:
                    return
                self._scheduled = True
            self.loop.call_soon(self._drain)

    async def settled(self, source: _Source) -> None:
        """Wait until every line of one (finished) module is delivered, so its output
        always precedes its result in the event stream."""
        while self._done < source.last:
            await asyncio.sleep(0)


class LocalRunner:
    def __init__(self, max_workers: int = 50) -> None:
        self._pool = ThreadPoolExecutor(max_workers=max(1, max_workers), thread_name_prefix="ftl-local")
        self._pumps: dict[asyncio.AbstractEventLoop, _OutputPump] = {}
        _process.set_guard(procguard.shared())  # modules run in this process: guard their processes
        self._become = LocalBecome()

    def _pump(self, loop: asyncio.AbstractEventLoop) -> _OutputPump:
        pump = self._pumps.get(loop)
        if pump is None:
            self._pumps = {lp: p for lp, p in self._pumps.items() if not lp.is_closed()}
            pump = self._pumps[loop] = _OutputPump(loop)
        return pump

    async def run_module(
        self,
        host: Host,
        module: str,
        params: dict[str, Any],
        *,
        check: bool,
        on_output: OutputCallback,
        environment: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """Run ``module`` in a pool thread (in a gate child with become); ``environment``
        goes to the processes the module starts, never into this process's ``os.environ``
        (other hosts' modules run beside it)."""
        become = become_for(host)
        if become is not None:
            gate = await self._become.gate(host.name, become, host.python)
            return await gate.run(modules.canonical(module), params, check=check,
                                  secret_args=_secret_args(module), on_output=on_output, environment=environment)
        loop = asyncio.get_running_loop()
        pump = self._pump(loop)
        cancel = threading.Event()
        source = _Source(on_output)
        slots = source.slots

        def emit(stream: str, text: str) -> None:
            while not slots.acquire(timeout=0.5):
                if cancel.is_set() or loop.is_closed():
                    return  # nobody will drain the queue: drop the line
            pump.put(source, stream, text)

        ctx = ModuleContext(check=check, emit=emit, cancel_event=cancel, limits=OutputLimits.from_env(),
                            environment=environment)
        future = loop.run_in_executor(self._pool, modules.execute, module, params, ctx)
        try:
            result = await asyncio.shield(future)
        except asyncio.CancelledError:
            cancel.set()
            await asyncio.wait({future}, timeout=CANCEL_GRACE)
            raise
        await pump.settled(source)
        return result

    async def gate(self, host: Host) -> Any:
        """A gate subprocess for ``host`` (through sudo/su with become): Ansible modules run
        there, never in this process (ftl-tui must not import ansible). One per user and Python."""
        return await self._become.gate(host.name, become_for(host), host.python)

    async def put_file(self, host: Host, local_path: str) -> str:
        become = become_for(host)
        if become is not None:  # the become user may not read our file: hand it a copy it owns
            gate = await self._become.gate(host.name, become, host.python)
            return str((await gate.put(local_path))["path"])
        return local_path

    async def get_file(self, host: Host, remote_path: str, local_path: str) -> dict[str, Any]:
        become = become_for(host)
        if become is not None:  # read as the become user, write as us
            gate = await self._become.gate(host.name, become, host.python)
            return await gate.get(remote_path, local_path)
        return await asyncio.to_thread(_copy_with_checksum, remote_path, local_path)

    async def close(self) -> None:
        await self._become.close()
        self._pool.shutdown(wait=False, cancel_futures=True)


def _secret_args(module: str) -> list[str]:
    try:
        return modules.spec(module).secret_args()
    except (KeyError, ImportError):
        return []


def _copy_with_checksum(src: str, dest: str) -> dict[str, Any]:
    """Copy ``src`` to ``dest`` with the source's mode, hashing as it goes, through the
    controller's streaming atomic write: a read that fails half-way leaves the old dest
    and no temporary file."""
    os.makedirs(os.path.dirname(dest) or ".", exist_ok=True)
    digest = hashlib.sha1()
    size = 0
    with open(src, "rb") as fin:
        mode = stat.S_IMODE(os.fstat(fin.fileno()).st_mode)
        with atomic_stream(Path(dest), mode=mode) as fout:
            while chunk := fin.read(1 << 20):
                digest.update(chunk)
                size += len(chunk)
                fout.write(chunk)
    return {"checksum": digest.hexdigest(), "size": size}
