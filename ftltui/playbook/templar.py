"""The runner's one door to the template engine.

The playbook template engine (``ftltui.playbook.jinja.Templar``: Ansible's filters, tests,
lookups, native types) is written by another part of the project; the runner asks for
it here and nowhere else. Until it is present, a small Jinja2 stand-in with the same
methods keeps the runner usable (``render``/``evaluate``/``with_vars``/``lookup``,
``OMIT``), rendering templates inside variables lazily, as Ansible does.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

from ftltui.errors import TemplateError

OMIT_PLACEHOLDER = "__omit_place_holder__ftl"
_MAX_DEPTH = 10

try:  # the real engine, when it is there
    from ftltui.playbook.jinja import OMIT as _REAL_OMIT  # type: ignore[attr-defined]
    from ftltui.playbook.jinja import Templar as _RealTemplar  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - depends on what is committed
    _RealTemplar = None
    _REAL_OMIT = None

OMIT: Any = _REAL_OMIT if _REAL_OMIT is not None else OMIT_PLACEHOLDER


def make_templar(variables: Mapping[str, Any], base_dir: Path, search_paths: Sequence[Path] = ()) -> Any:
    """A templar over ``variables`` (``base_dir``: relative files; ``search_paths``: lookups)."""
    if _RealTemplar is not None:
        return _RealTemplar(variables, base_dir=base_dir, search_paths=list(search_paths))
    return _ShimTemplar(variables, base_dir)


def has_template(value: Any) -> bool:
    if isinstance(value, str):
        return "{{" in value or "{%" in value
    if isinstance(value, Mapping):
        return any(has_template(k) or has_template(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(has_template(v) for v in value)
    return False


def is_omit(value: Any) -> bool:
    return value is OMIT or (isinstance(value, str) and value == OMIT_PLACEHOLDER)


# -- the stand-in ----------------------------------------------------------------------
def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value == 1
    return str(value).strip().lower() in ("yes", "on", "1", "true", "y", "t")


@lru_cache(maxsize=None)
def _env() -> Any:
    import json

    from jinja2 import StrictUndefined
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    env = ImmutableSandboxedEnvironment(undefined=StrictUndefined, keep_trailing_newline=True)
    env.filters.update({"bool": _to_bool, "to_json": json.dumps, "d": env.filters["default"],
                        "from_json": json.loads, "mandatory": lambda v: v})
    env.tests.update({"success": lambda r: not r.get("failed"), "succeeded": lambda r: not r.get("failed"),
                      "failed": lambda r: bool(r.get("failed")), "changed": lambda r: bool(r.get("changed")),
                      "skipped": lambda r: bool(r.get("skipped"))})
    return env


class _ShimTemplar:
    def __init__(self, variables: Mapping[str, Any], base_dir: Path) -> None:
        self.variables = variables
        self.base_dir = base_dir
        self._depth = 0

    def with_vars(self, extra: Mapping[str, Any]) -> _ShimTemplar:
        return _ShimTemplar({**self.variables, **extra}, self.base_dir)

    def render(self, value: Any) -> Any:
        if isinstance(value, str):
            return self._render_str(value)
        if isinstance(value, Mapping):
            return {k: self.render(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.render(v) for v in value]
        return value

    def _render_str(self, text: str) -> Any:
        if not has_template(text):
            return text
        stripped = text.strip()
        if stripped.startswith("{{") and stripped.endswith("}}") and stripped.count("{{") == 1:
            return self.evaluate(stripped[2:-2])
        return self._run(lambda env, ctx: env.from_string(text).render(**ctx), text)

    def evaluate(self, expr: str) -> Any:
        def go(env: Any, ctx: dict[str, Any]) -> Any:
            value = env.compile_expression(expr.strip(), undefined_to_none=False)(**ctx)
            if hasattr(value, "_undefined_name"):
                from jinja2 import UndefinedError

                raise UndefinedError(f"'{value._undefined_name}' is undefined")
            return value

        return self._run(go, expr)

    def _run(self, fn: Any, source: str) -> Any:
        from jinja2 import TemplateSyntaxError, UndefinedError

        self._depth += 1
        try:
            value = fn(_env(), {k: self._resolve(k) for k in self._names(source)} | {"omit": OMIT_PLACEHOLDER})
        except UndefinedError as exc:
            raise TemplateError(f"{exc.message}") from None
        except TemplateSyntaxError as exc:
            raise TemplateError(f"template error while templating string: {exc.message}: {source!r}") from None
        except TemplateError:
            raise
        except Exception as exc:  # sandbox violations, filter type errors
            raise TemplateError(f"{type(exc).__name__}: {exc}") from None
        finally:
            self._depth -= 1
        if isinstance(value, str) and has_template(value) and self._depth < _MAX_DEPTH:
            return self.render(value)
        return value

    def _names(self, source: str) -> set[str]:
        from jinja2 import meta

        try:
            parsed = _env().parse(source if "{" in source else "{{ " + source + " }}")
        except Exception:
            parsed = _env().parse("{{ " + source + " }}")
        return {n for n in meta.find_undeclared_variables(parsed) if n in self.variables}

    def _resolve(self, name: str) -> Any:
        value = self.variables[name]
        if has_template(value) and self._depth < _MAX_DEPTH:
            return self.render(value)
        return value

    def lookup(self, name: str, terms: Any, **kwargs: Any) -> list[Any]:
        raise TemplateError(f"lookup {name!r} needs the playbook template engine (not installed)")
