"""The console asks for a job's secrets again when it re-runs the job (``r`` ``e`` ``u``).

Secrets are never stored (the store and the logs have ``********``), so a re-run of a job
that had them cannot take them from its record. The session answers ``needs_secrets``
(:class:`~ftltui.console.results.JobActionResult`) with their kinds; each is asked for in
the :class:`~ftltui.tui.screens.secret_prompt.SecretPrompt` the run form's become password
and the vault use, one after the other. ``esc`` on any of them (or an empty answer) cancels
the re-run: nothing is queued and nothing changes. The values exist only in the prompts
and in the :class:`~ftltui.jobs.again.GivenSecrets` handed to the session.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ftltui.jobs.again import BECOME, GivenSecrets
from ftltui.jobs.model import Job

_KIND_WORDS = {"arg": ("secret argument", "its argument"), "prompt": ("private answer", "its private prompt"),
               "var": ("secret variable", "its secret variable")}


def prompt_words(job: Job | None, job_id: int, action: str, kind: str) -> tuple[str, str]:
    """The prompt's title and label for one secret kind of job ``job_id``."""
    again = f"Type it again to {action} the job (esc: nothing is queued)."
    if kind == BECOME:
        become = (job.spec.get("become") if job is not None else None) or {}
        method, user = str(become.get("method") or "become"), str(become.get("user") or "")
        whom = f" to become {user}" if user else ""
        return f"{method} password", f"Job {job_id} ran with a {method} password{whom}, which is never stored. {again}"
    prefix, _, name = kind.partition(":")
    title, what = _KIND_WORDS.get(prefix, ("secret", "its secret"))
    return title, f"Job {job_id} had {what} {name}, which is never stored. {again}"


async def ask_job_secrets(app: Any, job: Job | None, job_id: int, action: str,
                          kinds: Sequence[str]) -> GivenSecrets | None:
    """Each secret of ``kinds`` asked for in turn (from a worker: it waits for each prompt);
    ``None`` when the operator cancels one."""
    from ftltui.tui.screens.secret_prompt import SecretPrompt

    become: str | None = None
    values: dict[str, str] = {}
    for kind in kinds:
        title, label = prompt_words(job, job_id, action, kind)
        value = await app.push_screen_wait(SecretPrompt(title, label))
        if not value:
            return None
        if kind == BECOME:
            become = value
        else:
            values[kind.partition(":")[2]] = value
    return GivenSecrets(become, values)
