"""The ``local`` connection: modules run in this process, off the event loop.

Modules are synchronous stdlib code (the same code runs in the remote gate), so they
run in a dedicated thread pool sized to ``forks``; their streamed output is handed to
the loop with ``call_soon_threadsafe``. Cancelling sets the module's cancel flag (a
running subprocess is terminated) and waits briefly for the thread to notice.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ftltui import modules
from ftltui.engine.runner import OutputCallback
from ftltui.inventory.model import Host
from ftltui.modules._outcap import OutputLimits
from ftltui.modules.base import ModuleContext

CANCEL_GRACE = 5.0  # seconds a cancelled module gets to stop its subprocess
MAX_PENDING_LINES = 256  # output lines queued for the event loop before the module waits


class LocalRunner:
    def __init__(self, max_workers: int = 50) -> None:
        self._pool = ThreadPoolExecutor(max_workers=max(1, max_workers), thread_name_prefix="ftl-local")

    async def run_module(
        self,
        host: Host,
        module: str,
        params: dict[str, Any],
        *,
        check: bool,
        on_output: OutputCallback,
    ) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        cancel = threading.Event()
        # Backpressure: a module printing faster than the loop consumes must wait, or
        # the loop's callback queue would hold all of its output (1 GB for 1 GB).
        slots = threading.BoundedSemaphore(MAX_PENDING_LINES)

        def deliver(stream: str, text: str) -> None:
            try:
                on_output(stream, text)
            finally:
                slots.release()

        def emit(stream: str, text: str) -> None:
            while not slots.acquire(timeout=0.5):
                if cancel.is_set() or loop.is_closed():
                    return  # nobody will drain the queue: drop the line
            try:
                loop.call_soon_threadsafe(deliver, stream, text)
            except RuntimeError:  # loop closed while a straggler thread still prints
                slots.release()

        ctx = ModuleContext(check=check, emit=emit, cancel_event=cancel, limits=OutputLimits.from_env())
        future = loop.run_in_executor(self._pool, modules.execute, module, params, ctx)
        try:
            return await asyncio.shield(future)
        except asyncio.CancelledError:
            cancel.set()
            await asyncio.wait({future}, timeout=CANCEL_GRACE)
            raise

    async def put_file(self, host: Host, local_path: str) -> str:
        return local_path

    async def get_file(self, host: Host, remote_path: str, local_path: str) -> dict[str, Any]:
        return await asyncio.to_thread(_copy_with_checksum, remote_path, local_path)

    async def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def _copy_with_checksum(src: str, dest: str) -> dict[str, Any]:
    os.makedirs(os.path.dirname(dest) or ".", exist_ok=True)
    tmp = dest + ".ftl-tmp"
    digest = hashlib.sha1()
    size = 0
    with open(src, "rb") as fin, open(tmp, "wb") as fout:
        while chunk := fin.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
            fout.write(chunk)
    shutil.copymode(src, tmp)
    os.replace(tmp, dest)
    return {"checksum": digest.hexdigest(), "size": size}
