"""service: start, stop, restart or reload a systemd unit and set whether it is enabled.

Uses ``systemctl``; on a host where systemd is not running (containers, non-systemd
init) it fails with a clear message instead of a confusing systemctl error. Check mode
asks systemd for the current state and reports what would change.
"""

from __future__ import annotations

import os
import subprocess
TYPE_CHECKING = False  # typing costs ~6 ms at every gate start: annotations only
if TYPE_CHECKING:
    from typing import Any, Dict, List, Tuple

from ftltui.modules._process import run_process, which
from ftltui.modules.base import Arg, ModuleContext, ModuleFail, ModuleSpec

SPEC = ModuleSpec(
    name="service",
    summary="Manage systemd services (state and enabled)",
    args={
        "name": Arg(type="str", required=True, aliases=("service", "unit")),
        "state": Arg(type="str", choices=("started", "stopped", "restarted", "reloaded")),
        "enabled": Arg(type="bool"),
        "daemon_reload": Arg(type="bool", default=False, aliases=("daemon-reload",)),
    },
    required_one_of=(("state", "enabled", "daemon_reload"),),
)

SYSTEMD_MARKER = "/run/systemd/system"


def systemd_running() -> bool:
    return os.path.isdir(SYSTEMD_MARKER)


def _query(argv: List[str]) -> Tuple[int, str]:
    try:
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
        raise ModuleFail("service: cannot run %s: %s" % (argv[0], exc)) from None
    return p.returncode, p.stdout.decode("utf-8", errors="replace").strip()


def unit_status(name: str) -> Dict[str, str]:
    """``systemctl show`` as a dict (Ansible's ``status`` key)."""
    _rc, out = _query(["systemctl", "show", name, "--no-pager"])
    status: Dict[str, str] = {}
    for line in out.splitlines():
        if "=" in line:
            k, v = line.split("=", 1)
            status[k] = v
    return status


def _actions(params: Dict[str, Any], active: bool, enabled: bool) -> List[List[str]]:
    name, state, want_enabled = params["name"], params["state"], params["enabled"]
    todo: List[List[str]] = []
    if want_enabled is not None and want_enabled != enabled:
        todo.append(["systemctl", "enable" if want_enabled else "disable", name])
    if state == "started" and not active:
        todo.append(["systemctl", "start", name])
    elif state == "stopped" and active:
        todo.append(["systemctl", "stop", name])
    elif state == "restarted":
        todo.append(["systemctl", "restart", name])
    elif state == "reloaded":
        todo.append(["systemctl", "reload" if active else "start", name])
    return todo


def run(params: Dict[str, Any], ctx: ModuleContext) -> Dict[str, Any]:
    name = params["name"]
    if not which("systemctl"):
        raise ModuleFail("service: systemctl not found; only systemd hosts are supported", name=name)
    if not systemd_running():
        raise ModuleFail("service: systemd is not running on this host (%s is missing), cannot manage %r"
                         % (SYSTEMD_MARKER, name), name=name)
    if params["daemon_reload"] and not ctx.check:
        run_process(["systemctl", "daemon-reload"], ctx)
    status = unit_status(name)
    if status.get("LoadState") == "not-found":
        raise ModuleFail("Could not find the requested service %s: host" % name, name=name)
    active = _query(["systemctl", "is-active", name])[1] in ("active", "activating", "reloading")
    enabled = _query(["systemctl", "is-enabled", name])[1] in ("enabled", "enabled-runtime", "alias", "static")
    todo = _actions(params, active, enabled)
    result: Dict[str, Any] = {"changed": bool(todo), "name": name, "status": status}
    if params["state"]:
        result["state"] = params["state"]
    if params["enabled"] is not None:
        result["enabled"] = params["enabled"]
    if ctx.diff and todo:
        result["diff"] = {"before": "active: %s\nenabled: %s\n" % (active, enabled),
                          "after": "would run: %s\n" % "; ".join(" ".join(a) for a in todo)}
    if ctx.check:
        return result
    for argv in todo:
        res = run_process(argv, ctx)
        if res.cancelled:
            raise ModuleFail("cancelled", cancelled=True, name=name)
        if res.rc != 0:
            raise ModuleFail("Unable to %s service %s: %s" % (argv[1], name, (res.stderr or res.stdout).strip()),
                             name=name, rc=res.rc, stdout=res.stdout, stderr=res.stderr)
    if todo:
        result["status"] = unit_status(name)
    return result
