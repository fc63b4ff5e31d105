"""known_hosts parsed off the event loop and grown line by line (ftltui.engine.ssh.known_cache).

Real files and real keys (asyncssh-generated); what is parsed is seen through
``SSHKnownHosts.load``, which every parse goes through. A host key accepted with
``accept-new`` appends one line: only that line may be parsed again, into the keys
already cached, while a rewrite of any earlier byte parses the whole file again.
"""

from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path

import asyncssh
import pytest

from ftltui.engine.ssh import known_cache


def _line(name: str) -> str:
    key = asyncssh.generate_private_key("ssh-ed25519").export_public_key().decode().strip()
    return f"{name} {key}\n"


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """(text, thread id) of every parse."""
    seen: list[tuple[str, int]] = []
    real = asyncssh.SSHKnownHosts.load

    def load(self: asyncssh.SSHKnownHosts, text: str) -> None:
        seen.append((text, threading.get_ident()))
        real(self, text)

    monkeypatch.setattr(asyncssh.SSHKnownHosts, "load", load)
    monkeypatch.setattr(known_cache, "_CACHE", {})
    return seen


def _trusts(known: asyncssh.SSHKnownHosts, host: str) -> bool:
    return bool(known.match(host, "", None)[0])


def test_appended_keys_are_parsed_alone_into_the_cached_keys(tmp_path: Path, parses) -> None:
    kh = tmp_path / "known_hosts"
    kh.write_text(_line("h1") + _line("h2"))
    first = known_cache.loaded_known_hosts([str(kh)])
    assert isinstance(first, asyncssh.SSHKnownHosts) and _trusts(first, "h1") and _trusts(first, "h2")
    assert len(parses) == 1
    assert known_cache.loaded_known_hosts([str(kh)]) is first and len(parses) == 1  # unchanged: no parse

    new = _line("h3")
    with kh.open("a") as f:  # what accept-new does for a host met for the first time
        f.write(new)
    again = known_cache.loaded_known_hosts([str(kh)])
    assert again is first and _trusts(again, "h3") and _trusts(again, "h1")
    assert [text for text, _ in parses[1:]] == [new]  # only the new line was parsed


def test_a_rewritten_file_is_parsed_whole_and_a_removed_key_is_gone(tmp_path: Path, parses) -> None:
    kh = tmp_path / "known_hosts"
    h1, h2 = _line("h1"), _line("h2")
    kh.write_text(h1 + h2)
    first = known_cache.loaded_known_hosts([str(kh)])
    assert _trusts(first, "h1")
    kh.write_text(h2 + _line("h4"))  # h1 removed (ssh-keygen -R), in place: same inode, earlier bytes changed
    second = known_cache.loaded_known_hosts([str(kh)])
    assert second is not first and not _trusts(second, "h1") and _trusts(second, "h4")
    assert len(parses) == 2 and parses[1][0] == kh.read_text()


def test_an_unreadable_file_is_handed_to_asyncssh_as_a_path(tmp_path: Path, parses) -> None:
    kh = tmp_path / "known_hosts"
    kh.write_bytes(b"h1 \xff\xfe not utf-8\n")
    assert known_cache.loaded_known_hosts([str(kh)]) == [str(kh)]
    assert known_cache.loaded_known_hosts([str(tmp_path / "missing")]) == [str(tmp_path / "missing")]


async def test_the_parse_runs_in_a_thread_once_for_concurrent_handshakes(tmp_path: Path, parses) -> None:
    kh = tmp_path / "known_hosts"
    kh.write_text("".join(_line(f"h{i}") for i in range(20)))
    files = [str(kh)]
    got = await asyncio.gather(*(known_cache.known_hosts_for(files) for _ in range(16)))
    assert all(k is got[0] for k in got) and _trusts(got[0], "h7")
    assert len(parses) == 1 and parses[0][1] != threading.get_ident()  # one parse, not on the loop
    assert await known_cache.known_hosts_for(files) is got[0] and len(parses) == 1
    os.utime(kh, ns=(1, 1))  # the stamp changed, the bytes did not: read again, nothing new to parse
    assert await known_cache.known_hosts_for(files) is got[0] and len(parses) == 1
