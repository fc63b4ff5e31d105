"""``jobs retry|requeue --secret NAME=ENVVAR``: a value typed where the variable's name goes
is never echoed back (session 10 review, finding 5). Real CLI processes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ftltui.paths import REPO_DIR

TYPED = "hunter2-typed-by-mistake"


def test_a_value_typed_after_the_equals_sign_is_not_repeated(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != TYPED}
    env.update(PYTHONPATH=str(REPO_DIR), FTL_TUI_HOME=str(tmp_path / "home"), NO_COLOR="1")
    for arg in (f"password={TYPED}", f"={TYPED}"):
        out = subprocess.run([sys.executable, "-m", "ftltui", "jobs", "retry", "1", "--secret", arg,
                              "--state-dir", str(tmp_path / "st")], capture_output=True, text=True, env=env,
                             cwd=tmp_path, check=False, timeout=120, stdin=subprocess.DEVNULL)
        assert out.returncode != 0, (out.stdout, out.stderr)  # a usage error (OptionsError)
        assert "--secret" in out.stderr
        assert TYPED not in out.stdout + out.stderr, out.stderr
