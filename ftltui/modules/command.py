"""command: run a program with arguments, no shell (Ansible's ``command``).

Takes an ``argv`` list, or a ``cmd`` string (also the free-form argument) that is
split with shlex. Output lines stream through ``ctx.emit`` while the program runs.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing costs ~6 ms at every gate start: annotations only
if TYPE_CHECKING:
    from typing import Any, Dict

from ftltui.modules._command import COMMON_ARGS, run_command
from ftltui.modules.base import Arg, ModuleContext, ModuleFail, ModuleSpec

SPEC = ModuleSpec(
    name="command",
    summary="Run a command without a shell; fails when it exits non-zero",
    args=dict(
        {
            "cmd": Arg(type="str", aliases=("_raw_params",), help="command line, split with shlex"),
            "argv": Arg(type="list", elements="str", help="program and arguments as a list"),
        },
        **COMMON_ARGS,
    ),
    mutually_exclusive=(("cmd", "argv"),),
    required_one_of=(("cmd", "argv"),),
    needs_python=False,
    free_form="cmd",
)


def run(params: Dict[str, Any], ctx: ModuleContext) -> Dict[str, Any]:
    if params.get("argv"):
        args = [str(a) for a in params["argv"]]
    else:
        try:
            import shlex  # lazily: argv requests never split

            args = shlex.split(params.get("cmd") or "")
        except ValueError as exc:
            raise ModuleFail("command: cannot split cmd: %s" % exc) from None
    if not args:
        raise ModuleFail("no command given")
    return run_command(params, ctx, args)
