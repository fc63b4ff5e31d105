"""shell: run a command line through a shell (Ansible's ``shell``).

Pipes, redirections and variables work; output streams like ``command``'s.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing costs ~6 ms at every gate start: annotations only
if TYPE_CHECKING:
    from typing import Any, Dict

from ftltui.modules._command import COMMON_ARGS, run_command
from ftltui.modules.base import Arg, ModuleContext, ModuleFail, ModuleSpec

SPEC = ModuleSpec(
    name="shell",
    summary="Run a command line through /bin/sh (or 'executable')",
    args=dict(
        {
            "cmd": Arg(type="str", required=True, aliases=("_raw_params",), help="the shell command line"),
            "executable": Arg(type="path", help="shell to use instead of /bin/sh"),
        },
        **COMMON_ARGS,
    ),
    needs_python=False,
    free_form="cmd",
)


def run(params: Dict[str, Any], ctx: ModuleContext) -> Dict[str, Any]:
    cmd = params.get("cmd") or ""
    if not cmd.strip():
        raise ModuleFail("no command given")
    return run_command(params, ctx, cmd, shell=True, executable=params.get("executable"))
