"""How a playbook run was asked for: ansible-playbook's options, parsed once by the CLI
(or the console's play form) and read by the runner."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

from ftltui.playbook.pauses import Pauser

# vars_prompt: (prompt text, private, default) -> the answer; None when nobody can answer
# (no TTY, a job run): then a prompt without a default is an error, as in Ansible.
Asker = Callable[[str, bool, "str | None"], "str | None"]


@dataclass
class PlayOptions:
    """``ansible-playbook``'s options that change what runs (connection and become options
    go to the inventory/executor as for ``ftl-tui run``)."""

    limit: str | None = None  # -l
    tags: tuple[str, ...] = ()  # -t (empty: all)
    skip_tags: tuple[str, ...] = ()  # --skip-tags
    check: bool = False  # -C
    diff: bool = False  # -D
    forks: int = 5  # -f (ansible.cfg forks)
    start_at_task: str | None = None
    extra_vars: dict[str, Any] = field(default_factory=dict)  # -e, all forms merged in order
    verbosity: int = 0  # -v count
    become: bool | None = None  # -b (None: as the play/inventory says)
    become_user: str | None = None
    become_method: str | None = None
    remote_user: str | None = None  # -u
    ask: Asker | None = None  # vars_prompt answers
    # who answers a ``pause`` (ftltui.playbook.pauses): the CLI's terminal, the console's job;
    # None: nobody, as ansible-playbook without a TTY (timed pauses sleep, prompts are skipped)
    pauser: Pauser | None = None
    # answers given before the run (the console's prompt modal), by variable name: asked of
    # nobody; private ones are job secrets (in memory only, never stored or logged)
    prompt_answers: dict[str, str] = field(default_factory=dict)
    # variables under everything else, as ``-K`` puts ``ansible_become_password`` (the
    # console's play form): a host's own value wins, as with ansible-playbook
    var_defaults: dict[str, Any] = field(default_factory=dict)
    # awaited after each batch's PlayStarted, before its first task: a job makes the
    # batch's hosts durable as started there (after a crash, a host that ran tasks must
    # read back as started, never as untouched)
    batch_started: Callable[[tuple[str, ...]], Awaitable[None]] | None = None
    step: bool = False  # --step is not supported; kept False
