"""Vault data made by the real ``ansible-vault`` reads back as Ansible reads it (oracle: ansible-core)."""

from __future__ import annotations

import binascii
import json
import subprocess
from pathlib import Path

import pytest
from vault_testlib import PASSWORDS, PLAIN, VaultProject, vault

from ftltui.errors import InventoryError
from ftltui.inventory import load_inventory
from ftltui.vault import VaultError, VaultKeyring, VaultSecret, VaultText, VaultValue, encrypt, parse

pytestmark = pytest.mark.ansible

EXPR = "{{ {'secret': secret|default(None), 'dev_token': dev_token, 'multiline': multiline|default(None), " \
       "'prod_db_password': prod_db_password|default(None), 'db_root': db_root|default(None), " \
       "'web_port': web_port|default(None), 'plain_var': plain_var|default(None)} }}"


def keyring(*ids: str) -> VaultKeyring:
    return VaultKeyring([VaultSecret(i, PASSWORDS[i].encode(), "test") for i in ids or PASSWORDS])


def ansible_values(p: VaultProject) -> dict[str, dict]:
    """What ansible itself sees for each host's vaulted variables."""
    proc = subprocess.run(["ansible", "all", "-i", str(p.inventory), *p.vault_id_args(), "-m", "debug", "-a",
                           f"msg={EXPR}", "-o"], capture_output=True, text=True, env=p.env, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = {}
    for line in proc.stdout.splitlines():
        host, _, rest = line.partition(" | SUCCESS => ")
        out[host] = json.loads(rest)["msg"]
    return out


def our_values(p: VaultProject, vault: VaultKeyring) -> dict[str, dict]:
    inv = load_inventory(p.inventory, vault)
    keys = ("secret", "dev_token", "multiline", "prod_db_password", "db_root", "web_port", "plain_var")
    return {h.name: {k: h.vars.get(k) for k in keys} for h in inv.select("all")}


def test_project_covers_both_formats_inline_and_whole_files(project: VaultProject) -> None:
    text = project.inventory.read_text()
    assert "$ANSIBLE_VAULT;1.1;AES256" in text and "$ANSIBLE_VAULT;1.2;AES256;dev" in text
    assert (project.inventory.parent / "group_vars/web.yml").read_text().startswith("$ANSIBLE_VAULT;1.2;AES256;prod")
    assert (project.inventory.parent / "host_vars/db1.yml").read_text().startswith("$ANSIBLE_VAULT;1.1;AES256")


def test_values_decrypt_to_what_ansible_sees(project: VaultProject) -> None:
    theirs = ansible_values(project)
    ours = our_values(project, keyring())
    assert ours == theirs
    assert ours["web1"]["secret"] == PLAIN["secret"] and ours["db1"]["multiline"] == PLAIN["multiline"]
    # every decrypted string is known as a secret; ordinary values are not
    inv = load_inventory(project.inventory, keyring())
    assert set(inv.host("web1").secret_values()) >= {PLAIN["secret"], PLAIN["dev_token"], PLAIN["prod_db_password"]}
    assert "hello" not in inv.host("web1").secret_values()
    assert isinstance(inv.host("db1").vars["db_root"], VaultText)


def test_list_shows_inline_values_like_ansible_inventory(project: VaultProject) -> None:
    """Inline values as {"__ansible_vault": envelope}, exactly as ansible-inventory --list prints them."""
    proc = subprocess.run(["ansible-inventory", "-i", str(project.inventory), *project.vault_id_args(), "--list"],
                          capture_output=True, text=True, env=project.env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    theirs = json.loads(proc.stdout)["_meta"]["hostvars"]
    ours = load_inventory(project.inventory, keyring()).to_ansible_list()["_meta"]["hostvars"]
    assert ours["web1"]["secret"] == theirs["web1"]["secret"]
    assert ours["db1"]["multiline"] == theirs["db1"]["multiline"]
    assert ours["web1"]["dev_token"] == theirs["web1"]["dev_token"]
    # whole-file values: ansible-inventory prints them in clear, ftl-tui never does
    assert theirs["web1"]["prod_db_password"] == PLAIN["prod_db_password"]
    assert ours["web1"]["prod_db_password"] == "********"
    assert theirs["web1"]["web_port"] == ours["web1"]["web_port"] == 8080


def test_ansible_vault_decrypts_what_we_encrypt(project: VaultProject, tmp_path: Path) -> None:
    for vid in ("default", "dev"):
        f = tmp_path / f"{vid}.vault"
        f.write_text(encrypt("ours ü\n".encode(), PASSWORDS[vid].encode(), None if vid == "default" else vid))
        out = vault(project.env, "view", "--vault-id", f"{vid}@{project.pwfiles[vid]}", str(f))
        assert out == "ours ü\n"


def tamper(envelope: str, part: str) -> str:
    """The envelope with one byte of its ciphertext (or its HMAC) flipped, still well-formed."""
    lines = envelope.strip().splitlines()
    salt, mac, ct = (binascii.unhexlify(x) for x in binascii.unhexlify("".join(lines[1:])).split(b"\n"))
    if part == "ciphertext":
        ct = ct[:5] + bytes([ct[5] ^ 1]) + ct[6:]
    else:
        mac = bytes([mac[0] ^ 0x80]) + mac[1:]
    body = binascii.hexlify(b"\n".join(binascii.hexlify(x) for x in (salt, mac, ct))).decode()
    return lines[0] + "\n" + "\n".join(body[i:i + 80] for i in range(0, len(body), 80)) + "\n"


@pytest.mark.parametrize("part", ["ciphertext", "hmac"])
def test_tampered_data_is_refused_by_both(project: VaultProject, tmp_path: Path, part: str) -> None:
    bad = tmp_path / "db1.yml"
    bad.write_text(tamper((project.inventory.parent / "host_vars/db1.yml").read_text(), part))
    proc = subprocess.run(["ansible-vault", "view", "--vault-id", f"default@{project.pwfiles['default']}", str(bad)],
                          capture_output=True, text=True, env=project.env, timeout=120)
    assert proc.returncode != 0 and PLAIN["db_root"] not in proc.stdout
    with pytest.raises(VaultError, match="HMAC mismatch"):
        keyring().decrypt(bad.read_text())


def test_wrong_password_is_a_clear_error_naming_file_and_vault_id(project: VaultProject) -> None:
    wrong = VaultKeyring([VaultSecret("prod", b"not-the-password")])
    with pytest.raises(InventoryError) as err:
        load_inventory(project.inventory, wrong)
    msg = str(err.value)
    assert "group_vars/web.yml" in msg and "vault id 'prod'" in msg and "wrong vault password" in msg
    assert "\n" not in msg


def test_undecryptable_inline_value_fails_only_where_used(project: VaultProject) -> None:
    """Without the dev password the inventory loads; using that value names file, variable and vault id."""
    inv = load_inventory(project.inventory, keyring("prod", "default"))
    web1 = inv.host("web1")
    assert web1.vars["plain_var"] == "hello" and web1.vars["secret"] == PLAIN["secret"]
    value = web1.vars["dev_token"]
    assert isinstance(value, VaultValue)
    with pytest.raises(VaultError) as err:
        str(value)
    msg = str(err.value)
    assert f"{project.inventory}:4:" in msg and "variable 'dev_token'" in msg and "vault id 'dev'" in msg
    assert inv.vault.missing == {"dev"}  # what the console asks for
    assert all(v is not value for v in web1.secret_values()) and PLAIN["secret"] in web1.secret_values()


def test_wholly_encrypted_file_without_password_stops_loading_with_its_name(project: VaultProject) -> None:
    """A vars file whose names are unknown cannot fail lazily: loading stops, as in Ansible, naming file and id."""
    with pytest.raises(InventoryError, match=r"host_vars/db1.yml: cannot decrypt file \(vault id 'default'\)"):
        load_inventory(project.inventory, keyring("prod", "dev"))


def test_vault_id_1_2_header_parsed(project: VaultProject) -> None:
    env = encrypt(b"x", b"p", "lab")
    assert parse(env).vault_id == "lab" and parse(env).version == "1.2"
    assert parse(encrypt(b"x", b"p")).vault_id is None


def test_list_output_with_vault_values_loads_back(project: VaultProject, tmp_path: Path) -> None:
    """--list JSON keeps inline values encrypted; loading it back with the keyring decrypts them again."""
    listing = load_inventory(project.inventory, keyring()).to_ansible_list()
    dumped = tmp_path / "list.json"
    dumped.write_text(json.dumps(listing))
    again = load_inventory(dumped, keyring())
    assert again.host("web1").vars["secret"] == PLAIN["secret"]
    assert isinstance(again.host("db1").vars["multiline"], VaultText)
    assert again.to_ansible_list() == listing
    locked = load_inventory(dumped)
    value = locked.host("web1").vars["secret"]
    assert isinstance(value, VaultValue) and value.name == "secret"
    with pytest.raises(VaultError, match=r"list.json: variable 'secret': cannot decrypt value \(vault id 'default'\)"):
        str(value)


@pytest.mark.parametrize("name,text", [
    ("hosts.yml", "all:\n  children:\n    web:\n      hosts:\n        w1: {port: 80}\n        w2:\n      vars: {k: v}\n"),
    ("hosts.ini", "[web]\nw1 port=80\nw2\n[web:vars]\nk=v\n"),
])
def test_wholly_encrypted_inventory_file_loads_like_ansible(project: VaultProject, tmp_path: Path, name: str,
                                                           text: str) -> None:
    inv = tmp_path / name
    inv.write_text(text)
    vault(project.env, "encrypt", "--vault-id", f"dev@{project.pwfiles['dev']}", "--encrypt-vault-id", "dev", str(inv))
    proc = subprocess.run(["ansible-inventory", "-i", str(inv), *project.vault_id_args("dev"), "--list"],
                          capture_output=True, text=True, env=project.env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    loaded = load_inventory(inv, keyring("dev"))
    assert loaded.to_ansible_list() == json.loads(proc.stdout)
    assert loaded.host("w1").secret_values() == []  # an inventory's host names and vars are not secrets


def test_inventory_script_with_vault_values(project: VaultProject, tmp_path: Path) -> None:
    """A script's --list JSON may carry {"__ansible_vault": ...} values; both read them with the password."""
    import stat
    import sys

    env = load_inventory(project.inventory, keyring()).to_ansible_list()["_meta"]["hostvars"]["web1"]["secret"]
    data = {"web": {"hosts": ["s1"]}, "_meta": {"hostvars": {"s1": {"secret": env, "ansible_connection": "local"}}}}
    script = tmp_path / "inv.py"
    script.write_text(f"#!{sys.executable}\nimport json\nprint(json.dumps({data!r}))\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    proc = subprocess.run(["ansible", "s1", "-i", str(script), *project.vault_id_args(), "-m", "debug", "-a",
                           "msg={{ secret }}", "-o"], capture_output=True, text=True, env=project.env, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    theirs = json.loads(proc.stdout.partition(" => ")[2])["msg"]
    ours = load_inventory(script, keyring()).host("s1").vars["secret"]
    assert ours == theirs == PLAIN["secret"] and isinstance(ours, VaultText)
