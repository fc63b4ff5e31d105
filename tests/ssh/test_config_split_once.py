"""ssh config lines are split once per process, not once per host (issue 17: 1,000-host runs)."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import pytest

from ftltui.engine.ssh import ssh_config


def test_each_line_is_split_once_and_every_host_still_gets_its_own_block(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "config"
    cfg.write_text("Host web*\n  Port 2222\n  User deploy\nHost db1\n  Port 3333\n"
                   "Host *\n  ServerAliveInterval 7\n  IdentityFile ~/.ssh/%h.key\n")
    calls: list[str] = []
    real = shlex.split

    def counting(s: str, *args: Any, **kwargs: Any) -> list[str]:
        calls.append(s)
        return real(s, *args, **kwargs)

    monkeypatch.setattr(shlex, "split", counting)
    ssh_config._split.cache_clear()
    opts = [("User", "ops")]
    web = ssh_config.resolve("web7", opts, [str(cfg)])
    first = len(calls)
    db = ssh_config.resolve("db1", opts, [str(cfg)])
    other = ssh_config.resolve("other", [], [str(cfg)])
    assert first >= 6  # the option and the file's lines
    assert len(calls) == first  # nothing split again for the next hosts
    # the same answers asyncssh's own parse gives: first value wins, per-host blocks, %h
    assert (web.get("Port"), web.get("User"), web.get("ServerAliveInterval")) == (2222, "ops", 7)
    assert (db.get("Port"), db.get("User")) == (3333, "ops")
    assert other.get("Port") is None and other.get("User") is None
    assert [Path(k).name for k in web.get("IdentityFile")] == ["web7.key"]
    assert [Path(k).name for k in db.get("IdentityFile")] == ["db1.key"]
