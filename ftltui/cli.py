"""The ``ftl-tui`` entry point: the console with no sub-command, headless commands otherwise."""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import signal
import sys
import traceback
from collections.abc import Callable, Iterable

from ftltui import __version__
from ftltui.commands import COMMAND_MODULES
from ftltui.commands.common import (
    EXIT_BAD_INPUT,
    EXIT_USAGE,
    LATE_NOTES,
    Parser,
    add_inventory_arg,
    add_state_arg,
    error,
    examples,
    note,
)
from ftltui.commands.guard_cli import add_guard_args, refuse_readonly
from ftltui.commands.options import OptionsError
from ftltui.console.guard import ProtectedConfirmationRequired, ReadOnlyRefusal
from ftltui.config import ConfigError
from ftltui.engine.sanitize import safe_text
from ftltui.errors import FtlError, unexpected_message

EXIT_UNEXPECTED = 250  # ansible's "unexpected error": a bug, never bad input


def version_text() -> str:
    """``ftl-tui --version``: the engine's version and what it runs on (for bug reports)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        asyncssh_version = version("asyncssh")
    except PackageNotFoundError:
        asyncssh_version = "not installed"
    return (f"ftl-tui {__version__}\n  engine  ftltui {__version__} ({os.path.dirname(__file__)})\n"
            f"  python  {sys.version.split()[0]} ({sys.executable})\n  asyncssh {asyncssh_version}")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="ftl-tui",
        description="Keyboard-driven terminal operations console for infrastructure automation.\n"
        "With no COMMAND, open the console on the inventory.",
        epilog=examples(
            "ftl-tui                                  # the console on the bundled sample inventory",
            "ftl-tui -i inventory.yml                 # the console on your inventory",
            "ftl-tui run all ping -i inventory.yml    # headless: see ftl-tui COMMAND --help",
        ) + f"\nbad or incomplete options exit {EXIT_USAGE} for every command; COMMAND --help gives the rest.\n",
    )
    parser.add_argument("--version", action="version", version=version_text())
    add_state_arg(parser)
    add_inventory_arg(parser)
    add_guard_args(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            mod = importlib.import_module(f"ftltui.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"ftltui.commands.{name}":
                continue  # not built yet
            raise
        mod.register(sub)
        command = sub.choices[name]
        if command.epilog is None and getattr(mod, "EXAMPLES", None):
            command.epilog = mod.EXAMPLES
    return parser


def _take_ctrl_c() -> None:
    """^C stops a run even when whatever started ftl-tui ignored SIGINT (a background job of a
    shell without job control: a script's ``cmd &``, some CI runners). Python keeps an ignored
    SIGINT ignored, so ``run``/``play`` went on to the end and exited 0; ansible and
    ansible-playbook install their own handler and exit 99. The daemon, serve and the shard
    workers set their own handlers after this."""
    try:
        if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
            signal.signal(signal.SIGINT, signal.default_int_handler)
    except ValueError:  # not the main thread (a test calling main from a thread)
        pass


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help/--version (0) or a usage error (EXIT_USAGE)
        code = exc.code
        return code if isinstance(code, int) else 0 if code is None else EXIT_USAGE
    LATE_NOTES.clear()  # one invocation's (tests call main more than once)
    _take_ctrl_c()
    return guarded(lambda: _dispatch(args), getattr(args, "command_parser", parser),
                   secrets=lambda: _secrets_of(args))


def _secrets_of(args: argparse.Namespace) -> list[str]:
    """What this invocation knows that the screen must not show: the vault keyring's
    passwords and decrypted values, the secrets a re-run was given (-K, values)."""
    out: list[str] = []
    keyring = getattr(args, "vault_keyring", None)
    if keyring is not None:
        out += keyring.secret_texts()
    given = getattr(args, "given_secrets", None)
    if given:
        out += [s for s in (given.become_password, *given.values.values()) if s]
    return out


def _dispatch(args: argparse.Namespace) -> int:
    refuse_readonly(args)  # ftl-tui --readonly WRITE-COMMAND: exit 5 before anything is opened
    if args.command is None:
        from ftltui.tui.launch import launch

        return launch(args)
    code = int(args.func(args) or 0)
    for text in LATE_NOTES:  # held back by a bad ftl-tui setting the command did not need
        note(text)
    return code


def guarded(work: Callable[[], int], usage: argparse.ArgumentParser,
            secrets: Callable[[], Iterable[str]] | None = None) -> int:
    """Run ``work`` (a command) and turn what it raises into ftl-tui's exit statuses: errors a
    user can fix are one line (4, or 5 for options and settings); anything else is a bug,
    said as ansible-core 2.19's CLI says it (:func:`report_unexpected`, exit 250), never an
    uncaught traceback with Python's exit 1, which scripts read as a failed host."""
    try:
        return work()
    except ConfigError as exc:  # as Ansible: a bad configuration exits 5
        error(str(exc))
        return EXIT_USAGE
    except (ReadOnlyRefusal, ProtectedConfirmationRequired) as exc:  # not allowed as given: a usage error
        error(str(exc))
        return EXIT_USAGE
    except OptionsError as exc:  # options that parsed but cannot be used: a usage error
        usage.print_usage(sys.stderr)
        error(str(exc))
        return EXIT_USAGE
    except FtlError as exc:
        error(str(exc))
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        error("interrupted")
        return 130
    except BrokenPipeError:
        # `ftl-tui run ... --json | head`: the reader left; exit quietly like other CLI tools.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except Exception as exc:  # noqa: BLE001 - a bug: said, with where it happened, and exit 250
        return report_unexpected(exc, secrets)


def report_unexpected(exc: BaseException, secrets: Callable[[], Iterable[str]] | None = None) -> int:
    """An exception no layer expected, as ``ansible-playbook`` 2.19 reports one: ``[ERROR]:
    Unexpected Exception, this is probably a bug: MSG``, a blank line, then the traceback
    (2.19 shows it at every verbosity), exit 250. Frames and their source lines only, never
    their local variables (they can hold secrets); control characters are made visible, as
    for any text that may quote a host. The text is redacted as the job log is: the secrets
    ``secrets`` gives (the invocation's keyring, -K) and those every live Redactor of the
    process knows are masked (a message can quote a value: ``int('s3cret')``)."""
    text = f"[ERROR]: {unexpected_message(exc)}\n\n" + "".join(traceback.format_exception(exc))
    try:
        text = _redacted(text, secrets)
        sys.stderr.write(safe_text(text))
        sys.stderr.flush()
    except OSError:
        pass  # stderr is gone too: the exit status still says it
    return EXIT_UNEXPECTED


def _redacted(text: str, secrets: Callable[[], Iterable[str]] | None) -> str:
    from ftltui.engine.redact import Redactor, process_secrets

    known = process_secrets()
    if secrets is not None:
        with contextlib.suppress(Exception):  # the report must still be made, masking what is known
            known.update(secrets())
    return Redactor(known).text(text)


if __name__ == "__main__":
    sys.exit(main())
