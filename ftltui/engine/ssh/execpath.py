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
    out: dict[str, list[str]] = {"stdout": [], "stderr": []}

    async def pump(stream: Any, name: str) -> None:
        async for text in stream:
            out[name].append(text)
            on_output(name, text.rstrip("\r\n"))

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
    text = {k: "".join(v) for k, v in out.items()}
    if module != "raw" and params.get("strip_empty_ends", True):  # as command/shell do; raw keeps bytes
        text = {k: v.rstrip("\r\n") for k, v in text.items()}
    result: dict[str, Any] = {
        "changed": True, "rc": rc, "cmd": line if module != "command" else shlex.split(line),
        "stdout": text["stdout"], "stderr": text["stderr"],
        "stdout_lines": text["stdout"].splitlines(), "stderr_lines": text["stderr"].splitlines(), "failed": rc != 0,
    }
    if rc != 0:
        result["msg"] = "non-zero return code"
    return result
