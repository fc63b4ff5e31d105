"""A playbook job waiting at a ``pause``, through the owner (issue 15): ``pause.list`` and
the operations that end the wait, ``pause.answer``, ``pause.continue``, ``pause.abort``,
``pause.hold``.

The pause is the owner's (its session's :class:`~ftltui.console.pauses.PauseDesk`: its job
awaits it); an attached console's pause bar and an ``ftl-tui play`` client on its terminal
send these, and the owner ends the wait as its own console would. Everyone following the
job sees ``PauseStarted``/``PauseEnded`` in its events (``view.watch``, ``jobs.watch``), so
a console that attaches late asks ``pause.list`` once; a hold, which no event records, reaches
every ``view.watch`` as a ``pause_held`` item. The ends are write ops: a read-only
owner or client is refused them, like every other write. ``pause.answer``'s ``text`` of a
private prompt is a secret: the owner masks it before the run sees it, nothing logs it.

Added in protocol 1 as new ops (capability ``pauses``; an older owner answers ``unknown_op``).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from ftltui.api.protocol import E_BAD_REQUEST, E_NOT_FOUND, ProtocolError

READ_OPS = frozenset({"pause.list"})
WRITE_OPS = frozenset({"pause.answer", "pause.continue", "pause.abort", "pause.hold"})
OPS = READ_OPS | WRITE_OPS
CAPABILITY = "pauses"


def _job_id(args: dict[str, Any]) -> int:
    value = args.get("job_id")
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ProtocolError(E_BAD_REQUEST, "argument 'job_id': expected a job id of at least 1")
    return value


async def one_shot(ops: Any, op: str, args: dict[str, Any]) -> Any:
    """One pause request on the owner's session (``ops.session.pauses``)."""
    from ftltui.console.pauses import NoPause

    desk = getattr(getattr(ops, "session", None), "pauses", None)
    if desk is None:
        raise ProtocolError(E_BAD_REQUEST, "this owner runs no playbook jobs that pause")
    if op == "pause.list":
        return [asdict(w) for w in desk.waiting()]
    job_id = _job_id(args)
    try:
        if op == "pause.answer":
            text = args.get("text", "")
            if not isinstance(text, str):
                raise ProtocolError(E_BAD_REQUEST, "argument 'text': expected a string")
            await desk.answer(job_id, text)
        elif op == "pause.continue":
            await desk.continue_early(job_id)
        elif op == "pause.abort":
            await desk.abort(job_id)
        else:
            await desk.hold(job_id)
    except NoPause as exc:
        raise ProtocolError(E_NOT_FOUND, str(exc)) from None
    return {"job_id": job_id, "done": op.removeprefix("pause.")}
