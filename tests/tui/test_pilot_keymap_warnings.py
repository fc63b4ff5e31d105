"""keymap.yaml: an unknown binding id, and a remap that leaves quit without a key, are
said in a notification naming the file and line (hR finding 14).

Before, ``nosuch.id: x`` was dropped without a word and ``pane.logs: q`` silently took
``q`` from ``app.quit`` (only a YAML syntax error was reported).
"""

from __future__ import annotations

from pathlib import Path

from tuihelpers import ready


def _warnings(app) -> list[str]:
    return [str(n.message) for n in app._notifications if n.title == "keymap"]


async def test_unknown_ids_and_a_quit_left_without_a_key_are_named(make_app, tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    (state / "keymap.yaml").write_text("# mine\npane.logs: q\npane.log: l\n")
    app = make_app(state_dir=state)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        found = _warnings(app)
        path = state / "keymap.yaml"
        assert any(w.startswith(f"{path}:3: unknown binding id 'pane.log'") and "pane.logs" in w for w in found), found
        assert any(w.startswith(f"{path}:2: pane.logs: q leaves app.quit without a key") for w in found), found
        assert len(found) == 2, found


async def test_a_good_keymap_says_nothing(make_app, tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    (state / "keymap.yaml").write_text("pane.logs: 2,f2\napp.quit: q,x\n")
    app = make_app(state_dir=state)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        assert _warnings(app) == []
