"""``password_hash``: every hash type Ansible documents, decided by Ansible.

md5 and sha cases (fixed salts, so the hash is deterministic) go through one
ansible-playbook run and through ftl-tui's Templar: equal strings, and a case Ansible
refuses (salt too long, rounds for md5, a type it does not know) is refused here too.
bcrypt/blowfish: ansible-playbook cannot compute them on this machine (passlib 1.7 fails
with bcrypt 5: "password cannot be longer than 72 bytes" from its own self-test), so the
oracle there is the example in ``ansible-doc -t filter password_hash`` and the C
library's crypt(3) (libxcrypt computes ``$2b$``) where Python still has ``crypt``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from ftltui.errors import TemplateError
from ftltui.templating import Templar

CASES = {
    "md5": "{{ 'secret' | password_hash('md5', salt='abcdefgh') }}",
    "md5_short_salt": "{{ 'secret' | password_hash('md5', salt='ab') }}",
    "md5_empty_password": "{{ '' | password_hash('md5', salt='xy') }}",
    "md5_crypt_unicode": "{{ 'sécret' | password_hash('md5_crypt', salt='./aZ09') }}",
    "md5_long_password": "{{ ('p' * 70) | password_hash('md5', salt='12345678') }}",
    "md5_ident_ignored": "{{ 'secret' | password_hash('md5', salt='abc', ident='1') }}",
    "md5_salt_too_long": "{{ 'secret' | password_hash('md5', salt='abcdefghijkl') }}",
    "md5_bad_salt": "{{ 'secret' | password_hash('md5', salt='ab$') }}",
    "md5_rounds": "{{ 'secret' | password_hash('md5', salt='abc', rounds=10) }}",
    "sha512": "{{ 'secret' | password_hash('sha512', salt='abc') }}",
    "sha256_rounds": "{{ 'secret' | password_hash('sha256', salt='abc', rounds=5000) }}",
    "unknown_type": "{{ 'secret' | password_hash('des_crypt', salt='ab') }}",
    "pbkdf2": "{{ 'secret' | password_hash('pbkdf2_sha256') }}",
}

PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - set_fact:
        res: "{{ lookup('vars', 'case_' ~ item) }}"
      loop: "{{ case_ids }}"
      register: r
      ignore_errors: true
    - copy: {dest: "{{ playbook_dir }}/results.json", content: "{{ r.results | to_json }}"}
"""


@pytest.mark.skipif(shutil.which("ansible-playbook") is None, reason="needs ansible-playbook")
def test_md5_and_sha_hashes_equal_ansibles(tmp_path: Path) -> None:
    variables = {f"case_{k}": v for k, v in CASES.items()} | {"case_ids": list(CASES)}
    (tmp_path / "vars.json").write_text(json.dumps(variables))
    (tmp_path / "site.yml").write_text(PLAYBOOK)
    env = {**os.environ, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_LOCALHOST_WARNING": "0", "ANSIBLE_DEPRECATION_WARNINGS": "0"}
    proc = subprocess.run(["ansible-playbook", "-i", "localhost,", "-c", "local", "site.yml", "-e", "@vars.json",
                           "-e", f"ansible_python_interpreter={sys.executable}"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert (tmp_path / "results.json").exists(), proc.stdout[-3000:] + proc.stderr[-3000:]
    theirs = {e["item"]: None if e.get("failed") else e["ansible_facts"]["res"]
              for e in json.loads((tmp_path / "results.json").read_text())}
    assert theirs["md5"] == "$1$abcdefgh$cHJi5PXp/ki/ktXzqlk6I1"  # the oracle computed what this is about
    ours: dict[str, str | None] = {}
    for case, template in CASES.items():
        try:
            ours[case] = Templar(variables, base_dir=tmp_path).render(template)
        except TemplateError as exc:
            assert "password_hash" in exc.message, exc.message
            ours[case] = None
    assert ours == theirs
    with pytest.raises(TemplateError, match="supported algorithms: md5, blowfish, sha256, sha512, bcrypt"):
        Templar({}, base_dir=Path.cwd()).render(CASES["unknown_type"])


def test_bcrypt_as_documented_and_as_the_c_library_computes_it() -> None:
    render = Templar({}, base_dir=Path.cwd()).render
    # ansible-doc -t filter password_hash, EXAMPLES
    assert render("{{ 'vagrant-libvirt' | password_hash(hashtype='bcrypt', salt='abcdefghijklmnopqrstuv') }}") \
        == "$2b$12$abcdefghijklmnopqrstuuTEw8POU2MwwuYEM7WaKcjqZ948Hm7.W"
    ours = render("{{ 'secret' | password_hash('blowfish', salt='abcdefghijklmnopqrstuu', rounds=5) }}")
    assert ours.startswith("$2b$05$abcdefghijklmnopqrstuu") and len(ours) == 60
    assert render("{{ 'secret' | password_hash('bcrypt', salt='abcdefghijklmnopqrstuu', rounds=5, ident='2a') }}") \
        .startswith("$2a$05$")
    random_salted = render("{{ 'secret' | password_hash('bcrypt', rounds=4) }}")
    assert random_salted.startswith("$2b$04$") and len(random_salted) == 60
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            import crypt
        except ImportError:  # Python 3.13+: the documented example above is the oracle
            return
    assert crypt.crypt("secret", ours[:29]) == ours  # libxcrypt's bcrypt
    for bad in ("rounds=3", "ident='2x'", "salt='short'"):
        with pytest.raises(TemplateError, match="bcrypt"):
            render(f"{{{{ 'secret' | password_hash('bcrypt', {bad}) }}}}")


@pytest.mark.parametrize("bits, rounds", [(512, 1000), (512, 5000), (256, 1000), (256, 5000)])
def test_python_sha_crypt_equals_passlib(bits: int, rounds: int) -> None:
    """The pure-Python SHA-crypt is what runs where Python has no crypt module (3.13+):
    here the C library answers first, so it is compared with passlib directly."""
    passlib_hash = pytest.importorskip("passlib.hash")
    from ftltui.templating.shacrypt import _sha_crypt_python

    scheme = passlib_hash.sha512_crypt if bits == 512 else passlib_hash.sha256_crypt
    for password, salt in [(b"secret", "abcdefgh12345678"), (b"", "salt"), ("pässwörd".encode() * 5, "x")]:
        ours = _sha_crypt_python(password, salt, rounds=rounds, bits=bits)
        assert ours == scheme.using(salt=salt, rounds=rounds).hash(password.decode()), (password, salt)
