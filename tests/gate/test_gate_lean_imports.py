"""A gate that starts, runs ``ping`` and ``command`` imports no ``threading``, ``collections``,
``importlib`` or ``types`` (issue 17: host CPU per host at 1,000 hosts).

Those four were 13 M of the 43 M instructions a gate spent on the hosts' Python 3.11 for
start, ``ping``, ``command`` and exit (callgrind, cached bytecode); without them 29.8 M, less
than the scale floor's ``python3 -c pass`` (31.6 M). The gate runs here exactly as shipped:
the zip the controller sends, unpacked, under ``python3 -S``, fed real frames through pipes.
"""

from __future__ import annotations

import ast
import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from ftltui.gate.build import gate_payload

DRIVER = r"""
import _thread, os, sys
sys.path.insert(0, sys.argv[1])
from ftltui.gate.frames import encode, read_frame
from ftltui.gate.server import Gate
r_in, w_in = os.pipe()
r_out, w_out = os.pipe()
gate = Gate(os.fdopen(r_in, "rb"), os.fdopen(w_out, "wb"), "test")
_thread.start_new_thread(gate.serve, ())
for i, req in enumerate([{"t": "run", "module": "ping", "params": {"data": "pong"}},
                         {"t": "run", "module": "command", "params": {"cmd": "echo hello"}}]):
    req["id"] = i + 1
    os.write(w_in, encode(req))
replies = []
with os.fdopen(r_out, "rb") as f:
    while sum(m.get("t") == "result" for m in replies) < 2:
        replies.append(read_frame(f))
    os.write(w_in, encode({"t": "shutdown"}))
    while replies[-1].get("t") != "bye":
        replies.append(read_frame(f))
heavy = [m for m in ("threading", "collections", "importlib", "types") if m in sys.modules]
print(repr({"heavy": heavy, "results": [m.get("result") for m in replies if m.get("t") == "result"]}), flush=True)
os._exit(0)
"""

def test_ping_and_command_in_a_gate_import_no_threading(tmp_path: Path) -> None:
    gate_dir = tmp_path / "gate"
    zipfile.ZipFile(io.BytesIO(gate_payload()[0])).extractall(gate_dir)
    python = shutil.which("python3", path="/usr/bin") or sys.executable  # the hosts' interpreter
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    out = subprocess.run([python, "-S", "-c", DRIVER, str(gate_dir)], capture_output=True, text=True,
                         timeout=60, env=env, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    report = ast.literal_eval(out.stdout.strip().splitlines()[-1])
    ping, command = report["results"]
    assert ping == {"changed": False, "ping": "pong", "failed": False}
    assert command["stdout"] == "hello" and command["rc"] == 0
    assert report["heavy"] == [], json.dumps(report["heavy"])
