"""What a ``pause`` task asks of whoever can answer it, and what it gets back (issue 15).

The runner knows nothing of terminals or consoles: a ``pause`` builds a
:class:`PauseRequest` and awaits the run's :data:`Pauser` (``PlayOptions.pauser``). The CLI
answers on its terminal (ctrl+C then C/A, a line, no echo when private), the console core
keeps the request as the job's waiting state until a face answers it. Without a pauser
the run behaves as ansible-playbook with stdin not a terminal: a timed pause sleeps, a
prompt is not waited for (a warning, an empty answer).

The words are Ansible's (``ansible.plugins.action.pause``), so every face shows the same.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

HINT = "(ctrl+C then 'C' = continue early, ctrl+C then 'A' = abort)"
DEFAULT_PROMPT = "Press enter to continue, Ctrl+C to interrupt"
HIDDEN = " (output is hidden)"
CONTINUE_OR_ABORT = "Press 'C' to continue the play or 'A' to abort"
NOT_INTERACTIVE = "Not waiting for response to prompt as stdin is not interactive"
ABORTED = "Task failed: user requested abort!"

# how a pause ended
ANSWERED = "answered"  # a prompt got its line (``text``)
CONTINUED = "continued"  # a timed pause was continued early (ctrl+C, C)
TIMED_OUT = "timed_out"  # a timed pause ran its time
ABORTED_ACTION = "aborted"  # ctrl+C, A: the task fails on the host ("user requested abort!")


@dataclass(frozen=True)
class PauseRequest:
    """One pause waiting for an answer. ``seconds`` None: it waits for a line (``prompt``);
    else it ends by itself after ``seconds`` unless continued early or aborted.
    ``private``: ``echo: no`` (the answer is a secret: never echoed, logged or stored)."""

    task: str  # the task's name, as Ansible's ``[task]`` line above a prompt
    host: str
    prompt: str  # the task's prompt, else Ansible's default words
    seconds: int | None = None
    private: bool = False
    custom_prompt: bool = False  # the task gave ``prompt:`` (a timed pause then shows it too)

    @property
    def timed(self) -> bool:
        return self.seconds is not None


@dataclass(frozen=True)
class PauseReply:
    """How the pause ended: :data:`ANSWERED` (``text``), :data:`CONTINUED`, :data:`TIMED_OUT`
    or :data:`ABORTED_ACTION`."""

    action: str
    text: str = ""

    def __repr__(self) -> str:  # a private answer never reaches a log through a repr
        return f"PauseReply({self.action!r}, <{len(self.text)} chars>)"


Pauser = Callable[[PauseRequest], Awaitable[PauseReply]]
