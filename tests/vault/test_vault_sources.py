"""Where vault passwords come from: files, scripts, client scripts, prompts, the config; and their errors."""

from __future__ import annotations

import argparse
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from ftltui.commands.vault_options import add_vault_args, vault_keyring_of, vault_specs
from ftltui.vault import VaultError, encrypt, read_password_source, split_vault_id


def script(path: Path, body: str) -> Path:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def parse(*argv: str) -> argparse.Namespace:
    p = argparse.ArgumentParser()
    add_vault_args(p)
    return p.parse_args(argv)


def test_file_password_is_stripped(tmp_path: Path) -> None:
    f = tmp_path / "pw"
    f.write_text("  hunter2 \n\n")
    assert read_password_source("default", str(f)).password == b"hunter2"


def test_script_stdout_is_the_password_and_client_scripts_get_their_label(tmp_path: Path) -> None:
    plain = script(tmp_path / "pass.sh", 'echo "from-script"\n')
    assert read_password_source("default", str(plain)).password == b"from-script"
    client = script(tmp_path / "keyring-client.sh", 'echo "label=$2 args=$#"\n')
    assert read_password_source("dev", str(client)).password == b"label=dev args=2"


@pytest.mark.parametrize("body,expected", [
    ("echo oops >&2; exit 3\n", r"exited with status 3: oops"),
    ("exit 0\n", r"empty password"),
])
def test_failing_or_silent_script_is_a_clear_error(tmp_path: Path, body: str, expected: str) -> None:
    s = script(tmp_path / "bad.sh", body)
    with pytest.raises(VaultError, match=expected) as err:
        read_password_source("default", str(s))
    assert str(s) in str(err.value)


def test_missing_file_and_empty_file_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(VaultError, match="vault password file not found"):
        read_password_source("default", str(tmp_path / "nope"))
    (tmp_path / "empty").write_text("\n")
    with pytest.raises(VaultError, match="empty password"):
        read_password_source("default", str(tmp_path / "empty"))


def test_vault_id_spec_and_order_config_first_then_cli() -> None:
    assert split_vault_id("dev@~/x") == ("dev", "~/x") and split_vault_id("/p") == ("default", "/p")

    class Cfg:
        vault_identity_list = ["prod@/etc/prod.pw"]
        vault_password_file = ["/etc/cfg.pw"]
        vault_identity = "default"
        ask_vault_pass = False

    args = parse("--vault-id", "dev@prompt", "--vault-password-file", "/a", "--vault-pass-file", "/b")
    assert vault_specs(args, Cfg()) == [("prod", "/etc/prod.pw"), ("dev", "prompt"), ("default", "/a"), ("default", "/b")]
    assert vault_specs(parse(), Cfg()) == [("prod", "/etc/prod.pw"), ("default", "/etc/cfg.pw")]
    assert vault_specs(parse("--ask-vault-pass")) == [("default", "prompt")]


def test_prompt_sources_use_the_prompt_once_per_id(tmp_path: Path) -> None:
    asked: list[str] = []

    def prompt(vid: str) -> str:
        asked.append(vid)
        return f"pw-{vid}"

    ring = vault_keyring_of(parse("--vault-id", "dev@prompt", "--ask-vault-pass"), None, prompt)
    assert asked == ["dev", "default"]
    assert ring.decrypt(encrypt(b"x", b"pw-dev", "dev")) == b"x"
    with pytest.raises(VaultError, match="no vault password given for vault id 'dev'"):
        vault_keyring_of(parse("--vault-id", "dev@prompt"), None, lambda vid: None)


def test_ask_vault_pass_without_a_terminal_is_a_clear_error_not_a_hang(tmp_path: Path) -> None:
    inv = tmp_path / "inv.yml"
    inv.write_text("all:\n  hosts:\n    h1:\n")
    proc = subprocess.run([sys.executable, "-m", "ftltui", "inventory", "--list", "-i", str(inv), "--ask-vault-pass"],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, FTL_TUI_HOME=str(tmp_path / "state")))
    assert proc.returncode != 0
    assert "stdin is not a terminal" in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
