"""``wait_for_connection``: retry the host's connection until a module answers (Ansible's
action plugin, from its documentation): ``ping`` through the play's connection every
``sleep`` seconds, each try bounded by ``connect_timeout``, after ``delay``, for at most
``timeout`` seconds. Check mode skips it, as Ansible does. The result is
``{changed: false, elapsed: SECONDS}``; a timeout fails with Ansible's words."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from ftltui.errors import FtlError
from ftltui.inventory.model import Host
from ftltui.playbook.playctx import PlayRun


def _seconds(args: dict[str, Any], name: str, default: float) -> float:
    value = args.get(name, default)
    try:
        return float(value if value is not None else default)
    except (TypeError, ValueError) as exc:
        raise FtlError(f"wait_for_connection: {name} must be a number of seconds, got {value!r}") from exc


async def wait_for_connection(pc: PlayRun, target: Host, args: dict[str, Any], check: bool) -> dict[str, Any]:
    if check:
        return {"changed": False, "skipped": True}
    try:
        timeout, delay = _seconds(args, "timeout", 600), _seconds(args, "delay", 0)
        sleep, connect_timeout = _seconds(args, "sleep", 1), _seconds(args, "connect_timeout", 5)
    except FtlError as exc:
        return {"failed": True, "changed": False, "msg": exc.message}
    started = time.monotonic()
    if delay:
        await asyncio.sleep(delay)
    while True:
        try:
            res = await pc.executor.run([target], "ping", {}, timeout=connect_timeout or None, rendered=True,
                                        keep_result=True)
            hr = res.results.get(target.name)
            ok, why = (hr is not None and hr.status in ("ok", "changed"),
                       "no result" if hr is None else str(hr.result.get("msg") or hr.status))
        except FtlError as exc:
            ok, why = False, exc.message
        elapsed = time.monotonic() - started
        if ok:
            return {"changed": False, "elapsed": int(elapsed)}
        if elapsed + sleep > timeout:
            return {"failed": True, "changed": False, "elapsed": int(elapsed),
                    "msg": f"timed out waiting for ping module test: {why}"}
        await asyncio.sleep(sleep)
