"""Template errors name where the failing value was written (issue 15): ansible-playbook
2.19's ``[ERROR]`` block starts with the task's ``Origin:`` and ends (its last ``caused
by``) with the value's: a task argument (debug and a module), a play var, a vars_files
var, a task var reached through another var, a syntax error in a var, a role default.
Compared block by block with ansible-playbook: the first and the last ``Origin:`` line
and the context lines under the last one; an error without a template has one Origin."""

from __future__ import annotations

import io
import shutil
from pathlib import Path
from typing import Any

import pytest
from runner_oracle import ansible, ftl, local_inventory

from ftltui.playbook.options import PlayOptions
from ftltui.playbook.output_text import TextOutput

pytestmark = [pytest.mark.skipif(shutil.which("ansible-playbook") is None,
                                 reason="ansible-playbook (the oracle) is not installed"),
              pytest.mark.timeout(300)]

PLAYBOOK = Path(__file__).parent / "corpus" / "gaps" / "origin" / "pb.yml"


def _blocks(text: str) -> list[dict[str, Any]]:
    """Each [ERROR] block: its Origin lines and the lines after the last one up to a blank."""
    out: list[dict[str, Any]] = []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("[ERROR]: "):
            end = next((j for j in range(i + 1, len(lines)) if lines[j].startswith(("fatal:", "ok:", "changed:"))),
                       len(lines))
            body = lines[i:end]
            origins = [n for n, b in enumerate(body) if b.startswith("Origin: ")]
            last = origins[-1] if origins else 0
            context = []
            for b in body[last + 2:]:
                if not b.strip():
                    break
                context.append(b.rstrip())
            out.append({"origins": [body[n] for n in origins], "context": context})
    return out


def test_error_block_names_the_values_origin(tmp_path: Path) -> None:
    inv = local_inventory(tmp_path, ["a"])
    a_rc, a_recap, a_text = ansible(PLAYBOOK, inv, tmp_path / "ansible", "-f", "1")
    events: list[Any] = []
    f_rc, f_recap = ftl(PLAYBOOK, inv, tmp_path / "ftl", PlayOptions(forks=1), events)
    buf = io.StringIO()
    out = TextOutput(buf, io.StringIO(), colour=False, width=80)
    for e in events:
        out(e)
    a_blocks, f_blocks = _blocks(a_text), _blocks(buf.getvalue())
    assert len(a_blocks) == 8, a_text
    assert len(f_blocks) == len(a_blocks), buf.getvalue()
    for a, f in zip(a_blocks, f_blocks):
        assert f["origins"][0] == a["origins"][0]
        assert f["origins"][-1] == a["origins"][-1], (f, a)
        assert f["context"] == a["context"]
    assert len(a_blocks[-1]["origins"]) == len(f_blocks[-1]["origins"]) == 1  # no template: the task alone
    assert (f_recap, f_rc) == (a_recap, a_rc)


def test_origin_text_pickles_and_stays_text() -> None:
    import pickle

    from ftltui.templating.value_origin import OriginText, origin_of

    t = OriginText("{{ x }}", "/f.yml:3:5")
    back = pickle.loads(pickle.dumps(t))
    assert back == "{{ x }}" and origin_of(back) == "/f.yml:3:5"
    assert origin_of("{{ x }}") is None
