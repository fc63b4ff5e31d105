"""Call a module the way the engine does (validate, context, ModuleFail -> failed)."""

from __future__ import annotations

import threading
from typing import Any, Callable, Dict, Optional

from ftltui.modules import load
from ftltui.modules.base import ModuleContext, ModuleFail, validate_args


def call(
    name: str,
    args: Dict[str, Any],
    *,
    check: bool = False,
    emit: Optional[Callable[[str, str], None]] = None,
    cancel: Optional[threading.Event] = None,
    diff: bool = True,
    tmpdir: Optional[str] = None,
) -> Dict[str, Any]:
    """Validate ``args`` and run module ``name``; a ModuleFail becomes ``failed: True``."""
    mod = load(name)
    params = validate_args(mod.SPEC, args)
    ctx = ModuleContext(check=check, emit=emit, cancel_event=cancel, diff=diff, tmpdir=tmpdir)
    try:
        result = mod.run(params, ctx)
    except ModuleFail as exc:
        result = dict(exc.result, failed=True, msg=exc.msg)
    result.setdefault("failed", False)
    return result
