"""raw: run a command line through the shell with nothing else (Ansible's ``raw``).

Works on hosts with no Python. As in Ansible, check mode skips it (it cannot know
what the command would change).
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing costs ~6 ms at every gate start: annotations only
if TYPE_CHECKING:
    from typing import Any, Dict

from ftltui.modules._process import run_process
from ftltui.modules.base import Arg, ModuleContext, ModuleFail, ModuleSpec

SPEC = ModuleSpec(
    name="raw",
    summary="Run a raw command line through the shell (no Python needed on the host)",
    args={
        "cmd": Arg(type="str", required=True, aliases=("_raw_params", "free_form")),
        "executable": Arg(type="path", help="shell to use instead of /bin/sh"),
    },
    needs_python=False,
    free_form="cmd",
)


def run(params: Dict[str, Any], ctx: ModuleContext) -> Dict[str, Any]:
    if ctx.check:
        return {"changed": False, "skipped": True, "msg": "raw does not support check mode"}
    try:
        res = run_process(params["cmd"], ctx, shell=True, executable=params.get("executable"))
    except OSError as exc:
        raise ModuleFail("raw: cannot start the shell: %s" % exc, rc=127) from None
    result: Dict[str, Any] = {
        "changed": True,
        "rc": res.rc,
        "stdout": res.stdout,
        "stderr": res.stderr,
        "stdout_lines": res.stdout.splitlines(),
        "stderr_lines": res.stderr.splitlines(),
    }
    if res.dropped:
        result["truncated"] = res.dropped
    if res.cancelled:
        raise ModuleFail("cancelled", cancelled=True, **result)
    if res.rc != 0:
        result.update(failed=True, msg="non-zero return code")
    return result
