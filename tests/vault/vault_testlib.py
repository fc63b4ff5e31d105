"""Shared helpers of the vault tests: a small Ansible project whose secrets were encrypted by the real ``ansible-vault``.

Built once per session (each ansible-vault call costs ~1 s): passwords for the ids
``default`` and ``dev`` and ``prod``, inline ``!vault`` values in format 1.1 and 1.2, a
wholly encrypted ``group_vars/web.yml`` (1.2, ``prod``) and ``host_vars/db1.yml`` (1.1).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

HAVE_ANSIBLE = shutil.which("ansible-vault") is not None

PLAIN = {
    "secret": "s3cr3t-Vv01 with spaces",  # inline 1.1, default id, host web1
    "dev_token": "dev-Tok-Dd22",  # inline 1.2, dev id, group all
    "prod_db_password": "prod-Pw-Pp33",  # whole file group_vars/web.yml (1.2, prod)
    "db_root": "root-Pw-Rr44",  # whole file host_vars/db1.yml (1.1, default)
    "multiline": "line one\nline two: ünïcode\n",  # inline 1.2 prod, host db1
}
PASSWORDS = {"default": "pw-default-1", "dev": "pw-dev-2", "prod": "pw-prod-3"}


@dataclass
class VaultProject:
    root: Path
    inventory: Path
    pwfiles: dict[str, Path]
    env: dict[str, str]

    def vault_id_args(self, *ids: str) -> list[str]:
        out: list[str] = []
        for i in ids or tuple(PASSWORDS):
            out += ["--vault-id", f"{i}@{self.pwfiles[i]}"]
        return out


def ansible_env(base: Path) -> dict[str, str]:
    cfg = base / "ansible.cfg"
    cfg.write_text("[defaults]\n")
    env = dict(os.environ)
    env.update(ANSIBLE_CONFIG=str(cfg), ANSIBLE_HOME=str(base / "home"), ANSIBLE_LOCAL_TEMP=str(base / "tmp"),
               ANSIBLE_NOCOLOR="1", ANSIBLE_DEPRECATION_WARNINGS="0", ANSIBLE_HOST_KEY_CHECKING="0")
    return env


def vault(env: dict[str, str], *argv: str, stdin: str | None = None) -> str:
    proc = subprocess.run(["ansible-vault", *argv], capture_output=True, text=True, env=env, input=stdin, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def inline(env: dict[str, str], name: str, vault_id: str, pwfile: Path, indent: int) -> str:
    """``name: !vault |`` block from ``ansible-vault encrypt_string``, indented for a YAML mapping."""
    out = vault(env, "encrypt_string", "--vault-id", f"{vault_id}@{pwfile}", "--encrypt-vault-id", vault_id,
                "--stdin-name", name, stdin=PLAIN[name])
    return textwrap.indent(out.strip() + "\n", " " * indent)


@pytest.fixture(scope="session")
def project(tmp_path_factory: pytest.TempPathFactory) -> VaultProject:
    if not HAVE_ANSIBLE:
        pytest.skip("ansible-core is not installed")
    base = tmp_path_factory.mktemp("vaultproj")
    env = ansible_env(base)
    pw = {}
    for vid, value in PASSWORDS.items():
        pw[vid] = base / f"{vid}.pw"
        pw[vid].write_text(value + "\n")
    # ``default`` is written as 1.1 by ansible-vault when the id is 'default'
    inv = base / "inv" / "hosts.yml"
    inv.parent.mkdir()
    text = "all:\n  vars:\n    ansible_connection: local\n" + inline(env, "dev_token", "dev", pw["dev"], 4)
    text += "  children:\n    web:\n      hosts:\n        web1:\n" + inline(env, "secret", "default", pw["default"], 10)
    text += "          plain_var: hello\n"
    text += "    db:\n      hosts:\n        db1:\n" + inline(env, "multiline", "prod", pw["prod"], 10)
    inv.write_text(text)
    gv = base / "inv" / "group_vars" / "web.yml"
    gv.parent.mkdir()
    gv.write_text(f"prod_db_password: {PLAIN['prod_db_password']}\nweb_port: 8080\n")
    vault(env, "encrypt", "--vault-id", f"prod@{pw['prod']}", "--encrypt-vault-id", "prod", str(gv))
    hv = base / "inv" / "host_vars" / "db1.yml"
    hv.parent.mkdir()
    hv.write_text(f"db_root: {PLAIN['db_root']}\n")
    vault(env, "encrypt", "--vault-id", f"default@{pw['default']}", "--encrypt-vault-id", "default", str(hv))
    return VaultProject(base, inv, pw, env)
