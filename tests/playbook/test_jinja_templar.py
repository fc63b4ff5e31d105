"""Templar unit behaviour: undefined errors, lazy variables, loops between variables, the
sandbox, omit, data marked unsafe, children for loop items, lookups for with_ loops.
(What each filter/test/lookup returns is compared with Ansible in test_jinja_oracle.py.)"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from ftltui.errors import TemplateError
from ftltui.templating import OMIT, Templar, unsafe


def templar(variables: Mapping[str, Any], base: Path = Path("/nonexistent")) -> Templar:
    return Templar(variables, base_dir=base)


def error_of(t: Templar, value: Any) -> str:
    with pytest.raises(TemplateError) as err:
        t.render(value)
    return err.value.message


def test_native_values_and_text() -> None:
    t = templar({"n": 3, "l": [1, 2], "d": {"k": "v"}, "nothing": None})
    assert t.render("{{ l }}") == [1, 2] and t.render("{{ d }}") == {"k": "v"} and t.render("{{ n }}") == 3
    assert t.render(" {{ n }}") == " 3" and t.render("{{ n }}{{ n }}") == "33"
    assert t.render("{{ '[1, 2]' }}") == "[1, 2]"  # text is never parsed back into a list
    assert t.render("{{ false }}") is False and t.render("{{ nothing }}") is None
    assert t.render({"a": ["{{ n }}", {"b": "x{{ n }}"}], "{{ 'k' }}": 1}) == {"a": [3, {"b": "x3"}], "{{ 'k' }}": 1}
    assert t.render("{{ l | map('string') }}") == ["1", "2"]  # iterators become lists


def test_undefined_is_an_error_naming_the_variable() -> None:
    t = templar({"d": {"a": 1}})
    assert error_of(t, "{{ missing }}") == "'missing' is undefined"
    assert error_of(t, "x-{{ missing }}-y") == "'missing' is undefined"
    assert error_of(t, "{{ missing.a.b['c'] }}") == "'missing' is undefined"  # the first missing name
    assert error_of(t, "{{ d.nokey }}") == "object of type 'dict' has no attribute 'nokey'"
    assert error_of(t, "{{ missing | mandatory }}").endswith("Mandatory variable 'missing' not defined.")
    assert error_of(t, "{{ [missing] }}") == "'missing' is undefined"  # inside a value, too


def test_undefined_may_be_tested_and_defaulted() -> None:
    t = templar({"d": {"a": 1}})
    assert t.evaluate("missing is not defined and missing.a.b is undefined and d.nokey.x is undefined") is True
    assert t.render("{{ missing | default('x') }}") == "x" and t.render("{{ missing.a | d(5) }}") == 5
    assert t.evaluate("missing | default(false)") is False


def test_evaluate_accepts_bare_and_braced_expressions() -> None:
    t = templar({"flag": "yes", "n": 3})
    assert t.evaluate("flag | bool and n > 2") is True
    assert t.evaluate("{{ n == 3 }}") is True and t.evaluate("  n + 1 ") == 4
    assert t.evaluate(True) is True and t.evaluate("'}}' in '}}'") is True
    with pytest.raises(TemplateError, match="Syntax error"):
        t.evaluate("n ==")


class Recording(Mapping[str, Any]):
    """Variables that record what was read and refuse to be copied or listed."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data, self.read = data, []

    def __getitem__(self, key: str) -> Any:
        self.read.append(key)
        return self.data[key]

    def __iter__(self) -> Iterator[str]:
        raise AssertionError("the variables were iterated (copied eagerly)")

    def __len__(self) -> int:
        raise AssertionError("the variables were measured (copied eagerly)")

    def __contains__(self, key: object) -> bool:
        return key in self.data


def test_lazy_variables_render_on_lookup_only() -> None:
    variables = Recording({"a": "{{ b }}-{{ c.x }}", "b": "{{ n * 2 }}", "c": {"x": "{{ n }}"}, "n": 2,
                           "broken": "{{ nope }}", "unused": "{{ nope }}"})
    t = templar(variables)
    assert t.render("{{ a }}") == "4-2"
    assert "unused" not in variables.read and "broken" not in variables.read
    assert t.evaluate("broken is defined") is False  # its template fails: it counts as undefined
    assert t.render("{{ broken | default('d') }}") == "d"
    assert error_of(t, "{{ broken }}") == "'nope' is undefined"


def test_lazy_variables_see_the_loop_item() -> None:
    t = templar({"path": "/srv/{{ item }}", "items": ["a", "b"]})
    assert [t.with_vars({"item": i}).render("{{ path }}") for i in ["a", "b"]] == ["/srv/a", "/srv/b"]
    child = t.with_vars({"item": "a"})
    assert child.render("{{ items | length }}") == 2
    assert error_of(t, "{{ item }}") == "'item' is undefined"  # the parent is untouched


def test_loops_between_variables_are_clear_errors() -> None:
    t = templar({"a": "{{ b }}", "b": "{{ c }}", "c": "{{ a }}", "me": "{{ me }}x"})
    assert error_of(t, "{{ a }}") == "recursive loop detected in template: a -> b -> c -> a"
    assert error_of(t, "{{ me }}") == "recursive loop detected in template: me -> me"
    deep = {f"v{i}": f"{{{{ v{i + 1} }}}}" for i in range(100)} | {"v100": 1}
    assert "nest deeper than" in error_of(templar(deep), "{{ v0 }}")
    assert templar(deep).render("{{ v80 }}") == 1  # 20 levels are fine


