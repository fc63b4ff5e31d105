"""``raw``, and ``command``/``shell`` on hosts without Python: a plain SSH exec.

No gate involved, so these work on routers, minimal containers, fresh machines.
The result has the same keys as the modules' own (rc, stdout, stderr, *_lines).
"""

from __future__ import annotations

import asyncio
import shlex
from typing import Any, Callable

import asyncssh

from ftltui.errors import Unreachable
from ftltui.modules._outcap import HeadTail, LineCapper, OutputLimits, truncation_note

READ_SIZE = 64 * 1024


def command_line(module: str, params: dict[str, Any]) -> str:
    if module == "command" and params.get("argv"):
        line = shlex.join(str(a) for a in params["argv"])
    elif module == "command":
        line = shlex.join(shlex.split(str(params.get("cmd") or "")))
    else:
        line = str(params.get("cmd") or "")
    if module in ("shell", "raw") and params.get("executable"):
        line = f"{shlex.quote(str(params['executable']))} -c {shlex.quote(line)}"
    if params.get("chdir"):
        line = f"cd {shlex.quote(str(params['chdir']))} && {line}"
    return line


async def run_exec(host: str, conn: asyncssh.SSHClientConnection, module: str, params: dict[str, Any],
                   check: bool, on_output: Callable[[str, str], None]) -> dict[str, Any]:
    line = command_line(module, params)
    if check:
        return {"changed": False, "failed": False, "skipped": True,
                "msg": f"{module} does not support check mode without Python on the host"}
    try:
        proc = await conn.create_process(line, encoding="utf-8", errors="replace")
    except (asyncssh.Error, OSError) as exc:
        raise Unreachable(host, f"{host}: cannot open a session channel: {exc}") from None
    limits = OutputLimits.from_env()
    kept = {"stdout": HeadTail(limits.max_output), "stderr": HeadTail(limits.max_output)}

    async def pump(stream: Any, name: str) -> None:
        # chunks, not lines: a remote line may be any length; keep head+tail, cap each line
        lines = LineCapper(lambda line: on_output(name, line), limits.max_line)
        while True:
            text = await stream.read(READ_SIZE)
            if not text:
                break
            kept[name].add(text)
            lines.feed(text)
        lines.close()

    try:
        if params.get("stdin") is not None:
            data = str(params["stdin"]) + ("\n" if params.get("stdin_add_newline", True) else "")
            proc.stdin.write(data)
        proc.stdin.write_eof()
        await asyncio.gather(pump(proc.stdout, "stdout"), pump(proc.stderr, "stderr"))
        await proc.wait_closed()
    except asyncio.CancelledError:
        proc.close()
        raise
    rc = proc.exit_status if proc.exit_status is not None else -1
    text = {k: v.text() for k, v in kept.items()}
    if module != "raw" and params.get("strip_empty_ends", True):  # as command/shell do; raw keeps bytes
        text = {k: v.rstrip("\r\n") for k, v in text.items()}
    result: dict[str, Any] = {
        "changed": True, "rc": rc, "cmd": line if module != "command" else shlex.split(line),
        "stdout": text["stdout"], "stderr": text["stderr"],
        "stdout_lines": text["stdout"].splitlines(), "stderr_lines": text["stderr"].splitlines(), "failed": rc != 0,
    }
    dropped = truncation_note({k: v.dropped for k, v in kept.items()})
    if dropped:
        result["truncated"] = dropped
    if rc != 0:
        result["msg"] = "non-zero return code"
    return result
