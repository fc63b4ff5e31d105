"""What a playbook job is told in secret: ``vars_prompt`` answers and a become password.

They are job secrets (:func:`ftltui.jobs.playbook_kind.enqueue_playbook`): kept in memory
for the run, stored and logged as ********. A record rather than loose keyword arguments
so the session's signature says what it takes, and so printing one (a log line, an
exception's locals, a debugger) never shows a value: the repr names the answers only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

MASK = "********"


@dataclass(frozen=True)
class PlaybookSecrets:
    """``answers``: ``vars_prompt`` answers by variable name (``private`` names those whose
    value is secret; the others are plain values, but still never printed here);
    ``become_password``: the play form's -K."""

    answers: Mapping[str, object] | None = field(default=None, repr=False)
    private: tuple[str, ...] = ()
    become_password: str | None = field(default=None, repr=False)

    def __bool__(self) -> bool:
        """Anything to send (an attached session refuses to send any of it)."""
        return bool(self.become_password) or bool(self.answers)

    def __repr__(self) -> str:
        names = sorted(self.answers) if self.answers is not None else None
        become = MASK if self.become_password else None
        return f"PlaybookSecrets(answers={names!r}, private={list(self.private)!r}, become_password={become!r})"

    __str__ = __repr__
