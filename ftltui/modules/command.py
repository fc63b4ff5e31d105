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


# What shlex.split (posix, no comments) takes literally: printable ASCII but quotes and the
# backslash. A cmd of only these and spaces splits on spaces exactly as shlex does, without
# importing shlex and with it re (22 M instructions in a gate whose start is ~40 M).
_LITERAL = frozenset(chr(c) for c in range(33, 127)) - frozenset("'\"\\") | frozenset(" ")


def split_cmd(cmd: str) -> list:
    """``shlex.split(cmd)``; plain command lines without the shlex (and re) import."""
    if set(cmd) <= _LITERAL:
        return cmd.split()
    import shlex  # lazily: quotes, escapes, tabs or non-ASCII

    return shlex.split(cmd)


def run(params: Dict[str, Any], ctx: ModuleContext) -> Dict[str, Any]:
    if params.get("argv"):
        args = [str(a) for a in params["argv"]]
    else:
        try:
            args = split_cmd(params.get("cmd") or "")
        except ValueError as exc:
            raise ModuleFail("command: cannot split cmd: %s" % exc) from None
    if not args:
        raise ModuleFail("no command given")
    return run_command(params, ctx, args)
