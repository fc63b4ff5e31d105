"""command's cmd splitting: shlex.split's result always, shlex (and re) imported only when needed."""

from __future__ import annotations

import random
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from ftltui.modules import command

SRC = Path(command.__file__).resolve().parents[2]


@pytest.mark.parametrize("cmd", ["echo hello", "  a   b  ", "", " ", "ls -la /tmp/x#y", "echo $HOME *.py ~",
                                 "a|b>c;d&e(f)", "echo 'a b'", 'say "x y"', "x\\ y", "a\tb", "a\nb", "caf\u00e9 x",
                                 "a\u00a0b", "a\x0bb", "--opt=1,2 @f %s +x"])
def test_split_equals_shlex(cmd: str) -> None:
    assert command.split_cmd(cmd) == shlex.split(cmd)


def test_split_equals_shlex_on_random_lines() -> None:
    rnd = random.Random(17)
    alphabet = "ab -_/.=$#*'\"\\\t\n\u00e9|;"
    for _ in range(3000):
        cmd = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 12)))
        try:
            want = shlex.split(cmd)
        except ValueError:
            with pytest.raises(ValueError):
                command.split_cmd(cmd)
            continue
        assert command.split_cmd(cmd) == want, repr(cmd)


def test_a_plain_cmd_does_not_import_shlex_or_re() -> None:
    code = ("import sys; sys.path.insert(0, %r); from ftltui.modules import command;"
            "assert command.split_cmd('echo hello world') == ['echo', 'hello', 'world'];"
            "print(sorted(m for m in ('shlex', 're') if m in sys.modules))" % str(SRC))
    out = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr
