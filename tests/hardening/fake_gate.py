"""A hostile "remote python": started by the gate bootstrap in place of python3.

Installed on a test-bed host as ``ansible_python_interpreter`` (a copy per behaviour,
with BEHAVIOUR replaced). It ignores its arguments (``-S -c <bootstrap> hash size``)
and speaks the gate protocol badly in one of these ways.
"""

import json
import os
import struct
import sys
import time

BEHAVIOUR = "silent"


def frame(msg):
    body = json.dumps(msg).encode()
    return struct.pack(">I", len(body)) + body


def out(data):
    os.write(1, data)


def read_frame():
    head = b""
    while len(head) < 4:
        c = os.read(0, 4 - len(head))
        if not c:
            sys.exit(0)
        head += c
    (n,) = struct.unpack(">I", head)
    body = b""
    while len(body) < n:
        c = os.read(0, n - len(body))
        if not c:
            sys.exit(0)
        body += c
    return json.loads(body)


HELLO = {"t": "hello", "proto": 1, "gate": "fake", "pid": os.getpid(), "python": "3.0.0", "tmpdir": "/tmp"}
b = BEHAVIOUR
if b == "silent":  # never says anything
    time.sleep(600)
elif b == "garbage":  # not frames at all
    out(b"Welcome to the machine! Last login: yesterday\n" * 3)
    time.sleep(600)
elif b == "oversized":  # a length prefix of 4 GiB - 1
    out(b"\xff\xff\xff\xff" + b"x" * 100)
    time.sleep(600)
elif b == "truncated":  # a header promising 1 MiB, then a few bytes and silence
    out(struct.pack(">I", 1 << 20) + b'{"t": "hel')
    time.sleep(600)
elif b == "unknown_hello":  # a well-formed frame of an unknown type instead of hello
    out(frame({"t": "greetings", "proto": 99}))
    time.sleep(600)
elif b == "not_json":
    out(struct.pack(">I", 8) + b"\x00\xff\xfenotjs")
    time.sleep(600)
elif b == "stderr_flood_exit":  # megabytes on stderr, then exit 1 before any frame
    os.write(2, b"E" * (8 << 20))
    sys.exit(1)
else:  # behaviours after a valid hello
    out(frame(HELLO))
    req = read_frame()
    rid = req.get("id")
    if b == "mute_after_hello":  # reads requests (and pings), never answers
        while True:
            read_frame()
    elif b == "junk_after_hello":
        out(b"\x00\x00\x00\x05{{{{{")
    elif b == "unknown_type":  # unknown types for the request, then nothing
        out(frame({"t": "surprise", "id": rid}))
        out(frame({"t": "out", "id": rid, "stream": "stdout", "text": "\x1b]0;title\x07hi"}))
        while True:
            m = read_frame()
            if m.get("t") == "ping":
                out(frame({"t": "pong", "id": m["id"]}))  # alive, but the run never ends
    elif b == "bad_id":
        out(frame({"t": "result", "id": [1, 2], "result": {}}))
    elif b == "bad_result":
        out(frame({"t": "result", "id": rid, "result": ["not", "a", "dict"]}))
    elif b == "bad_base64":
        out(frame({"t": "chunk", "id": rid, "data": "!!!not base64!!!"}))
    elif b == "error_null_id":
        out(frame({"t": "error", "id": None, "msg": "gate exploded"}))
    time.sleep(600)
