"""package: install, remove or upgrade OS packages through apt, dnf, yum or apk.

Decides what to do from the package database (dpkg-query / rpm / apk info), so a
package that is already there is a no-op, and check mode reports what would change
without ever running the package manager.
"""

from __future__ import annotations

import subprocess
TYPE_CHECKING = False  # typing costs ~6 ms at every gate start: annotations only
if TYPE_CHECKING:
    from typing import Any, Dict, List, Optional, Tuple

from ftltui.modules._process import run_process, which
from ftltui.modules.base import Arg, ModuleContext, ModuleFail, ModuleSpec

SPEC = ModuleSpec(
    name="package",
    summary="Manage OS packages (apt, dnf, yum, apk)",
    args={
        "name": Arg(type="list", elements="str", required=True, aliases=("pkg", "names")),
        "state": Arg(type="str", default="present", choices=("present", "installed", "absent", "removed", "latest")),
        "use": Arg(type="str", default="auto", choices=("auto", "apt", "dnf", "yum", "apk")),
        "update_cache": Arg(type="bool", default=False),
    },
)

MANAGERS = ("apt", "dnf", "yum", "apk")


def detect(use: str) -> str:
    if use != "auto":
        return use
    probes = {"apt": "apt-get", "dnf": "dnf", "yum": "yum", "apk": "apk"}
    for mgr in MANAGERS:
        if which(probes[mgr]):
            return mgr
    raise ModuleFail("package: no supported package manager found (apt, dnf, yum, apk)")


def _query(argv: List[str]) -> Tuple[int, str]:
    try:
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return 127, ""
    return p.returncode, p.stdout.decode("utf-8", errors="replace")


def _bare(name: str) -> str:
    """The package name without a version pin (``nginx=1.2`` / ``nginx-1.2``)."""
    return name.split("=", 1)[0]


def is_installed(mgr: str, name: str) -> bool:
    name = _bare(name)
    if mgr == "apt":
        rc, out = _query(["dpkg-query", "-W", "-f=${Status}", name])
        return rc == 0 and out.strip().endswith(" installed")
    if mgr in ("dnf", "yum"):
        return _query(["rpm", "-q", "--whatprovides", name])[0] == 0
    return _query(["apk", "info", "-e", name])[0] == 0


def has_upgrade(mgr: str, name: str) -> bool:
    name = _bare(name)
    if mgr == "apt":
        _rc, out = _query(["apt-cache", "policy", name])
        fields: Dict[str, str] = {}
        for line in out.splitlines():
            if ":" in line:
                k, v = line.strip().split(":", 1)
                fields.setdefault(k, v.strip())
        cand = fields.get("Candidate", "(none)")
        return cand not in ("(none)", fields.get("Installed", ""))
    if mgr in ("dnf", "yum"):
        return _query([mgr, "-q", "check-update", name])[0] == 100
    rc, out = _query(["apk", "version", "-l", "<", name])
    return name in out


def plan(mgr: str, names: List[str], state: str) -> List[str]:
    """The packages that would be acted on."""
    if state in ("absent", "removed"):
        return [n for n in names if is_installed(mgr, n)]
    if state == "latest":
        return [n for n in names if not is_installed(mgr, n) or has_upgrade(mgr, n)]
    return [n for n in names if not is_installed(mgr, n)]


def command_for(mgr: str, state: str, names: List[str]) -> List[str]:
    remove = state in ("absent", "removed")
    if mgr == "apt":
        return ["apt-get", "remove" if remove else "install", "-y", "-q"] + names
    if mgr in ("dnf", "yum"):
        verb = "remove" if remove else "install"
        return [mgr, verb, "-y"] + names
    return ["apk", "del" if remove else "add"] + ([] if remove or state != "latest" else ["-u"]) + names


def _update_cache(mgr: str, ctx: ModuleContext, env: Dict[str, str]) -> Optional[str]:
    argv = {"apt": ["apt-get", "update", "-q"], "dnf": ["dnf", "makecache", "-q"],
            "yum": ["yum", "makecache", "-q"], "apk": ["apk", "update"]}[mgr]
    res = run_process(argv, ctx, env=env)
    return None if res.rc == 0 else res.stderr or res.stdout


def run(params: Dict[str, Any], ctx: ModuleContext) -> Dict[str, Any]:
    mgr = detect(params["use"])
    state, names = params["state"], [n for n in params["name"] if n]
    if not names:
        raise ModuleFail("package: name must list at least one package")
    env = {"DEBIAN_FRONTEND": "noninteractive"} if mgr == "apt" else {}
    if params["update_cache"] and not ctx.check:
        err = _update_cache(mgr, ctx, env)
        if err:
            raise ModuleFail("package: updating the %s cache failed: %s" % (mgr, err.strip()))
    todo = plan(mgr, names, state)
    verb = "remove" if state in ("absent", "removed") else ("upgrade or install" if state == "latest" else "install")
    result: Dict[str, Any] = {"changed": bool(todo), "packages": todo, "use": mgr, "state": state, "results": []}
    if not todo:
        result["msg"] = "nothing to do: all packages already in the requested state"
        return result
    if ctx.diff:
        before = "installed" if state in ("absent", "removed") else "absent or outdated"
        result["diff"] = {"before": "".join("%s: %s\n" % (n, before) for n in todo),
                          "after": "".join("%s: %s\n" % (n, "absent" if "remove" == verb else "installed") for n in todo)}
    if ctx.check:
        result["msg"] = "would %s: %s" % (verb, ", ".join(todo))
        return result
    argv = command_for(mgr, state, todo)
    res = run_process(argv, ctx, env=env)
    result.update(rc=res.rc, stdout=res.stdout, stderr=res.stderr, cmd=argv,
                  stdout_lines=res.stdout.splitlines(), stderr_lines=res.stderr.splitlines())
    if res.cancelled:
        raise ModuleFail("cancelled", cancelled=True, **result)
    if res.rc != 0:
        result.update(failed=True, changed=False, msg="%s failed with rc %s" % (" ".join(argv[:2]), res.rc))
        return result
    result["msg"] = "%s: %s" % (verb, ", ".join(todo))
    result["results"] = ["%s %s" % (n, "removed" if verb == "remove" else "installed") for n in todo]
    return result
