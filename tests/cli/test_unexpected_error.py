"""An exception no layer expected is reported as ansible-playbook 2.19 reports one, exit 250.

ansible-core 2.19's CLI (``ansible/cli/__init__.py``, ``cli_executor``) prints ``[ERROR]:
Unexpected Exception, this is probably a bug: MSG`` (MSG: the message and its explicit
causes, joined by ``": "``; a bare ``.`` when there is none), a blank line and the
traceback, at every verbosity, and exits 250. ``ftl-tui``'s commands other than ``play``
let such an exception out of ``cli.main`` (Python's traceback, exit 1, read by scripts as a
failed host); ``play`` printed ``[ERROR]: Unexpected Exception: TYPE: MSG`` and no
traceback.

No honest input reaches this today (the ones found are fixed: the state directory kinds in
test_state_dir_errors.py, a module's own ``results`` key), so this is a function-level test
of the CLI's own handler, :func:`ftltui.cli.guarded`, with genuinely raising callables, not a
mock of anything it calls. Ansible's side is the real ``cli_executor`` whose ``run`` raises
the same exception: the words are compared, not copied.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from ftltui.cli import build_parser, guarded

CASES = {
    "message": "1 / 0",
    "repr-message": "raise KeyError('x')",
    "no-message": "raise RuntimeError()",
    "explicit-cause": "try:\n    {}['inner']\nexcept KeyError as exc:\n    raise ValueError('outer') from exc",
}

ORACLE = """
import sys
from ansible.cli.playbook import PlaybookCLI
namespace = {}
exec(sys.argv[1], namespace)
PlaybookCLI.run = lambda self: namespace["boom"]()
PlaybookCLI.cli_executor(["ansible-playbook", "site.yml"])
"""


def _boom_source(body: str) -> str:
    return "def boom():\n" + textwrap.indent(body, "    ") + "\n"


def _boom(body: str) -> Callable[[], int]:
    namespace: dict[str, Callable[[], int]] = {}
    exec(_boom_source(body), namespace)  # noqa: S102 - this test's own raising code
    return namespace["boom"]


@pytest.mark.skipif(importlib.util.find_spec("ansible") is None, reason="ansible-core is the oracle")
@pytest.mark.parametrize("case", sorted(CASES))
def test_the_words_are_ansible_playbook_2_19s_and_the_exit_is_250(
        case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    theirs = subprocess.run([sys.executable, "-c", ORACLE, _boom_source(CASES[case])], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120, check=False)
    assert guarded(_boom(CASES[case]), build_parser()) == theirs.returncode == 250, theirs.stderr
    ours = capsys.readouterr()
    assert ours.out == theirs.stdout == ""
    mine, their = ours.err.splitlines(), theirs.stderr.splitlines()
    assert mine[:3] == their[:3], (ours.err, theirs.stderr)  # [ERROR]: ..., blank, Traceback (...)
    assert mine[1:3] == ["", "Traceback (most recent call last):"]
    assert mine[-1] in their, (ours.err, theirs.stderr)  # the exception's own last line, as theirs shows it


def test_the_traceback_names_the_frames_but_never_their_locals(capsys: pytest.CaptureFixture[str]) -> None:
    def read_secret() -> int:
        password = "s3cr3t-only-in-a-local"
        return len(password) // 0

    assert guarded(read_secret, build_parser()) == 250
    err = capsys.readouterr().err
    assert err.startswith("[ERROR]: Unexpected Exception, this is probably a bug: integer division or modulo by zero\n")
    assert ", in read_secret" in err and "s3cr3t-only-in-a-local" not in err, err


def test_control_characters_in_the_message_are_shown_not_obeyed(capsys: pytest.CaptureFixture[str]) -> None:
    def quote_a_host() -> int:
        raise RuntimeError("host said \x1b]52;c;cHduZWQ=\x07\x1b[2J done")

    assert guarded(quote_a_host, build_parser()) == 250
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\x07" not in err
    assert err.startswith("[ERROR]: Unexpected Exception, this is probably a bug: host said  done\n"), err


def test_a_secret_the_process_knows_is_masked_in_the_report(capsys: pytest.CaptureFixture[str]) -> None:
    """hR s11 #11: the job log's copy was redacted, the CLI's was not. A value decrypted with
    the invocation's keyring, quoted by the exception's message, and a secret a live Redactor
    of the process holds (as a run's executor does), are masked on stderr."""
    from ftltui.engine.redact import MASK, Redactor
    from ftltui.vault.envelope import encrypt
    from ftltui.vault.secrets import VaultKeyring, VaultSecret

    keyring = VaultKeyring([VaultSecret("default", b"pw-for-the-test", "test")])
    decrypted = str(keyring.open_value(encrypt(b"s3cret-plain", b"pw-for-the-test")))  # an inline !vault value
    assert decrypted == "s3cret-plain"

    def use_it() -> int:
        redactor = Redactor(["become-pw-9"])  # alive in this frame, as a run's is
        assert redactor.secrets
        raise ValueError(f"invalid literal for int() with base 10: {decrypted!r} (become-pw-9)")

    assert guarded(use_it, build_parser(), secrets=keyring.secret_texts) == 250
    err = capsys.readouterr().err
    assert "s3cret-plain" not in err and "become-pw-9" not in err and "pw-for-the-test" not in err, err
    assert err.startswith(f"[ERROR]: Unexpected Exception, this is probably a bug: invalid literal for int() with "
                          f"base 10: '{MASK}' ({MASK})\n"), err
