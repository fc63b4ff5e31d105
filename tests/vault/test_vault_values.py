"""Vaulted values as data: what consumers (JSON, pickle, repr, the redactor) see."""

from __future__ import annotations

import copy
import json
import pickle

import pytest

from ftltui.engine.redact import MASK, Redactor
from ftltui.errors import Location
from ftltui.vault import VaultError, VaultKeyring, VaultSecret, VaultText, VaultValue, encrypt, to_listing


def test_vault_text_is_a_plain_string_to_consumers() -> None:
    env = encrypt(b"hunter2", b"pw")
    value = VaultKeyring([VaultSecret("default", b"pw")]).open_value(env)
    assert isinstance(value, VaultText) and value == "hunter2" and value.envelope == env
    assert json.dumps({"v": value}) == '{"v": "hunter2"}'
    again = pickle.loads(pickle.dumps(value))
    assert isinstance(again, VaultText) and again.envelope == env
    assert to_listing({"v": value}) == {"v": {"__ansible_vault": env}}
    assert to_listing({"v": VaultText("from-a-file")}) == {"v": MASK}


def test_undecrypted_value_fails_only_when_turned_into_text() -> None:
    env = encrypt(b"x", b"right", "dev")
    value = VaultKeyring([VaultSecret("dev", b"wrong")]).open_value(env, Location("g.yml", 3, 7))
    assert isinstance(value, VaultValue)
    value.name = "db_pw"
    assert json.loads(json.dumps({"v": value})) == {"v": {"__ansible_vault": env}}  # listings work
    assert "db_pw" in repr(value) and env not in repr(value)
    with pytest.raises(VaultError, match=r"^g.yml:3:7: variable 'db_pw': cannot decrypt value \(vault id 'dev'\): wrong"):
        str(value)
    with pytest.raises(VaultError):
        f"{value}"
    assert isinstance(copy.deepcopy(value), VaultValue) and isinstance(pickle.loads(pickle.dumps(value)), VaultValue)


def test_redactor_masks_vault_texts_it_was_never_told_about() -> None:
    secret = VaultText("s3cr3t")
    doc = {"spec": {"vars": {"pw": secret, "plain": "s3cr3t-free"}}, "list": [secret, 1]}
    assert Redactor().obj(doc) == {"spec": {"vars": {"pw": MASK, "plain": "s3cr3t-free"}}, "list": [MASK, 1]}
    assert Redactor(["other"]).obj(doc)["spec"]["vars"]["pw"] == MASK
    untouched = {"a": ["b", {"c": 1}]}
    assert Redactor().obj(untouched) is untouched  # nothing to mask: no copy


def test_undecrypted_value_fails_wherever_it_is_used_as_data() -> None:
    """Review finding 2: a one-key mapping read as length 1, true, unequal to '' and iterable, silently."""
    env = encrypt(b"x", b"right", "dev")
    value = VaultKeyring([]).open_value(env, Location("g.yml", 3, 7))
    assert isinstance(value, VaultValue)
    for use in (len, bool, list, lambda v: v == "", lambda v: v != "", lambda v: "a" in v,
                lambda v: f"{v}"):
        with pytest.raises(VaultError):
            use(value)
    assert json.loads(json.dumps([value])) == [{"__ansible_vault": env}]  # listings still see the envelope
    assert to_listing([value]) == [{"__ansible_vault": env}]
