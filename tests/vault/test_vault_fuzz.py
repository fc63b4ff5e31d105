"""Hostile vault envelopes: only a one-line VaultError (or InventoryError with a place), never a traceback.

Inputs: mutations of a real envelope written by ``ansible-vault encrypt_string`` (1.1)
and of a 1.2 one, and random text steered by envelope fragments. ``FTL_VAULT_FUZZ_EXAMPLES``
cases per target (default 400 for a quick pass; the acceptance run sets 10000).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ftltui.errors import InventoryError
from ftltui.inventory.yaml_loader import load_data
from ftltui.vault import VaultError, VaultKeyring, VaultSecret, VaultText, VaultValue, encrypt

CASES = int(os.environ.get("FTL_VAULT_FUZZ_EXAMPLES", "400"))
FUZZ = settings(max_examples=CASES, deadline=None, database=None, suppress_health_check=list(HealthCheck))

# made by: echo -n pw1 > pw1; ansible-vault encrypt_string --vault-password-file pw1 's3cr3t' (ansible-core 2.19)
REAL_11 = """$ANSIBLE_VAULT;1.1;AES256
34613761613439386263326561666131336461623865663138343664303335313862346434613265
3161323062386431623266323063356234663839636430330a306530366161613964316563363562
39656631663561366334333338643139323938653861626266346432633836666462323734396264
6433393536626266630a613138333837646566376133616264343233666537336665376235313838
6566
"""
REAL_12 = encrypt(b"all:\n  hosts:\n    h1:\n", b"pw1", "dev", salt=b"s" * 32)
KEYRING = VaultKeyring([VaultSecret("default", b"pw1"), VaultSecret("dev", b"pw1")])
PLAIN = {REAL_11: b"s3cr3t", REAL_12: b"all:\n  hosts:\n    h1:\n"}
FRAGMENTS = ["$ANSIBLE_VAULT", ";", "1.1", "1.2", "1.0", "AES256", "AES", "dev", "\n", "0a", "30", "61", "6", "ff",
             " ", "\t", "\x00", "é", "$ANSIBLE_VAULT;1.2;AES256;", "$ANSIBLE_VAULT;1.1;AES256\n"]


@st.composite
def mutated(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from([REAL_11, REAL_12]))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "delete", "insert", "truncate", "swap_lines", "case", "header"]))
        i = draw(st.integers(0, max(0, len(text) - 1)))
        if kind == "flip" and text:
            text = text[:i] + draw(st.sampled_from("0123456789abcdefxyz;\n $")) + text[i + 1:]
        elif kind == "delete":
            text = text[:i] + text[i + draw(st.integers(1, 40)):]
        elif kind == "insert":
            text = text[:i] + draw(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=6))) + text[i:]
        elif kind == "truncate":
            text = text[:i]
        elif kind == "swap_lines":
            lines = text.splitlines()
            if len(lines) > 2:
                a, b = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
                lines[a], lines[b] = lines[b], lines[a]
            text = "\n".join(lines)
        elif kind == "case":
            text = text.upper()
        else:
            head, _, rest = text.partition("\n")
            fields = head.split(";")
            j = draw(st.integers(0, len(fields) - 1))
            fields[j] = draw(st.sampled_from(["", "1.3", "AES128", "x" * 300, "$ANSIBLE_VAULT", "1.2 ", "dev"]))
            text = ";".join(fields) + "\n" + rest
    return text


def random_text() -> st.SearchStrategy[str]:
    return st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=8)), max_size=30).map("".join)


def check_decrypt(text: str) -> None:
    original = PLAIN.get(text)
    try:
        plain = KEYRING.decrypt(text)
    except VaultError as exc:
        assert exc.message and "\n" not in str(exc)
        return
    # whatever still decrypts passed the HMAC: it is the original plaintext (hex case, whitespace changes)
    assert plain in PLAIN.values(), (text, plain)
    assert original is None or plain == original


def check_value(text: str) -> None:
    value = KEYRING.open_value(text)  # never raises: a bad value fails where it is used
    if isinstance(value, VaultValue):
        try:
            str(value)
        except VaultError as exc:
            assert "\n" not in str(exc)
        else:
            raise AssertionError("an undecryptable value turned into text")
    else:
        assert isinstance(value, VaultText)


def check_file(text: str) -> None:
    try:
        load_data(text, "f.yml", KEYRING)
    except (VaultError, InventoryError) as exc:
        assert "\n" not in str(exc) and (exc.location is None or exc.location.file == "f.yml")


@FUZZ
@given(mutated())
def test_mutated_envelopes(text: str) -> None:
    check_decrypt(text)
    check_value(text)
    check_file(text)


@FUZZ
@given(random_text())
def test_random_text(text: str) -> None:
    check_decrypt(text)
    check_value(text)
    check_file(text)


def test_real_envelopes_decrypt() -> None:
    assert KEYRING.decrypt(REAL_11) == b"s3cr3t"
    assert load_data(REAL_12, "f.yml", KEYRING) == {"all": {"hosts": {"h1": None}}}
