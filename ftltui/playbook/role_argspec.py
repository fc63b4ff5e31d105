"""``validate_argument_spec``: the check a role's ``meta/argument_specs.yml`` adds in front
of its tasks. The values checked are the variables the role sees (params, vars,
defaults, inventory...), as in Ansible; messages follow Ansible's argument validation
(``missing required arguments: x``, type and ``choices`` errors)."""

from __future__ import annotations

from typing import Any

from ftltui.errors import TemplateError

_TRUE = ("yes", "on", "1", "true", "y", "t")
_FALSE = ("no", "off", "0", "false", "n", "f")


def _convert(kind: str, value: Any) -> Any:
    if kind in ("str", "raw", "path") or not kind:
        return value if kind == "raw" else str(value) if not isinstance(value, (dict, list)) else value
    if kind == "int":
        if isinstance(value, bool):
            raise ValueError("bool")
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return int(str(value).strip())
    if kind == "float":
        return float(value)
    if kind == "bool":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ValueError(text)
    if kind == "list":
        if isinstance(value, list):
            return value
        if isinstance(value, str):
            return value.split(",")
        if isinstance(value, (int, float)):
            return [str(value)]
        raise ValueError("not a list")
    if kind == "dict":
        if isinstance(value, dict):
            return value
        raise ValueError("not a dict")
    return value


def validate(spec: dict[str, Any], templar: Any) -> list[str]:
    """Errors for the variables ``templar`` sees against ``spec`` (name -> option)."""
    errors: list[str] = []
    missing = []
    for name, option in spec.items():
        option = option or {}
        try:
            value = templar.evaluate(name)
            present = True
        except TemplateError:
            value, present = None, False
        if not present or value is None:
            if option.get("required"):
                missing.append(name)
            continue
        kind = str(option.get("type", "str"))
        try:
            value = _convert(kind, value)
        except (TypeError, ValueError):
            errors.append(f"argument '{name}' is of type {type(value)} and we were unable to convert to {kind}")
            continue
        choices = option.get("choices")
        if choices and value not in choices:
            errors.append(f"value of {name} must be one of: {', '.join(map(str, choices))}, got: {value}")
    if missing:
        errors.insert(0, f"missing required arguments: {', '.join(sorted(missing))}")
    return errors


async def validate_argument_spec(call: Any) -> dict[str, Any]:
    spec = call.args.get("argument_spec") or {}
    context = call.args.get("validate_args_context") or {}
    provided = call.args.get("provided_arguments")
    templar = call.templar.with_vars(call.templar.render(provided)) if provided else call.templar
    errors = validate(spec, templar)
    out: dict[str, Any] = {"changed": False, "argument_errors": errors, "argument_spec_data": spec,
                           "validate_args_context": context}
    if errors:
        out.update(failed=True, msg="Validation of arguments failed:\n" + "\n".join(errors))
    else:
        out["msg"] = "The arg spec validation passed"
    return out
