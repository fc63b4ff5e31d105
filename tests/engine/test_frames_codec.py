"""The gate's frame codec: JSON through ``_json`` directly, byte-identical to ``json``, no ``re``."""

from __future__ import annotations

import io
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from ftltui.gate import frames

SRC = Path(frames.__file__).resolve().parents[2]  # the ftltui under test (its parent dir)

MESSAGES = [
    {"t": "hello", "proto": 1, "gate": "abc", "pid": 123, "python": "3.11.2", "tmpdir": "/tmp/x", "bin": 1},
    {"t": "run", "id": 7, "module": "command", "params": {"cmd": "echo 'a b' \"c\"", "chdir": None},
     "check": False, "secret_args": [], "limits": {"lines": 10_000, "bytes": 1 << 20}},
    {"t": "out", "id": 1, "stream": "stdout", "text": "caf\u00e9 \u2603 \U0001f600 tab\tnl\n cr\r nul\x00 bell\x07 \\ \" /"},
    {"t": "result", "id": 2, "result": {"rc": -9, "big": 2**70, "neg": -(2**64), "f": 0.1, "e": 1e300,
                                        "tiny": 5e-324, "neg0": -0.0, "t": True, "f2": False, "n": None,
                                        "nested": [[[], {}], [{"k": [1, [2, [3]]]}]], "": "empty key"}},
    {"t": "error", "id": None, "msg": "x" * 70_000, "traceback": "line\n" * 100},
    {"t": "x", "unicode_key_\u00e9": "\u0000\u001f\u007f\u2028\u2029\ufeff"},
]


@pytest.mark.parametrize("msg", MESSAGES, ids=[m["t"] for m in MESSAGES])
def test_encode_is_byte_identical_to_json_and_decodes_back(msg: dict) -> None:
    body = frames.encode(msg)[frames.HEADER.size:]
    assert body == json.dumps(msg, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    assert frames.read_frame(io.BytesIO(frames.encode(msg))) == json.loads(body.decode("utf-8")) == msg


def test_non_finite_floats_as_json_writes_and_reads_them() -> None:
    msg = {"t": "r", "v": [float("inf"), -float("inf")], "n": float("nan")}
    body = frames.encode(msg)[frames.HEADER.size:]
    assert body == json.dumps(msg, separators=(",", ":"), ensure_ascii=False).encode()
    back = frames.decode_body(body)
    assert back["v"] == [math.inf, -math.inf] and math.isnan(back["n"])


def test_what_json_refuses_is_refused_with_its_message() -> None:
    with pytest.raises(TypeError, match="not JSON serializable"):
        frames.encode({"t": "x", "v": object()})
    assert frames.encode({"t": "ok"})  # a failed encode leaves nothing behind
    for bad, why in [(b'{"t": "x"} trailing', "Extra data"), (b'{"t": ', "Expecting value"),
                     (b"[1, 2]", "not a message object"), (b'{"t": "\\ud800"', "Expecting ',' delimiter")]:
        with pytest.raises(frames.FrameError, match=why):
            frames.decode_body(bad)
    # whitespace around the object is JSON: still read (through json)
    assert frames.decode_body(b' {"t": "x", "a": [1 , 2]}\n') == {"t": "x", "a": [1, 2]}


def test_a_gate_starts_without_importing_json_or_re() -> None:
    """The point of the codec: the gate process's own imports (python3 -S, as bootstrapped)."""
    code = ("import sys; sys.path.insert(0, %r); import ftltui.gate.server, ftltui.gate.frames as f;"
            "f.read_frame; print(sorted(m for m in ('json', 're', 'enum') if m in sys.modules))" % str(SRC))
    out = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr
