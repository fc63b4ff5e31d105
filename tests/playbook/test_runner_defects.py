"""Runner defects, each found by running the same playbook with ansible-playbook 2.19:
ftl-tui's text output (rendered from its events), recap, exit status and files must
equal ansible-playbook's. Both run with one fork so the hosts' lines come in one order.

- ``loop_control.label`` under ``when``: rendered per item with the loop variable bound
  (it failed with "'item' is undefined");
- ``include_tasks``/``include_role``: their own TASK banner (``include_role : NAME`` when
  unnamed), ``skipping: [h]`` for hosts whose ``when`` is false, the absolute path in
  ``included: FILE for HOSTS``, ``=> (item=..)`` for loops, every ``included`` line
  before the included tasks, one ok per included item;
- ``until``: ``FAILED - RETRYING: [h]: NAME (N retries left).`` before each retry (with
  ``Result was: {...}`` for results always shown, never under no_log);
- ``no_log`` results: ``ok: [h]`` without the censored body, items labelled
  ``(censored due to no_log)``;
- the template module on a file whose whole text is one expression (``{{ flag }}\\n``):
  ``str(value)`` without the newline (``True``, ``[1, 'two']``, empty for None).
"""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from runner_oracle import CORPUS, ansible, ftl, local_inventory, tree

from ftltui.jobs.play_record import log_lines
from ftltui.playbook.options import PlayOptions
from ftltui.playbook.output_text import TextOutput

pytestmark = [pytest.mark.skipif(shutil.which("ansible-playbook") is None,
                                 reason="ansible-playbook (the oracle) is not installed"),
              pytest.mark.timeout(600)]

DEFECTS = CORPUS / "defects"


def side_by_side(playbook: Path, tmp: Path, *args: str, options: PlayOptions | None = None,
                 hosts: tuple[str, ...] = ("a", "b"), verbosity: int = 0) -> dict[str, Any]:
    """ansible-playbook and ftl-tui on the same local inventory, one fork each: both texts,
    recaps, exit statuses and the files each left under its output directory."""
    inv = local_inventory(tmp, list(hosts))
    a_rc, a_recap, a_text = ansible(playbook, inv, tmp / "ansible", "-f", "1", *args)
    options = options or PlayOptions()
    options.forks = 1
    events: list[Any] = []
    f_rc, f_recap = ftl(playbook, inv, tmp / "ftl", options, events)
    buf = io.StringIO()
    out = TextOutput(buf, io.StringIO(), colour=False, width=80, verbosity=verbosity)
    for e in events:
        out(e)
    return {"ansible": (a_rc, a_recap, tree(tmp / "ansible"), a_text),
            "ftl": (f_rc, f_recap, tree(tmp / "ftl"), buf.getvalue()), "events": events}


def without_config_line(text: str) -> list[str]:
    lines = text.splitlines()
    return lines[1:] if lines and "config file" in lines[0] else lines


def test_labels_includes_retries_no_log_and_one_expression_templates(tmp_path: Path) -> None:
    res = side_by_side(DEFECTS / "shapes.yml", tmp_path)
    a_rc, a_recap, a_tree, a_text = res["ansible"]
    f_rc, f_recap, f_tree, f_text = res["ftl"]
    assert a_recap, a_text[-3000:]
    assert f_text.splitlines() == without_config_line(a_text)
    assert f_recap == a_recap
    assert f_tree == a_tree
    assert f_rc == a_rc
    assert a_tree["a/tpl-bx"] == "True"  # the case that found the defect, as Ansible writes it
    assert not any("s3cret" in repr(e) for e in res["events"] if type(e).__name__ == "TaskRetrying")
    logs = [line[3] for e in res["events"] for line in log_lines("job", e)]  # the console's Logs pane
    assert "FAILED - RETRYING: retry in role (1 retries left)." in logs
    assert any(line.startswith("included: /") and line.endswith("=> (item=3)") for line in logs)


def test_retry_lines_show_the_attempt_at_vvv(tmp_path: Path) -> None:
    """-vvv: every retry line carries the failed attempt's result (not under no_log);
    ``task path:`` lines name file and line."""
    res = side_by_side(DEFECTS / "retries.yml", tmp_path, "-vvv", hosts=("a",), verbosity=3)
    theirs = retry_blocks(without_config_line(res["ansible"][3]))
    assert len(theirs) == 4 and all("Result was" in b[0] for b in theirs)
    assert retry_blocks(res["ftl"][3].splitlines()) == theirs
    paths = [[line for line in text.splitlines() if line.startswith("task path: ")]  # file:line, no column
             for text in (res["ansible"][3], res["ftl"][3])]
    assert paths[0] and paths[1] == paths[0]
    assert res["ftl"][1] == res["ansible"][1]


