"""Typed session inputs that hold secrets: their repr never shows a value, and an attached
session refuses to send them to its owner."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from ftltui.console.engine_settings import EngineSettings
from ftltui.console.job_secrets import PlaybookSecrets
from ftltui.console.remote_session import RemoteConsoleSession
from ftltui.console.session import ConsoleSession
from ftltui.console.session_settings import SessionSettings
from ftltui.errors import FtlError

SECRET = "s3cr3t-Value"


def test_reprs_name_but_never_show_secret_values() -> None:
    secrets = PlaybookSecrets({"db_pass": SECRET, "region": "eu"}, ("db_pass",), SECRET)
    for text in (repr(secrets), str(secrets), f"{secrets}", repr([secrets])):
        assert SECRET not in text and "eu" not in text
    assert "db_pass" in repr(secrets) and "********" in repr(secrets)
    assert bool(secrets) and not PlaybookSecrets() and not PlaybookSecrets(answers={})
    assert SECRET not in repr(EngineSettings(secrets=(SECRET,)))
    assert SECRET not in repr(SessionSettings(var_defaults={"ansible_become_password": SECRET},
                                              ssh_options={"key_passphrase": SECRET}))


def test_attached_settings_are_the_faces(tmp_path: Path) -> None:
    """``like`` and ``owner_session`` carry the face's settings, typed, not its state."""
    face = ConsoleSession(tmp_path, forks=7, concurrency=3, var_defaults={"ansible_user": "ops"},
                          roles_path=["/r"], collections_paths=["/c"])
    attached = RemoteConsoleSession.like(face)
    owner = attached.owner_session()
    for s in (attached, owner):
        assert (s.state_dir, s.forks, s.concurrency, s.var_defaults, s.roles_path, s.collections_paths) == \
            (tmp_path, 7, 3, {"ansible_user": "ops"}, ["/r"], ["/c"])
        assert s.guard is face.guard and s.clock is face.clock and s.jobs == {}
    assert type(owner) is ConsoleSession


def test_attached_session_refuses_to_send_job_secrets(tmp_path: Path) -> None:
    session = RemoteConsoleSession(tmp_path)

    async def submit() -> None:
        await session.submit_playbook(str(tmp_path / "site.yml"), secrets=PlaybookSecrets(become_password=SECRET))

    with pytest.raises(FtlError) as exc:
        asyncio.run(submit())
    assert "not sent to the owner" in str(exc.value) and SECRET not in str(exc.value)
