"""What command and shell share: Ansible's creates/removes/chdir/check-mode rules.

Kept apart from ``_process`` (which only knows how to run a process) so that the
result shape and messages of ``command``/``shell`` match Ansible's word for word.
"""

from __future__ import annotations

import os
TYPE_CHECKING = False  # typing costs ~6 ms at every gate start: annotations only
if TYPE_CHECKING:
    from typing import Any, Dict, List, Optional, Tuple, Union

from ftltui.modules._process import run_process
from ftltui.modules.base import Arg, ModuleContext, ModuleFail

# Arguments both modules accept, with Ansible's names.
COMMON_ARGS: Dict[str, Arg] = {
    "chdir": Arg(type="path", help="change into this directory before running"),
    "creates": Arg(type="path", help="a glob; when it matches, the command is not run"),
    "removes": Arg(type="path", help="a glob; when it does not match, the command is not run"),
    "stdin": Arg(type="str", help="text fed to the command's standard input"),
    "stdin_add_newline": Arg(type="bool", default=True, help="append a newline to stdin"),
    "strip_empty_ends": Arg(type="bool", default=True, help="strip trailing newlines from output"),
}


def _matches(pattern: str, cwd: Optional[str]) -> bool:
    if cwd and not os.path.isabs(pattern):
        pattern = os.path.join(cwd, pattern)
    import glob  # lazily: only creates=/removes= need it

    return bool(glob.glob(pattern))


def _short_circuit(
    params: Dict[str, Any], ctx: ModuleContext, cwd: Optional[str]
) -> Optional[Tuple[str, str]]:
    """Ansible's creates/removes check: (msg, stdout) when the command must not run."""
    shoulda = "Would" if ctx.check else "Did"
    creates, removes = params.get("creates"), params.get("removes")
    if creates and _matches(creates, cwd):
        return ("%s not run command since '%s' exists" % (shoulda, creates),
                "skipped, since %s exists" % creates)
    if removes and not _matches(removes, cwd):
        return ("%s not run command since '%s' does not exist" % (shoulda, removes),
                "skipped, since %s does not exist" % removes)
    return None


def run_command(
    params: Dict[str, Any],
    ctx: ModuleContext,
    args: Union[str, List[str]],
    *,
    shell: bool = False,
    executable: Optional[str] = None,
) -> Dict[str, Any]:
    """Run ``args`` as Ansible's command module would; returns its result dict."""
    r: Dict[str, Any] = {
        "changed": False, "stdout": "", "stderr": "", "rc": None, "cmd": args,
        "start": None, "end": None, "delta": None, "msg": "",
    }
    cwd = params.get("chdir")
    if cwd and not os.path.isdir(cwd):
        del r["msg"]
        raise ModuleFail("Unable to change directory before execution.", **r)
    skipped = _short_circuit(params, ctx, cwd)
    if skipped:
        r.update(msg=skipped[0], rc=0, stdout=skipped[1])
        r["stdout_lines"] = [r["stdout"]]
        r["stderr_lines"] = []
        return r
    r["changed"] = True
    if ctx.check:
        r.update(rc=0, msg="Command would have run if not in check mode")
        if params.get("creates") is None and params.get("removes") is None:
            r.update(skipped=True, changed=False)
        r["stdout_lines"], r["stderr_lines"] = [], []
        return r
    stdin = params.get("stdin")
    if stdin is not None and params.get("stdin_add_newline", True):
        stdin += "\n"
    try:
        res = run_process(args, ctx, shell=shell, executable=executable, cwd=cwd, stdin=stdin)
    except OSError as exc:
        r.update(rc=2, msg="[Errno %s] %s: %r" % (exc.errno, exc.strerror, exc.filename or args))
        raise ModuleFail(r.pop("msg"), **r) from None
    out, err = res.stdout, res.stderr
    if params.get("strip_empty_ends", True):
        out, err = out.rstrip("\r\n"), err.rstrip("\r\n")
    r.update(rc=res.rc, stdout=out, stderr=err, start=res.start, end=res.end, delta=res.delta)
    r["stdout_lines"] = out.splitlines()
    r["stderr_lines"] = err.splitlines()
    if res.dropped:
        r["truncated"] = res.dropped
    if res.cancelled:
        r["msg"] = "cancelled"
        raise ModuleFail(r.pop("msg"), cancelled=True, **r)
    if res.rc != 0:
        r["msg"] = "non-zero return code"
        r["failed"] = True
    return r
