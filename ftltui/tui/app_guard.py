"""The console's face of read-only mode and protected groups.

The refusals themselves live in the console core (:mod:`ftltui.console.guard`): every
write of the session raises ``ReadOnlyRefusal`` when it is read-only. This mixin only
says so *before* a form opens or a confirmation is asked (a read-only console never
shows a run form to then refuse it), and asks the protected-group question the core
raises, re-submitting with ``confirmed=True`` on yes.
"""

from __future__ import annotations

from collections.abc import Callable

from ftltui.console.guard import ProtectedConfirmationRequired
from ftltui.console.job_actions import ACTIONS
from ftltui.tui.app_base import ConsoleAppBase
from ftltui.tui.screens.confirm import ConfirmScreen

SCHEDULE_WRITES = frozenset({"add", "rm", "pause", "resume"})
DRIFT_WRITES = frozenset({"scan", "baseline", "accept"})


def write_action(command: str, args: list[str]) -> str | None:
    """The write a ``:`` command would do (``None`` for a command that only looks)."""
    if command in ("run", "play"):
        return command
    if command == "drift" and args and args[0] in DRIFT_WRITES:
        return f"drift {args[0]}"
    if command == "jobs" and args and args[0] in ACTIONS:
        return args[0]
    if command == "schedule" and args and args[0] in SCHEDULE_WRITES:
        return f"schedule {args[0]}"
    return None


class ProtectedConfirmScreen(ConfirmScreen):
    """"This run touches N hosts in protected group G. Continue?" (y/n)."""


class GuardMixin(ConsoleAppBase):
    def refuse_readonly(self, action: str) -> bool:
        """True (and a notification saying why) when the session is read-only now."""
        policy = self.services.policy
        if not policy.readonly:
            return False
        self.notify(f"read-only: {action} refused ({policy.why})", title="read-only", severity="warning")
        return True

    def confirm_protected(self, exc: ProtectedConfirmationRequired, again: Callable[[], object]) -> None:
        """Ask the protected-group question; ``again()`` re-submits, confirmed, on yes."""
        def answer(yes: bool | None) -> None:
            if yes:
                again()
            else:
                self.notify("not started (protected hosts)", severity="warning")

        self.push_screen(ProtectedConfirmScreen(f"{exc.touch.message}. Press y to continue, n to cancel."), answer)
