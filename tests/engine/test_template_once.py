"""Ad-hoc arguments are rendered once; a render's output is never rendered again.

The old loop rendered a result again while it still held ``{{``. A host's fact is data
(marked unsafe), but a filter or operator (``| trim``, ``~ ''``, ``join``) makes a new
plain string, so a fact holding ``{{ lookup('pipe', ...) }}`` ran a command on the
controller (hR s11 #1). Ansible 2.19 never templates a template's output. Variables the
operator wrote (``a: "{{ b }}"``) still nest: they are rendered when looked up.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ftltui.engine.executor import Executor
from ftltui.engine.templating import host_context, render_args, render_template_file
from ftltui.errors import TemplateError
from ftltui.inventory import load_inventory
from ftltui.inventory.model import Host

CASES = [
    ("{{ ansible_evil | trim }}", "{E}"),
    ("a {{ ansible_evil | trim }}", "a {E}"),
    ("a {{ ansible_evil ~ '' }}", "a {E}"),
    ("{{ ansible_evil | replace('qqq','y') }}", "{E}"),
    ("a {{ ansible_env.X | string }}", "a {E}"),
    ("{{ [ansible_evil] | join(',') }}", "{E}"),
    ("{{ ansible_facts.env.X | lower }}", "{E}"),
]


def _evil(marker: Path) -> str:
    return "{{ lookup('pipe', 'touch " + str(marker) + "') }}"


@pytest.mark.parametrize(("arg", "want"), CASES)
def test_a_filtered_fact_is_not_rendered_again(tmp_path: Path, arg: str, want: str) -> None:
    marker = tmp_path / "ran"
    evil = _evil(marker)
    ctx = host_context(Host("web1", {}), None, {"web1": {"ansible_evil": evil, "ansible_env": {"X": evil}}})
    assert render_args(arg, ctx, host="web1") == want.replace("{E}", evil)
    assert not marker.exists()


def test_operator_vars_still_nest_and_loops_are_named() -> None:
    host = Host("web1", {"a": "{{ b }}-x", "b": "{{ c | upper }}", "c": "deep", "lst": ["{{ c }}", 2],
                         "me": "{{ me }}", "text": "{{ '{{' }} literal {{ '}}' }}"})
    ctx = host_context(host, None, {})
    assert render_args("{{ a }}", ctx, host="web1") == "DEEP-x"
    assert render_args("{{ lst }}", ctx, host="web1") == ["deep", 2]
    # a render that yields '{{ ... }}' text gives that text: it is not rendered again
    assert render_args("{{ text }}", ctx, host="web1") == "{{ literal }}"
    with pytest.raises(TemplateError, match="recursive loop detected in template: me -> me"):
        render_args("{{ me }}", ctx, host="web1")


def test_template_file_renders_nested_vars_once(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    host = Host("web1", {"greeting": "{{ 'hi' | upper }}"})
    ctx = host_context(host, None, {"web1": {"ansible_evil": _evil(marker)}})
    out = render_template_file("{{ greeting }} {{ ansible_evil | trim }}\n", ctx, host="web1", path="t.j2")
    assert out == f"HI {_evil(marker)}\n"
    assert not marker.exists()


async def test_through_the_executor_nothing_runs_on_the_controller(local_inventory, tmp_path: Path) -> None:
    """A console, daemon or workflow keeps facts in its executor across jobs."""
    marker = tmp_path / "ran"
    evil = _evil(marker)
    ex = Executor(load_inventory(local_inventory(1, host_vars={"word": "{{ 'ok' | upper }}"})))
    try:
        ex.facts["l1"] = {"ansible_evil": evil, "ansible_env": {"X": evil}}
        for arg, want in CASES:
            res = await ex.run("all", "shell", {"cmd": f"printf '%s %s' \"{arg}\" {{{{ word }}}}"})
            assert res.results["l1"].result.get("stdout") == want.replace("{E}", evil) + " OK", arg
        assert not marker.exists()
    finally:
        await ex.close()
