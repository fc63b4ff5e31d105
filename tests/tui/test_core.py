"""The console's plain-Python core: registry, completion, history, fuzzy, filters, log ring."""

from __future__ import annotations

from pathlib import Path

import pytest

from ftltui.inventory.model import Host
from ftltui.tui.commands import CommandError, History, Registry
from ftltui.tui.filters import PaneFilter
from ftltui.tui.fuzzy import rank, score
from ftltui.tui.hostview import masked_vars, route
from ftltui.tui.keymap import load_keymap
from ftltui.tui.logring import LogRing, format_record, wrap_line


def _source(kind: str) -> list[str]:
    return {"pattern": ["all", "web", "db", "web1"], "module": ["ping", "command", "copy"],
            "theme": ["ftl-dark", "ftl-light"]}.get(kind, [])


def test_parse_and_errors() -> None:
    reg = Registry()
    inv = reg.parse(":run web command 'echo hi'")
    assert inv.command.name == "run" and inv.args == ["web", "command", "echo hi"]
    with pytest.raises(CommandError, match="usage: theme"):
        reg.parse("theme")
    with pytest.raises(CommandError, match="did you mean theme"):
        reg.parse("them dark")
    with pytest.raises(CommandError, match="empty"):
        reg.parse(":  ")


def test_completion_by_kind() -> None:
    reg = Registry()
    assert reg.complete("th", _source)[0] == "theme"
    assert reg.complete("run w", _source)[:2] == ["run web", "run web1"]
    assert reg.complete("run web pi", _source) == ["run web ping"]
    assert reg.complete("drift s", _source) == ["drift scan"]
    assert reg.complete("theme ftl-l", _source) == ["theme ftl-light"]
    assert reg.complete("nosuch x", _source) == []


def test_palette_entries_come_from_registry() -> None:
    entries = {e.line: e for e in Registry().palette_entries(_source)}
    assert "drift scan all" in entries and "pane logs" in entries and "reload" in entries
    assert entries["theme ftl-light"].ready and entries["run"].ready  # bare run: the run form
    assert not entries["run "].ready and not entries["play "].ready  # opens the : line for the arguments
    assert {c.name for c in Registry()} <= {line.split(" ")[0] for line in entries}  # every command


def test_history_persists_and_navigates(tmp_path: Path) -> None:
    path = tmp_path / "hist"
    h = History(path)
    for line in ("run all ping", "theme ftl-light", "run all ping"):
        h.add(line)
    assert h.items == ["theme ftl-light", "run all ping"]
    h2 = History(path)
    assert h2.previous() == "run all ping"
    assert h2.previous() == "theme ftl-light"
    assert h2.previous() == "theme ftl-light"  # stays at the oldest
    assert h2.next() == "run all ping"
    assert h2.next() == ""


def test_fuzzy_prefers_prefix_and_word_starts() -> None:
    assert rank("cmd", ["copy_dir_mode", "command", "shell"])[0] == "command"
    assert rank("st", ["lineinfile", "stat", "wait_for"]) == ["stat"]
    assert rank("wf", ["lineinfile", "wait_for"]) == ["wait_for"]
    assert score("zz", "ping") is None


def test_filter_regex_invert_and_bad_regex() -> None:
    names = ["web1", "web2", "db1"]
    assert PaneFilter("^web").apply(names) == ["web1", "web2"]
    assert PaneFilter("!^web").apply(names) == ["db1"]
    assert PaneFilter("web[").apply(["web[1]", "db"]) == ["web[1]"]  # literal fallback
    assert PaneFilter("").apply(names) == names and not PaneFilter("!").active


def test_log_ring_bounds_memory_and_counts_drops() -> None:
    ring = LogRing(capacity=100, clock=lambda: 0.0)
    for i in range(250):
        ring.append("1", f"h{i % 3}", "stdout", f"line {i}")
    assert len(ring) == 100 and ring.dropped == 150
    assert [r.text for r in ring][0] == "line 150"
    assert {r.host for r in ring.select(host="h1")} == {"h1"}


def test_log_ring_lines_leave_the_garbage_collectors_view() -> None:
    """A full ring must not make every full collection walk 50k records (key-press tail)."""
    import gc

    ring = LogRing(capacity=1000, clock=lambda: 1.5)
    for i in range(1000):
        ring.append("7", f"h{i % 5}", "stdout", f"line {i}")
    gc.collect()
    stored = list(ring._lines)
    assert sum(gc.is_tracked(r) for r in stored) == 0
    assert ring.select(job="7", host="h2")[0] == (3, 1.5, "7", "h2", "stdout", "line 2")
    assert ring.jobs() == ["7"] and ring.hosts() == ["h0", "h1", "h2", "h3", "h4"]


def test_format_wrap_search() -> None:
    ring = LogRing(clock=lambda: 0.0)
    out = format_record(ring.append("1", "web1", "stderr", "boom"))
    assert out == "web1 ! boom"
    assert format_record(ring.append("1", "web1", "stdout", "x"), True, lambda ts: "00:00:00") == "00:00:00 web1 | x"
    assert wrap_line("a" * 25, 10) == ["a" * 10, "  " + "a" * 8, "  " + "a" * 7]


def test_host_view_masks_secrets_and_shows_route() -> None:
    h = Host("db1", {"ansible_host": "10.0.0.5", "ansible_user": "admin", "ansible_password": "hunter2",
                     "api_token": "tok", "note": "pw is hunter2", "ftl_jump_hosts": "bastion"})
    mv = masked_vars(h)
    assert mv["ansible_password"] == "********" and mv["api_token"] == "********"
    assert "hunter2" not in str(mv)
    assert route(h) == "via bastion -> admin@10.0.0.5:22"
    assert route(Host("localhost", {"ansible_connection": "local"})) == "local"


def test_keymap_file(tmp_path: Path) -> None:
    (tmp_path / "keymap.yaml").write_text("pane.logs: f2\nlogs.follow: [F, end]\n")
    km, problems = load_keymap(tmp_path)
    assert km == {"pane.logs": "f2", "logs.follow": "F,end"} and problems == []
    (tmp_path / "keymap.yaml").write_text("a: [\n")
    km, problems = load_keymap(tmp_path)
    assert km == {} and "keymap.yaml:" in problems[0]


def test_launch_opens_the_app_on_the_chosen_inventory(monkeypatch, tmp_path: Path) -> None:
    from ftltui.cli import build_parser
    from ftltui.paths import SAMPLE_INVENTORY
    from ftltui.tui import launch as launch_mod
    from ftltui.tui.app import FtlApp

    seen: list[FtlApp] = []
    monkeypatch.setattr(FtlApp, "run", lambda self: seen.append(self) or 0)
    assert launch_mod.launch(build_parser().parse_args(["--state-dir", str(tmp_path)])) == 0
    assert seen[0].sources == [str(SAMPLE_INVENTORY)] and seen[0].state_dir == tmp_path
    assert launch_mod.launch(build_parser().parse_args(["-i", "x.yml", "-i", "y.yml"])) == 0
    assert seen[1].sources == ["x.yml", "y.yml"]
