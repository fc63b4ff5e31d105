"""Fuzz: any ssh config text and any ``-o`` options give settings or one clear error.

The resolver reads users' ssh config files and options from inventories; whatever they
hold, the answer is a :class:`Resolved` or an :class:`SshConfigError` that names where
(``FILE line N`` or ``-o Option``), never another exception or a hang.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ftltui.engine.ssh.ssh_config import Resolved, SshConfigError, resolve

KEYS = ["Host", "Match", "HostName", "User", "Port", "ProxyJump", "ProxyCommand", "IdentityFile",
        "IdentitiesOnly", "IdentityAgent", "ForwardAgent", "UserKnownHostsFile", "GlobalKnownHostsFile",
        "StrictHostKeyChecking", "HashKnownHosts", "Ciphers", "MACs", "KexAlgorithms", "HostKeyAlgorithms",
        "ConnectTimeout", "ServerAliveInterval", "Compression", "AddressFamily", "Bogus", "RequestTTY"]
VALUES = st.one_of(st.sampled_from(["yes", "no", "none", "accept-new", "ask", "22", "-1", "abc", "%h:%p",
                                    "%z", "a,b", "\"quoted value\"", "'", "=", "inet", "all", "*", "!x"]),
                   st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r\x00"),
                           max_size=20))
LINES = st.lists(st.tuples(st.sampled_from(KEYS), VALUES, st.sampled_from([" ", "=", " = ", "\t"])), max_size=12)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=LINES, options=st.lists(st.tuples(st.sampled_from(KEYS), VALUES), max_size=4))
def test_any_config_gives_settings_or_a_clear_error(lines: list[tuple[str, str, str]],
                                                     options: list[tuple[str, str]]) -> None:
    text = "".join(f"{k}{sep}{v}\n" for k, v, sep in lines)
    fd, name = tempfile.mkstemp(prefix="fuzz-ssh-config-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape") as f:
            f.write(text)
        try:
            got = resolve("fuzzhost", options, [name])
        except SshConfigError as exc:
            msg = str(exc)
            assert "\n" not in msg and msg, msg
            assert name in msg or "-o " in msg, msg  # says where
            return
        assert isinstance(got, Resolved)
    finally:
        Path(name).unlink()
