"""An Ansible module's argument rules, checked on the controller with Ansible's messages.

``AnsibleModule(...)`` enforces ``mutually_exclusive``, required options,
``required_together``, ``required_one_of``, ``required_if`` and ``required_by`` on the
host; ftl-tui reads them from the module's ``argument_spec`` (:mod:`.argspec`) and
checks them before any host is touched, so a bad call fails at once (CLI exit 4, the
workflow loader, the console's run form) with the message Ansible would print.

The order and the words are Ansible's, as observed from ``ansible-playbook`` runs
(tests/ansible_modules/test_arg_rules.py compares them): mutually exclusive options
first (on the options as given, aliases resolved), then missing required options, then,
with non-None defaults filled in, the together / one-of / if / by rules. An option given
as ``null`` counts as given, as in Ansible. A ``{{ template }}`` value is only known per
host, so a ``required_if`` that depends on one is left to the module.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Groups = tuple[tuple[str, ...], ...]
_TRUE = {"yes", "on", "1", "true", "y", "t"}
_FALSE = {"no", "off", "0", "false", "n", "f"}


@dataclass(frozen=True)
class RequiredIf:
    """``[key, value, requirements, any_of]``: when ``key == value``, all (or any) requirements are needed."""

    key: str
    value: Any
    requirements: tuple[str, ...]
    any_of: bool = False


@dataclass(frozen=True)
class ArgRules:
    aliases: dict[str, str]  # alias -> option
    defaults: dict[str, Any]  # options with a non-None default
    types: dict[str, str]
    required: tuple[str, ...] = ()
    mutually_exclusive: Groups = ()
    required_together: Groups = ()
    required_one_of: Groups = ()
    required_if: tuple[RequiredIf, ...] = ()
    required_by: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def violation(self, params: dict[str, Any]) -> str | None:
        """Ansible's message for the first rule ``params`` breaks, or None."""
        given = {self.aliases.get(k, k): v for k, v in params.items()}
        clashes = [g for g in self.mutually_exclusive if sum(1 for n in g if n in given) > 1]
        if clashes:
            return "parameters are mutually exclusive: " + ", ".join("|".join(g) for g in clashes)
        missing = sorted(n for n in self.required if n not in given)
        if missing:
            return "missing required arguments: " + ", ".join(missing)
        full = {**self.defaults, **given}
        for g in self.required_together:
            if 0 < sum(1 for n in g if n in full) < len(g):
                return "parameters are required together: " + ", ".join(g)
        for g in self.required_one_of:
            if not any(n in full for n in g):
                return "one of the following is required: " + ", ".join(g)
        for rule in self.required_if:
            if rule.key in full and not _templated(full[rule.key]) and self._equals(rule.key, full[rule.key], rule.value):
                absent = [n for n in rule.requirements if n not in full]
                if rule.any_of and len(absent) == len(rule.requirements):
                    return f"{rule.key} is {rule.value} but any of the following are missing: " + ", ".join(absent)
                if not rule.any_of and absent:
                    return f"{rule.key} is {rule.value} but all of the following are missing: " + ", ".join(absent)
        for key, needs in self.required_by:
            if full.get(key) is not None:
                absent = [n for n in needs if full.get(n) is None]
                if absent:
                    return f"missing parameter(s) required by '{key}': " + ", ".join(absent)
        return None

    def _equals(self, name: str, value: Any, wanted: Any) -> bool:
        """``value`` as the module would see it after type conversion, against the rule's value."""
        kind = self.types.get(name, "str")
        if kind == "bool" and isinstance(value, str):
            low = value.lower()
            value = True if low in _TRUE else False if low in _FALSE else value
        elif kind == "int" and isinstance(value, str):
            try:
                value = int(value)
            except ValueError:
                pass
        elif kind in ("str", "path") and not isinstance(value, str) and isinstance(wanted, str):
            value = str(value)
        return bool(value == wanted)


def _templated(value: Any) -> bool:
    return isinstance(value, str) and ("{{" in value or "{%" in value)


def _names(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, (list, tuple)):
        return tuple(str(v) for v in value)
    return ()


def rules_from(options: dict[str, dict[str, Any]], documented: dict[str, Any], raw: dict[str, Any]) -> ArgRules:
    """Rules from an argument_spec's ``options`` and its ``AnsibleModule`` keywords (``raw``).

    ``documented`` (name -> OptionDoc) adds the aliases and types of options the
    argument_spec gets from elsewhere (``add_file_common_args``, doc fragments). Defaults
    come from the argument_spec only: a documented default may be prose ("the user's home").
    """
    aliases: dict[str, str] = {}
    defaults: dict[str, Any] = {}
    types: dict[str, str] = {}
    for name, doc in documented.items():
        for alias in doc.aliases:
            aliases[alias] = name
        types[name] = doc.type
    for name, opt in options.items():
        for alias in _names(opt.get("aliases")):
            aliases[alias] = name
        if opt.get("default") is not None:
            defaults[name] = opt["default"]
        types[name] = str(opt.get("type") or "str")
    required_if = []
    for entry in raw.get("required_if") or ():
        if isinstance(entry, (list, tuple)) and len(entry) >= 3:
            required_if.append(RequiredIf(str(entry[0]), entry[1], _names(entry[2]),
                                          bool(entry[3]) if len(entry) > 3 else False))
    by = raw.get("required_by") or {}
    return ArgRules(
        aliases=aliases, defaults=defaults, types=types,
        required=tuple(n for n, o in options.items() if o.get("required") is True),
        mutually_exclusive=_groups(raw.get("mutually_exclusive")),
        required_together=_groups(raw.get("required_together")),
        required_one_of=_groups(raw.get("required_one_of")),
        required_if=tuple(required_if),
        required_by=tuple((str(k), _names(v)) for k, v in by.items()) if isinstance(by, dict) else (),
    )


def _groups(value: Any) -> Groups:
    if not isinstance(value, (list, tuple)):
        return ()
    return tuple(_names(g) for g in value if isinstance(g, (list, tuple)))