@pytest.mark.parametrize("expr", [
    "().__class__", "''.__class__.__mro__", "lookup.__globals__", "range.__self__", "d._private",
    "l.append(1)", "d.update({'a': 1})", "d.__class__.__init__", "cycler.__init__.__globals__",
])
def test_sandbox_refuses_internals_and_mutation(expr: str) -> None:
    t = templar({"d": {"a": 1}, "l": [1]})
    message = error_of(t, "{{ " + expr + " }}")
    assert any(w in message for w in ("unsafe", "undefined", "not allowed", "has no attribute")), message


def test_omit() -> None:
    t = templar({"maybe": None})
    assert t.render("{{ omit }}") is OMIT and t.render("a-{{ omit }}") == "a-<<Omit>>"
    args = t.render({"mode": "{{ nope | default(omit) }}", "owner": "{{ maybe | default(omit, true) }}"})
    assert args == {"mode": OMIT, "owner": OMIT}
    assert [k for k, v in args.items() if v is not OMIT] == []
    import copy
    assert copy.deepcopy(args)["mode"] is OMIT  # a copied task keeps the singleton


def test_unsafe_data_is_never_templated() -> None:
    result = unsafe({"stdout": "{{ secret }}", "lines": ["{% raise %}"]})
    t = templar({"r": result, "secret": "s3cr3t"})
    assert t.render("{{ r.stdout }}") == "{{ secret }}" and t.render("{{ r.lines[0] }}") == "{% raise %}"
    assert t.render(result) == result and not t.is_template(result)


def test_errors_name_the_failing_plugin() -> None:
    t = templar({"s": "x"})
    assert error_of(t, "{{ s | from_json }}").startswith("The filter plugin 'ansible.builtin.from_json' failed:")
    assert error_of(t, "{{ s is version('1', 'bogus') }}").startswith("The test plugin 'ansible.builtin.version'")
    # json_query is native now (jinja/filters_community.py): a bad expression fails in it, by name
    assert error_of(t, "{{ s | community.general.json_query('[') }}").startswith(
        "The filter plugin 'community.general.json_query' failed: JMESPathError")
    assert "community.general.nosuch" in error_of(t, "{{ s | community.general.nosuch('a') }}")
    assert error_of(t, "{{ lookup('nosuch', 'x') }}").startswith("The lookup plugin 'nosuch' was not found")


def test_lookup_for_with_loops(tmp_path: Path) -> None:
    (tmp_path / "files").mkdir()
    (tmp_path / "templates").mkdir()
    (tmp_path / "files" / "a.conf").write_text("a")
    (tmp_path / "templates" / "t.j2").write_text("{{ x }}")
    role = tmp_path / "roles" / "web"
    (role / "files").mkdir(parents=True)
    (role / "files" / "a.conf").write_text("role's")
    t = Templar({"x": 1}, base_dir=tmp_path, search_paths=[role])
    assert t.lookup("items", [1, [2, 3]]) == [1, 2, 3]
    assert t.lookup("dict", {"k": "v"}) == [{"key": "k", "value": "v"}]
    assert t.lookup("sequence", "start=1 end=3") == ["1", "2", "3"]
    assert t.lookup("first_found", ["nope", "a.conf"]) == [str(role / "files" / "a.conf")]  # the role first
    assert t.lookup("first_found", ["t.j2"], task_action="ansible.builtin.template") == \
        [str(tmp_path / "templates" / "t.j2")]
    assert t.lookup("file", "a.conf") == ["role's"]
    assert t.lookup("first_found", ["nope"], skip=True) == []
    with pytest.raises(TemplateError, match="No file was found"):
        t.lookup("first_found", ["nope"])


def test_password_lookup_keeps_its_file(tmp_path: Path) -> None:
    t = Templar({}, base_dir=tmp_path)
    first = t.render("{{ lookup('password', 'creds/db length=15') }}")
    assert len(first) == 15 and (tmp_path / "creds" / "db").read_text() == first + "\n"
    assert (tmp_path / "creds" / "db").stat().st_mode & 0o777 == 0o600
    assert t.render("{{ lookup('password', 'creds/db length=30') }}") == first  # read back, not regenerated
    assert t.render("{{ lookup('password', '/dev/null') }}") != t.render("{{ lookup('password', '/dev/null') }}")


def test_include_renders_only_what_it_uses(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "part.j2").write_text("{{ item }}={{ port }};")
    variables = Recording({"port": "{{ 8000 + 80 }}", "loopy": "{{ loopy }}", "items": ["a", "b"]})
    t = Templar(variables, base_dir=tmp_path)
    assert t.render("{% for item in items %}{% include 'part.j2' %}{% endfor %}") == "a=8080;b=8080;"
    assert "loopy" not in variables.read  # a variable that cannot render was never touched


def test_engine_never_imports_ansible() -> None:
    import ast

    import ftltui.templating as package

    for path in Path(package.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            assert not [n for n in names if n.split(".")[0] in ("ansible", "ansible_collections", "passlib")], path
