"""The module registry. Stdlib only: this package is shipped inside the remote gate.

Modules are looked up by name (or alias, ``setup`` -> ``facts``) and imported lazily,
so the gate only pays for what it runs.
"""

from __future__ import annotations

import sys
TYPE_CHECKING = False  # typing costs ~6 ms at every gate start: annotations only
if TYPE_CHECKING:
    from types import ModuleType  # an annotation only: ``types`` is ~2 M instructions of a gate start
    from typing import Dict, List, Tuple

from ftltui.modules.base import ModuleContext, ModuleSpec

# Every built-in module. Keep sorted; the name is the file under ftltui/modules/.
BUILTIN: Tuple[str, ...] = (
    "command",
    "copy",
    "facts",
    "fetch",
    "file",
    "lineinfile",
    "package",
    "ping",
    "raw",
    "service",
    "shell",
    "slurp",
    "snapshot",
    "stat",
    "template",
    "wait_for",
)

ALIASES: Dict[str, str] = {"setup": "facts", "gather_facts": "facts"}


def canonical(name: str) -> str:
    return ALIASES.get(name, name)


def available() -> List[str]:
    """Names of the modules that are actually present in this installation."""
    names = []
    for name in BUILTIN:
        try:
            load(name)
        except KeyError:
            continue
        names.append(name)
    return names


def load(name: str) -> ModuleType:
    """Import a module's implementation; ``KeyError`` if there is none."""
    name = canonical(name)
    if name not in BUILTIN:
        raise KeyError(name)
    full = "ftltui.modules." + name
    try:
        # __import__, not importlib.import_module: the importlib package (and the warnings
        # module it imports) cost ~2 M instructions of every gate's first module run
        __import__(full)
        return sys.modules[full]
    except ModuleNotFoundError as exc:
        if exc.name == "ftltui.modules." + name:
            raise KeyError(name) from None
        raise


def spec(name: str) -> ModuleSpec:
    """A native module's spec (``ansible.builtin.X``/``ansible.legacy.X`` of a native module
    is the native one). ``KeyError`` when there is none.

    This package runs on managed hosts too, so it knows only native modules; the
    controller's lookup that falls back to installed Ansible modules is
    :func:`ftltui.ansible_modules.docs.controller_spec`.
    """
    try:
        return load(name).SPEC
    except KeyError:
        pass
    for prefix in ("ansible.builtin.", "ansible.legacy."):
        if name.startswith(prefix) and canonical(name[len(prefix):]) in BUILTIN:
            return load(name[len(prefix):]).SPEC
    raise KeyError(name)


def execute(name: str, params: Dict[str, object], ctx: "ModuleContext") -> Dict[str, object]:
    """Run a module with validated params and normalise its result.

    Shared by the in-process runner and the remote gate so both return the same
    shape: ``changed`` and ``failed`` always present, a crash becomes a failed result
    with the exception (never an exception out of here).
    """
    from ftltui.modules.base import ModuleFail

    try:
        result = dict(load(name).run(params, ctx) or {})
    except ModuleFail as exc:
        result = dict(exc.result)
        result["failed"] = True
        result["msg"] = exc.msg
    except Exception as exc:  # a module bug must not take the runner down
        import traceback  # only here: with linecache/tokenize it cost ~5 ms of every gate's first run

        result = {
            "failed": True,
            "msg": "module %s crashed: %s: %s" % (name, type(exc).__name__, exc),
            "exception": traceback.format_exc(limit=5),
        }
    result.setdefault("changed", False)
    result["failed"] = bool(result.get("failed", False))
    if ctx.warnings:
        result.setdefault("warnings", []).extend(ctx.warnings)
    return result
