"""Redaction's VaultText walk on large records: same answer, nothing copied that need not be."""

from __future__ import annotations

from ftltui.engine.redact import MASK, Redactor, _mask_vault_texts
from ftltui.vault.values import VaultText


def _results(n: int) -> dict:
    return {f"h{i:04d}": {"status": "changed", "duration": 0.5, "error_kind": None, "raw": b"x",
                          "result": {"rc": 0, "stdout": "hello", "cmd": ["echo", "hello"], "ok": True,
                                     "pair": ("a", 1), "nested": [{"k": [1, 2.5, None]}]}} for i in range(n)}


def test_a_record_without_vault_texts_is_returned_as_is() -> None:
    doc = {"results": _results(300), "progress": {"done": 300}}
    out = _mask_vault_texts(doc)
    assert out is doc and out["results"]["h0007"]["result"]["nested"][0]["k"] == [1, 2.5, None]
    assert Redactor().obj(doc) is doc


def test_vault_texts_are_masked_wherever_they_are_and_only_their_branch_is_copied() -> None:
    doc = {"results": _results(50), "progress": {"done": 50}}
    secret = VaultText("s3cret")
    doc["results"]["h0003"]["result"]["nested"][0]["k"].append(secret)
    doc["results"]["h0004"]["result"]["pair"] = ("a", secret)
    doc["top"] = secret
    out = _mask_vault_texts(doc)
    assert out is not doc and out["top"] == MASK and doc["top"] is secret  # the input is untouched
    assert out["results"]["h0003"]["result"]["nested"][0]["k"] == [1, 2.5, None, MASK]
    assert out["results"]["h0004"]["result"]["pair"] == ("a", MASK)
    assert type(out["results"]["h0004"]["result"]["pair"]) is tuple
    assert out["progress"] is doc["progress"] and out["results"]["h0005"] is doc["results"]["h0005"]
    assert "s3cret" not in repr(out)
    # a registered secret on top: text inside strings is masked too
    red = Redactor(["hello"])
    assert red.obj(doc)["results"]["h0001"]["result"]["stdout"] == MASK


def test_a_vault_text_key_or_deep_nesting_keeps_the_old_rules() -> None:
    deep: object = VaultText("v")
    for _ in range(70):
        deep = [deep]
    assert _mask_vault_texts(deep) is deep  # beyond depth 64 nothing is walked, as before
    assert _mask_vault_texts(VaultText("v")) == MASK
