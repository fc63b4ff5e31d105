"""Task results in Ansible's shape: status of one result, loop aggregation, no_log.

The registered value of a loop is ``{"results": [...], "changed", "msg", ...}`` with
Ansible's messages; ``no_log`` replaces what is shown (never what is registered) with
Ansible's censored text.
"""

from __future__ import annotations

from typing import Any

from ftltui.engine.redact import NO_LOG_TEMPLATE_ERROR, no_log_template_error
from ftltui.errors import TemplateError
from ftltui.playbook.events import TaskStatus
from ftltui.vault.envelope import VaultError

CENSORED = "the output has been hidden due to the fact that 'no_log: true' was specified for this result"
_PRIVATE = ("_ftl_fact_vars", "_ftl_fact_cacheable", "_ftl_include_vars", "_ftl_origin", "_ftl_error", "_ftl_args_of",
            "_ftl_error_no_log")
# what the [ERROR] block reads: on every result an event carries, censored or not; never registered
_ERROR_KEYS = ("_ftl_origin", "_ftl_error", "_ftl_args_of")


def status_of(result: dict[str, Any]) -> TaskStatus:
    if result.get("unreachable"):
        return "unreachable"
    if result.get("failed"):
        return "failed"
    if result.get("skipped"):
        return "skipped"
    return "changed" if result.get("changed") else "ok"


def skipped_result(condition: Any) -> dict[str, Any]:
    return {"changed": False, "false_condition": condition, "skip_reason": "Conditional result was False",
            "skipped": True}


def loop_result(results: list[dict[str, Any]]) -> dict[str, Any]:
    """What a loop task registers and reports, from its item results."""
    out: dict[str, Any] = {"results": results, "changed": any(r.get("changed") for r in results)}
    if results and all(r.get("skipped") for r in results):
        out.update(skipped=True, msg="All items skipped")
    elif any(r.get("unreachable") for r in results):
        out.update(unreachable=True, msg="One or more items were unreachable")
    elif any(r.get("failed") for r in results):
        out.update(failed=True, msg="One or more items failed")
    elif not results:
        out.update(skipped=True, skipped_reason="No items in the list")
    else:
        out["msg"] = "All items completed"
    return out


def failure_result(exc: Any, args_of: str | None = None) -> dict[str, Any]:
    """A task failed by an error of ftl-tui's (a template, bad arguments): Ansible's shape,
    plus (private, never registered or shown as a key) where the value whose template
    failed was written, for the ``[ERROR]`` block's last ``Origin:``.

    A template (or vault) error also keeps its message privately, with ``args_of`` (the
    action whose arguments were being rendered): the task never ran, so the block says
    why as Ansible does (``Finalization of task args for 'ansible.builtin.copy' failed:
    ...``), never ``Module failed``. Under ``no_log`` it stays readable only when it cannot
    quote a value (an undefined variable named, a vault error in ftl-tui's words): a filter's
    error quotes the value it got, which ansible-playbook prints; ftl-tui hides that text
    (``_ftl_error_no_log``)."""
    out: dict[str, Any] = {"failed": True, "msg": exc.message, "changed": False}
    origin = getattr(exc, "origin", None)
    if origin:
        out["_ftl_origin"] = str(origin)
    if isinstance(exc, (TemplateError, VaultError)):
        out["_ftl_error"] = exc.message
        # under no_log: a vault error is ftl-tui's own words; a template error only when it
        # names an undefined variable (a filter's error quotes the value it was given)
        out["_ftl_error_no_log"] = exc.message if isinstance(exc, VaultError) else no_log_template_error(exc.message)
        if args_of:
            out["_ftl_args_of"] = args_of
    return out


def public(result: dict[str, Any]) -> dict[str, Any]:
    """The result without the runner's private markers."""
    if not any(k in result for k in _PRIVATE):
        return result
    return {k: v for k, v in result.items() if k not in _PRIVATE}


def registered(result: dict[str, Any]) -> dict[str, Any]:
    """What ``register`` binds: the public result without Ansible's display flags
    (``_ansible_verbose_always`` of assert), in a loop's items too: Ansible strips every
    ``_ansible_*`` key from a registered value."""
    out = _unflagged(public(result))
    items = out.get("results")
    if isinstance(items, list) and any(isinstance(i, dict) and _flagged(i) for i in items):
        out = {**out, "results": [_unflagged(i) if isinstance(i, dict) else i for i in items]}
    return out


def _flagged(result: dict[str, Any]) -> bool:
    return any(isinstance(k, str) and k.startswith("_ansible_") for k in result)


def _unflagged(result: dict[str, Any]) -> dict[str, Any]:
    if not _flagged(result):
        return result
    return {k: v for k, v in result.items() if not (isinstance(k, str) and k.startswith("_ansible_"))}


def shown(result: dict[str, Any], no_log: bool) -> dict[str, Any]:
    """What an event carries: the censored result under ``no_log``, else the public one;
    either way with what the ``[ERROR]`` block reads (:func:`failure_result`)."""
    out = censor(result) if no_log else public(result)
    extra = {k: result[k] for k in _ERROR_KEYS if k in result}
    if no_log and "_ftl_error" in extra:
        extra["_ftl_error"] = result.get("_ftl_error_no_log", NO_LOG_TEMPLATE_ERROR)
    return {**out, **extra} if extra else out


def censor(result: dict[str, Any]) -> dict[str, Any]:
    """Ansible's ``no_log`` form: only ``changed`` (and failed/skipped flags) survive."""
    out: dict[str, Any] = {"censored": CENSORED, "changed": bool(result.get("changed"))}
    for key in ("attempts", "retries"):  # an until loop's counts stay visible, as in Ansible
        if key in result:
            out[key] = result[key]
    for key in ("failed", "skipped", "unreachable"):
        if result.get(key):
            out[key] = True
    if "results" in result:
        out["results"] = [censor(r) for r in result["results"] if isinstance(r, dict)]  # a module's list: hidden
    return out
