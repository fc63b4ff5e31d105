"""wait_for: wait until a TCP port opens/closes or a file appears/disappears/contains text.

Ansible's ``wait_for`` arguments, messages and ``elapsed``. Changes nothing, so check
mode waits the same way. Sleeps in short slices so a cancelled run stops at once.
"""

from __future__ import annotations

import os
import re
import socket
import time
TYPE_CHECKING = False  # typing costs ~6 ms at every gate start: annotations only
if TYPE_CHECKING:
    from typing import Any, Callable, Dict, Optional

from ftltui.modules.base import Arg, ModuleContext, ModuleFail, ModuleSpec

SPEC = ModuleSpec(
    name="wait_for",
    summary="Wait for a port or a path to reach a state",
    args={
        "host": Arg(type="str", default="127.0.0.1"),
        "port": Arg(type="int"),
        "path": Arg(type="path"),
        "state": Arg(type="str", default="started", choices=("absent", "present", "started", "stopped")),
        "timeout": Arg(type="int", default=300),
        "delay": Arg(type="int", default=0),
        "sleep": Arg(type="float", default=1),
        "connect_timeout": Arg(type="int", default=5),
        "search_regex": Arg(type="str"),
        "msg": Arg(type="str", help="message instead of the default one on timeout"),
    },
    mutually_exclusive=(("port", "path"),),
)

SLICE = 0.05


def _pause(seconds: float, ctx: ModuleContext) -> None:
    """Sleep, waking often to notice cancellation."""
    end = time.monotonic() + seconds
    while True:
        if ctx.cancelled():
            raise ModuleFail("cancelled", cancelled=True)
        left = end - time.monotonic()
        if left <= 0:
            return
        time.sleep(min(SLICE, left))


def _port_open(host: str, port: int, timeout: float, regex: Optional["re.Pattern[str]"]) -> Any:
    """False when closed; True (or the regex match) when open (and the data matched)."""
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except OSError:
        return False
    with sock:
        if regex is None:
            return True
        data = b""
        sock.settimeout(timeout)
        while True:
            try:
                chunk = sock.recv(4096)
            except OSError:
                return None
            if not chunk:
                return None
            data += chunk
            m = regex.search(data.decode("utf-8", errors="replace"))
            if m:
                return m


def _path_state(path: str, regex: Optional["re.Pattern[str]"]) -> Any:
    if not os.path.exists(path):
        return False
    if regex is None:
        return True
    try:
        with open(path, "r", errors="replace") as f:
            return regex.search(f.read()) or None
    except OSError:
        return None


def _probe(params: Dict[str, Any], regex: Optional["re.Pattern[str]"]) -> Callable[[], Any]:
    if params.get("path"):
        return lambda: _path_state(params["path"], regex)
    return lambda: _port_open(params["host"], params["port"], params["connect_timeout"], regex)


def _timeout_msg(params: Dict[str, Any]) -> str:
    if params.get("msg"):
        return params["msg"]
    state, path = params["state"], params.get("path")
    where = "%s:%s" % (params["host"], params["port"])
    if path:
        if state == "absent":
            return "Timeout when waiting for %s to be absent." % path
        if params.get("search_regex"):
            return "Timeout when waiting for search string %s in %s" % (params["search_regex"], path)
        return "Timeout when waiting for file %s" % path
    if state == "stopped":
        return "Timeout when waiting for %s to stop." % where
    if params.get("search_regex"):
        return "Timeout when waiting for search string %s in %s" % (params["search_regex"], where)
    return "Timeout when waiting for %s" % where


def run(params: Dict[str, Any], ctx: ModuleContext) -> Dict[str, Any]:
    state, path, port = params["state"], params.get("path"), params.get("port")
    if path is None and port is None and state in ("present", "absent"):
        raise ModuleFail("state=%s needs path" % state)
    if port is not None and state in ("present", "absent"):
        raise ModuleFail("state=%s is for paths; use started/stopped with port" % state)
    if path is None and port is None:
        _pause(params["timeout"], ctx)  # Ansible: plain sleep
        return {"changed": False, "elapsed": params["timeout"], "state": state}
    regex = re.compile(params["search_regex"], re.M) if params.get("search_regex") else None
    want_gone = state in ("stopped", "absent")
    probe = _probe(params, None if want_gone else regex)
    start = time.monotonic()
    _pause(params["delay"], ctx)
    deadline = start + params["timeout"]
    while True:
        found = probe()
        if (not found) if want_gone else bool(found):
            break
        if time.monotonic() >= deadline:
            raise ModuleFail(_timeout_msg(params), elapsed=int(time.monotonic() - start))
        _pause(min(params["sleep"], max(0.0, deadline - time.monotonic())), ctx)
    result: Dict[str, Any] = {"changed": False, "elapsed": int(time.monotonic() - start), "state": state}
    result["path" if path else "port"] = path or port
    if path is None:
        result["host"] = params["host"]
    if regex is not None and not want_gone and hasattr(found, "groups"):
        result.update(search_regex=params["search_regex"], match_groups=list(found.groups()),
                      match_groupdict=found.groupdict())
    return result
