"""A module run typed by a person: ``MODULE k=v ...`` words checked before any job exists.

The ``:run`` line, the run form's as-you-type check and the API read arguments the same
way ``ftl-tui run -a`` does (:func:`ftltui.engine.kvargs.parse_kv`, on the module's
known argument names) and check them as the executor will (``ModuleSpec.precheck``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ftltui.ansible_modules.docs import controller_spec
from ftltui.engine.executor import precheck_args
from ftltui.engine.kvargs import parse_kv
from ftltui.errors import FtlError, UnknownModuleError
from ftltui.json_types import JsonObject


@dataclass(frozen=True)
class RunArgs:
    """``params`` for ``module``; ``check`` when the words asked for check mode (``check=true``
    on a module that has no ``check`` argument of its own)."""

    module: str
    params: dict[str, Any]
    check: bool


@dataclass(frozen=True)
class RunBecome:
    """The run form's become toggle for one run: who and how (``-b --become-user
    --become-method``), and the password when one was typed (a job secret: kept out of the
    repr, stored masked, asked again on a retry)."""

    user: str = "root"
    method: str = "sudo"
    password: str | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, str]:
        """The job spec's ``become`` (jobs/kinds.enqueue_run)."""
        doc = {"user": self.user, "method": self.method}
        if self.password:
            doc["password"] = self.password
        return doc


def parse_run_words(module: str, words: str) -> RunArgs:
    """``k=v`` words (or a free-form command) for ``module``; an unknown module raises."""
    try:
        spec = controller_spec(module)
    except KeyError:
        raise UnknownModuleError(f"unknown module {module!r}") from None
    known = spec.known_args()
    params = parse_kv(words, spec.free_form, known)
    check = bool(params.pop("check", False)) if "check" not in known else False
    return RunArgs(module, params, check)


def run_args_problem(module: str, raw: JsonObject) -> str | None:
    """``None`` when ``raw`` is valid for ``module``, else the one-line error.

    Arguments holding ``{{ templates }}`` are checked structurally only (their type is
    known after rendering, per host), as the executor does.
    """
    try:
        spec = controller_spec(module)
    except KeyError:
        return f"unknown module {module!r}"
    try:
        precheck_args(spec, raw)
    except FtlError as exc:
        return str(exc)
    return None