def retry_blocks(lines: list[str]) -> list[list[str]]:
    """Each ``FAILED - RETRYING`` line with the indented result that follows it."""
    blocks: list[list[str]] = []
    inside = False
    for line in lines:
        if line.startswith("FAILED - RETRYING"):
            blocks.append([line])
            inside = line.endswith("{")
        elif inside:
            blocks[-1].append(line)
            inside = line != "}"
    return blocks


ORIGIN = re.compile(r"""at ('[^']*'|\\"[^"\\]*\\"|"[^"]*")\. Conditionals""")


def outcome_lines(text: str) -> list[str]:
    """The per-host lines of a run (status words and one-line bodies); the place Ansible
    names for a non-boolean conditional's value masked (ftl-tui names the task)."""
    keep = ("ok:", "changed:", "skipping:", "fatal:", "failed:", "included:", "...ignoring", "TASK [")
    return [ORIGIN.sub("at <origin>. Conditionals", line) for line in text.splitlines() if line.startswith(keep)]


def test_conditionals_must_give_a_boolean(tmp_path: Path) -> None:
    res = side_by_side(DEFECTS / "conditionals.yml", tmp_path, "-e", "ev=yes", hosts=("a",),
                       options=PlayOptions(extra_vars={"ev": "yes"}))
    a_rc, a_recap, a_tree, a_text = res["ansible"]
    f_rc, f_recap, f_tree, f_text = res["ftl"]
    assert "Conditionals must have a boolean result" in a_text
    assert outcome_lines(f_text) == outcome_lines(a_text)
    assert (f_rc, f_recap, f_tree) == (a_rc, a_recap, a_tree)


def banners(text: str) -> list[str]:
    """TASK and RUNNING HANDLER banners in order."""
    return [line.split(" *")[0] for line in text.splitlines() if line.startswith(("TASK [", "RUNNING HANDLER ["))]


@pytest.mark.parametrize("tags", [["-t", "one"], ["-t", "all,never"], ["-t", "four"], ["--skip-tags", "skipme,two"]],
                         ids=" ".join)
def test_handlers_under_tags_and_skip_tags(tmp_path: Path, tags: list[str]) -> None:
    opts = PlayOptions(tags=(tags[1],)) if tags[0] == "-t" else PlayOptions(skip_tags=(tags[1],))
    res = side_by_side(DEFECTS / "handlers_tags.yml", tmp_path, *tags, options=opts)
    a_rc, a_recap, _, a_text = res["ansible"]
    f_rc, f_recap, _, f_text = res["ftl"]
    assert banners(f_text) == banners(a_text)
    assert "PLAY RECAP" in f_text
    assert (f_rc, f_recap) == (a_rc, a_recap)


def test_hostvars_holds_what_ansible_puts_there(tmp_path: Path) -> None:
    """Play vars, vars_files, role defaults and role vars are not in hostvars (undefined in
    Ansible too); facts, include_vars, extra vars and the run's magic variables are."""
    inv = local_inventory(tmp_path, ["a", "b"], "[g]\na\n")
    a_rc, a_recap, a_text = ansible(DEFECTS / "hostvars.yml", inv, tmp_path / "ansible", "-l", "a,b")
    f_rc, f_recap = ftl(DEFECTS / "hostvars.yml", inv, tmp_path / "ftl", PlayOptions(limit="a,b"))
    assert a_recap, a_text[-3000:]
    theirs, mine = tree(tmp_path / "ansible"), tree(tmp_path / "ftl")
    assert '"UNDEF"' in theirs["a/other"] and "ansible_limit" in theirs["a/keys"]
    assert mine == theirs
    assert (f_rc, f_recap) == (a_rc, a_recap)


def test_meta_tasks_print_and_run_as_the_linear_strategy_does(tmp_path: Path) -> None:
    """A banner per host for noop/flush_handlers/end_host (skipping where ``when`` is
    false), one for clear_facts/end_play whose ``when`` is judged on the first host."""
    res = side_by_side(DEFECTS / "meta.yml", tmp_path, hosts=("a", "b", "c"))
    a_rc, a_recap, _, a_text = res["ansible"]
    f_rc, f_recap, _, f_text = res["ftl"]
    assert a_text.count("TASK [meta]") > 4, a_text[-3000:]
    assert f_text.splitlines() == without_config_line(a_text)
    assert (f_rc, f_recap) == (a_rc, a_recap)
